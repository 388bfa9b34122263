/**
 * Seeds users straight into the database while the server is stopped: seeding 10^5 users over
 * HTTP would take minutes and measure nothing the provisioning workload does not.
 *
 * Two methods, both through Gatehouse's own code so a seeded user is what a SCIM POST stores:
 * - `bulk` (default): the body is validated by `normalizeResource` and mapped to columns by
 *   `userColumns`, as `POST /Users` does; users, their email index rows and their change-feed
 *   events are then inserted 500 at a time, one transaction per batch.
 * - `service`: `createUser` for each user (one transaction per user, exactly the POST path minus
 *   HTTP); several at once on PostgreSQL. Slower (about 2,500 users/s on SQLite, 700 on
 *   PostgreSQL on the reference machine).
 */
import { appendEvents } from '../src/changes/events.ts';
import type { ChangeEvent } from '../src/changes/events.ts';
import { openDatabase } from '../src/db/database.ts';
import type { UserEmailTable, UserTable } from '../src/db/tables.ts';
import type { DirectoryContext } from '../src/directory/context.ts';
import { userColumns } from '../src/directory/user.repository.ts';
import { createUser } from '../src/directory/user.service.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import { normalizeResource } from '../src/scim/resource.ts';
import { userResourceType } from '../src/scim/schema.ts';
import type { Storage } from './processes.ts';

export type SeedMethod = 'bulk' | 'service';

/** The body an identity provider sends for user number `i` of a family (`seed`, `prov`). */
export function userBody(family: string, i: number): Record<string, unknown> {
  const userName = userNameOf(family, i);
  const given = `Given${i}`;
  const family_ = `${family === 'seed' ? 'Seeded' : 'Provisioned'}${i % 997}`;
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: given, familyName: family_ },
    displayName: `${given} ${family_}`,
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
  };
}

export function userNameOf(family: string, i: number): string {
  return `${family}-${String(i).padStart(7, '0')}@bench.example`;
}

export interface SeedOptions {
  readonly storage: Storage;
  readonly connection: { readonly id: string; readonly name: string };
  readonly method: SeedMethod;
  /** Seed users number `from` (inclusive) to `to` (exclusive) of the `seed` family. */
  readonly from: number;
  readonly to: number;
}

export interface SeedResult {
  readonly method: SeedMethod;
  readonly users: number;
  readonly seconds: number;
  /** The ids of the users seeded, in order. */
  readonly ids: string[];
}

const BATCH = 500;

export async function seedUsers(options: SeedOptions): Promise<SeedResult> {
  const { storage, connection } = options;
  const handle = await openDatabase({
    dataDir: storage.dataDir,
    databaseUrl: storage.databaseUrl,
    pgPoolSize: 8,
  });
  const context: DirectoryContext = {
    db: handle.db,
    dialect: handle.dialect,
    actor: { kind: 'connection', connectionId: connection.id, name: connection.name },
  };
  const ids: string[] = [];
  const t0 = performance.now();
  try {
    if (options.method === 'service') {
      // SQLite serialises transactions anyway; PostgreSQL commits several at once.
      const concurrency = handle.dialect === 'postgres' ? 8 : 1;
      const created: string[] = new Array<string>(options.to - options.from);
      let next = options.from;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < options.to) {
            const i = next++;
            const { data } = normalizeResource(userResourceType, userBody('seed', i));
            created[i - options.from] = (await createUser(context, data)).id;
          }
        }),
      );
      for (const id of created) ids.push(id);
    } else {
      for (let start = options.from; start < options.to; start += BATCH) {
        const end = Math.min(options.to, start + BATCH);
        const now = new Date().toISOString();
        const users: UserTable[] = [];
        const emails: UserEmailTable[] = [];
        const events: ChangeEvent[] = [];
        for (let i = start; i < end; i++) {
          const { data } = normalizeResource(userResourceType, userBody('seed', i));
          const id = uuidv7();
          const columns = userColumns(data);
          users.push({
            id,
            ...columns,
            origin: 'IDP',
            connection_id: connection.id,
            deprovisioned_at: null,
            created_at: now,
            updated_at: now,
            version: 1,
          });
          for (const email of data.emails as Record<string, unknown>[]) {
            emails.push({
              user_id: id,
              value_lc: String(email.value).toLowerCase(),
              type: typeof email.type === 'string' ? email.type : null,
              is_primary: email.primary === true ? 1 : 0,
            });
          }
          events.push({
            type: 'user.created',
            resourceType: 'User',
            resourceId: id,
            actor: `connection:${connection.id}`,
            summary: { userName: columns.user_name, origin: 'IDP' },
          });
          ids.push(id);
        }
        await handle.db.transaction().execute(async (trx) => {
          await trx.insertInto('users').values(users).execute();
          await trx.insertInto('user_emails').values(emails).execute();
          await appendEvents(trx, events, now);
        });
      }
    }
  } finally {
    await handle.close();
  }
  return {
    method: options.method,
    users: options.to - options.from,
    seconds: (performance.now() - t0) / 1000,
    ids,
  };
}
