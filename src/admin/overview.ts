/** The console's header and empty states: how much there is, and whether provisioning fails. */
import type { Db } from '../db/database.ts';
import { FAILED, idFloor } from '../provisioning/provisioning-log.ts';

export interface Overview {
  readonly users: number;
  readonly groups: number;
  readonly connections: number;
  /** SCIM requests answered with a status of 400 or more in the last 24 hours. */
  readonly failedRequests24h: number;
  readonly scimBaseUrl: string;
}

export async function overviewOf(db: Db, scimBaseUrl: string, now = new Date()): Promise<Overview> {
  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString();
  const count = (n: { n: unknown } | undefined) => Number(n?.n ?? 0);
  const [users, groups, connections, failed] = await Promise.all([
    db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('deprovisioned_at', 'is', null)
      .executeTakeFirst(),
    db
      .selectFrom('groups')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst(),
    db
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst(),
    db
      .selectFrom('provisioning_log')
      .select((eb) => eb.fn.countAll().as('n'))
      // Counted from the failures' partial index (migration 0005), the day's part of it by id.
      .where(FAILED)
      .where('id', '>=', idFloor(since))
      .where('at', '>=', since)
      .executeTakeFirst(),
  ]);
  return {
    users: count(users),
    groups: count(groups),
    connections: count(connections),
    failedRequests24h: count(failed),
    scimBaseUrl,
  };
}
