/**
 * The rules for users: unique userName (case-insensitively), optimistic concurrency by version,
 * and one transaction per change with its change-feed rows.
 */
import { appendEvents } from '../changes/events.ts';
import type { ChangeEvent } from '../changes/events.ts';
import { uuidv7 } from '../lib/ids.ts';
import { connectionIdOf, DEFAULT_POLICY, describeActor, originOf, policyOf } from './actor.ts';
import { deleteMembershipsOf, renameMember } from './group.repository.ts';
import type { DirectoryContext } from './context.ts';
import { checkIfMatch, inTransaction, isUniqueViolation, nowOf } from './context.ts';
import { DirectoryError, notFound } from './errors.ts';
import { claimFor, idpOwner, isAdministrator } from './ownership.ts';
import { lockAdministrators, refuseLastAdministrator } from './roles.service.ts';
import type { ListQuery, Page } from './listing.ts';
import { listWithCaches } from './listing.ts';
import {
  deleteUserRow,
  endSessionsOf,
  findDeprovisionedByExternalId,
  findUserIdByUserName,
  findUserRow,
  readUserRow,
  groupsOfUsers,
  insertUser,
  listUserRows,
  toUser,
  updateUserRow,
  userColumns,
  writeEmails,
} from './user.repository.ts';
import type { User, UserGroup } from './user.repository.ts';

export type { User, UserGroup };

export interface WriteOptions {
  /** The If-Match header: the write happens only if the resource's version is one of these. */
  readonly ifMatch?: string;
  /**
   * Refuse to deactivate or delete the last administrator who can sign in (the admin API; see
   * RoleChangeOptions). Checked in the write's own transaction, serialized with the other writes
   * that check it: a check before the transaction would let two concurrent ones both pass.
   */
  readonly keepAnAdministrator?: boolean;
}

function userNameTaken(userName: string, existingId: string | undefined) {
  return new DirectoryError(
    'user_name_taken',
    existingId
      ? `userName ${JSON.stringify(userName)} is already taken by user ${existingId}.`
      : `userName ${JSON.stringify(userName)} is already taken.`,
  );
}

/**
 * Creates a user. A connection's create may instead restore a user it deprovisioned (same
 * externalId or userName: same id, memberships back) or link a LOCAL user of the same userName
 * (see ownership.ts); a create that finds the userName otherwise taken is a conflict naming the
 * user that has it (what a client retrying after a timeout needs).
 */
export async function createUser(
  context: DirectoryContext,
  data: Record<string, unknown>,
): Promise<User> {
  const now = nowOf(context);
  const id = uuidv7();
  const { actor } = context;
  if (actor.kind === 'connection' && typeof data.externalId === 'string') {
    const returning = await findDeprovisionedByExternalId(
      context.db,
      actor.connectionId,
      data.externalId,
    );
    if (returning) return updateUser(context, returning, () => data);
  }
  // The identity provider may create a user already inactive (Ping can): under the policy
  // `delete` it never joins the platform, but stays restorable like a deactivated one.
  const deprovisioned =
    actor.kind === 'connection' &&
    data.active === false &&
    policyOf(actor).deprovision === 'delete';
  try {
    return await inTransaction(context, async (trx) => {
      const userName = String(data.userName);
      // No look-up first: the unique index on user_name_lc decides (see the catch below),
      // which is both cheaper and right under concurrent creates.
      const row = {
        id,
        ...userColumns(data),
        origin: originOf(actor),
        connection_id: connectionIdOf(actor),
        created_at: now,
        updated_at: now,
        version: 1,
        deprovisioned_at: deprovisioned ? now : null,
      };
      await insertUser(trx, row);
      await writeEmails(trx, id, data, false);
      await appendEvents(
        trx,
        [
          userEvent('user.created', id, context, { userName, origin: row.origin }),
          ...(deprovisioned ? [deprovisionEvent(id, context, userName, now)] : []),
        ],
        now,
      );
      return toUser(row);
    });
  } catch (error) {
    // The userName is taken (two creates at once included: the unique index decides).
    if (!isUniqueViolation(error)) throw error;
    const userName = String(data.userName);
    const existing = await findUserIdByUserName(context.db, userName);
    const adopted = existing ? await adoptOnCreate(context, existing, data) : undefined;
    if (adopted) return adopted;
    throw userNameTaken(userName, existing);
  }
}

/**
 * A connection's create for a userName that exists: restores the user if this connection
 * deprovisioned it; links it if it is LOCAL and the policy says so. Undefined: a conflict.
 */
async function adoptOnCreate(
  context: DirectoryContext,
  id: string,
  data: Record<string, unknown>,
): Promise<User | undefined> {
  const { actor } = context;
  if (actor.kind !== 'connection') return undefined;
  const row = await findUserRow(context.db, context.dialect, id);
  if (!row) return undefined;
  const owner = idpOwner(row.origin, row.connection_id);
  // The state that allowed the adoption is checked again on the row as read, locked, by the
  // write: of creates at once (two instances; PostgreSQL) one adopts, the others are conflicts.
  const taken = () => userNameTaken(row.user_name, id);
  if (owner === actor.connectionId) {
    if (row.deprovisioned_at === null) return undefined;
    return updateUser(context, id, (current) => {
      if (current.deprovisionedAt === null) throw taken();
      return data;
    });
  }
  if (owner !== null || !policyOf(actor).linkLocal) return undefined;
  if (await isAdministrator(context.db, id)) {
    throw new DirectoryError(
      'user_name_taken',
      `userName ${JSON.stringify(row.user_name)} is taken by user ${id}, a console administrator: an identity provider cannot take it over.`,
    );
  }
  // Linked: what the identity provider sends wins, what it does not send stays.
  return updateUser(context, id, (current) => {
    if (idpOwner(current.origin, current.connectionId) !== null) throw taken();
    return Object.assign({}, current.data, data);
  });
}

export async function findUser(context: Pick<DirectoryContext, 'db' | 'dialect'>, id: string) {
  const row = await readUserRow(context.db, context.dialect, id);
  return row ? toUser(row) : undefined;
}

export async function getUser(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  id: string,
): Promise<User> {
  const user = await findUser(context, id);
  if (!user) throw notFound('User', id);
  return user;
}

/** A user by id, or else by userName (case-insensitively): what the CLI accepts. */
export async function findUserByIdOrUserName(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  key: string,
) {
  const byId = await findUser(context, key);
  if (byId) return byId;
  const id = await findUserIdByUserName(context.db, key);
  return id ? findUser(context, id) : undefined;
}

/**
 * Changes a user: `change` receives the current user (read in the transaction, locked on
 * PostgreSQL) and returns its new data. Nothing is written, and the version stays, when the
 * data is unchanged.
 *
 * A connection's write follows its policy: it may link a LOCAL user (ownership.ts), and
 * `active=false` under the policy `delete` deprovisions the user (it leaves the platform's
 * view, restorable until its retention ends); `active=true` restores it.
 */
export async function updateUser(
  context: DirectoryContext,
  id: string,
  change: (current: User) => Record<string, unknown>,
  options: WriteOptions = {},
): Promise<User> {
  const now = nowOf(context);
  let wantedName = '';
  try {
    return await inTransaction(context, async (trx) => {
      if (options.keepAnAdministrator) await lockAdministrators(trx, context.dialect);
      const row = await findUserRow(trx, context.dialect, id, true);
      if (!row) throw notFound('User', id);
      const claim = await claimFor(trx, context.actor, 'User', row);
      const current = toUser(row);
      checkIfMatch('User', id, current.version, options.ifMatch);
      const data = change(current);
      const changed = changedKeys(current.data, data);
      const deprovisionedAt = deprovisionedAfter(context, row.deprovisioned_at, data, now);
      if (changed.length === 0 && claim === 'own' && deprovisionedAt === row.deprovisioned_at) {
        return current;
      }
      const columns = userColumns(data);
      if (options.keepAnAdministrator && (columns.active !== 1 || deprovisionedAt !== null)) {
        await refuseLastAdministrator(trx, id);
      }
      wantedName = columns.user_name;
      if (columns.user_name_lc !== row.user_name_lc) {
        const other = await findUserIdByUserName(trx, columns.user_name);
        if (other && other !== id) throw userNameTaken(columns.user_name, other);
        await renameMember(trx, id, columns.user_name_lc);
      }
      const version = current.version + 1;
      const ownership =
        claim === 'link'
          ? { origin: originOf(context.actor), connection_id: connectionIdOf(context.actor) }
          : {};
      const values = Object.assign({}, columns, ownership, {
        deprovisioned_at: deprovisionedAt,
        updated_at: now,
        version,
      });
      await updateUserRow(trx, id, values);
      if (changed.includes('emails')) await writeEmails(trx, id, data, true);
      const userName = columns.user_name;
      const events: ChangeEvent[] = [];
      if (claim === 'link') {
        events.push(
          userEvent('user.linked', id, context, { userName, previousOrigin: row.origin }),
        );
      }
      if (changed.length > 0) {
        events.push(userEvent('user.updated', id, context, { userName, changed }));
      }
      if (deprovisionedAt !== row.deprovisioned_at) {
        events.push(
          deprovisionedAt === null
            ? userEvent('user.restored', id, context, { userName })
            : deprovisionEvent(id, context, userName, now),
        );
      }
      const deactivated = Number(row.active) === 1 && columns.active !== 1;
      if (deactivated || (row.deprovisioned_at === null && deprovisionedAt !== null)) {
        await endSessionsOf(trx, id);
      }
      await appendEvents(trx, events, now);
      return toUser(Object.assign({}, row, values));
    });
  } catch (error) {
    // A concurrent rename took the name between our check and our write.
    if (isUniqueViolation(error)) {
      throw userNameTaken(wantedName, await findUserIdByUserName(context.db, wantedName));
    }
    throw error;
  }
}

export async function deleteUser(
  context: DirectoryContext,
  id: string,
  options: WriteOptions = {},
): Promise<void> {
  const now = nowOf(context);
  await inTransaction(context, async (trx) => {
    if (options.keepAnAdministrator) await lockAdministrators(trx, context.dialect);
    const row = await findUserRow(trx, context.dialect, id, true);
    if (!row) throw notFound('User', id);
    // A connection deletes only its own users: a delete never links.
    if ((await claimFor(trx, context.actor, 'User', row)) !== 'own') throw notFound('User', id);
    checkIfMatch('User', id, Number(row.version), options.ifMatch);
    if (options.keepAnAdministrator) await refuseLastAdministrator(trx, id);
    const left = await deleteMembershipsOf(trx, id);
    await deleteUserRow(trx, id);
    const actor = describeActor(context.actor);
    await appendEvents(
      trx,
      [
        ...left.map((m): ChangeEvent => ({
          type: 'group.member_removed',
          resourceType: 'Group',
          resourceId: m.groupId,
          actor,
          summary: { memberId: id, memberType: m.memberType },
          relatedId: id,
        })),
        userEvent('user.deleted', id, context, { userName: row.user_name }),
      ],
      now,
    );
  });
}

export async function listUsers(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  query: ListQuery,
): Promise<Page<User>> {
  const page = await listWithCaches(context.db, 'User', query, (shortcuts) =>
    listUserRows(context.db, context.dialect, query, shortcuts),
  );
  return { total: page.total, items: page.items.map(toUser) };
}

/** The users deprovisioned by an identity provider, most recent first (for operators). */
export async function listDeprovisionedUsers(
  context: Pick<DirectoryContext, 'db'>,
  offset: number,
  limit: number,
): Promise<Page<User>> {
  const base = context.db.selectFrom('users').where('deprovisioned_at', 'is not', null);
  const { n } = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .selectAll()
    .orderBy('deprovisioned_at', 'desc')
    .orderBy('id')
    .offset(offset)
    .limit(limit)
    .execute();
  return { total: Number(n), items: rows.map(toUser) };
}

export async function groupsOf(context: Pick<DirectoryContext, 'db'>, userIds: readonly string[]) {
  return groupsOfUsers(context.db, userIds);
}

/**
 * The user's `deprovisioned_at` after a write: set when a connection with the policy `delete`
 * makes it inactive, cleared when it makes it active again. Local writes leave it.
 */
function deprovisionedAfter(
  context: DirectoryContext,
  before: string | null,
  data: Record<string, unknown>,
  now: string,
): string | null {
  const { actor } = context;
  if (actor.kind !== 'connection') return before;
  if (data.active === false) {
    return before ?? (policyOf(actor).deprovision === 'delete' ? now : null);
  }
  return null;
}

function deprovisionEvent(
  id: string,
  context: DirectoryContext,
  userName: string,
  now: string,
): ChangeEvent {
  const days = policyOf(context.actor).retentionDays;
  const purgeAfter = new Date(Date.parse(now) + days * 86_400_000).toISOString();
  return userEvent('user.deprovisioned', id, context, { userName, purgeAfter });
}

/**
 * Purges the users whose retention window has passed: each connection's own window (the
 * default for a user whose connection is gone). Returns how many were purged.
 */
export async function purgeDeprovisionedUsers(
  context: Pick<DirectoryContext, 'db' | 'dialect' | 'now'>,
): Promise<number> {
  const now = Date.parse(nowOf(context));
  const rows = await context.db
    .selectFrom('users as u')
    .leftJoin('connections as c', 'c.id', 'u.connection_id')
    .select(['u.id', 'u.deprovisioned_at', 'c.retention_days'])
    .where('u.deprovisioned_at', 'is not', null)
    .execute();
  const due = rows.filter((row) => {
    const days = row.retention_days === null ? DEFAULT_POLICY.retentionDays : row.retention_days;
    return Date.parse(row.deprovisioned_at!) + Number(days) * 86_400_000 <= now;
  });
  const purger: DirectoryContext = Object.assign({}, context, {
    actor: { kind: 'local', name: 'retention' } as const,
  });
  let purged = 0;
  for (const row of due) {
    try {
      await deleteUser(purger, row.id);
      purged++;
    } catch (error) {
      // Restored or deleted meanwhile.
      if (!(error instanceof DirectoryError && error.code === 'not_found')) throw error;
    }
  }
  return purged;
}

function userEvent(
  type: ChangeEvent['type'],
  id: string,
  context: DirectoryContext,
  summary: Record<string, unknown>,
): ChangeEvent {
  return {
    type,
    resourceType: 'User',
    resourceId: id,
    actor: describeActor(context.actor),
    summary,
  };
}

/** The top-level attributes whose values differ. */
export function changedKeys(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => !deepEqual(before[key], after[key])).sort();
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
