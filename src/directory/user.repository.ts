/** SQL for users: the only place that knows their tables. */
import { sql } from 'kysely';
import { directReaderOf, insertRows } from '../db/database.ts';
import type { Db, Dialect } from '../db/database.ts';
import type { Origin, UserRow } from '../db/tables.ts';
import { userResourceType } from '../scim/schema.ts';
import { chunks } from '../lib/chunks.ts';
import type { ListQuery, ListShortcuts, Page } from './listing.ts';
import { listRows, readById } from './listing.ts';

export interface User {
  readonly id: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly active: boolean;
  readonly origin: Origin;
  readonly connectionId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  /** When the identity provider deprovisioned the user (hidden from the platform until purged). */
  readonly deprovisionedAt: string | null;
  /** The SCIM representation as stored (src/scim/resource.ts). */
  readonly data: Record<string, unknown>;
  /** Whether the user is in any group, when the query that read it says (lists do). */
  readonly inGroups?: boolean;
}

/** A group the user is in: directly, or through a group that is a member of another. */
export interface UserGroup {
  readonly id: string;
  readonly displayName: string;
  readonly type: 'direct' | 'indirect';
  /** For a direct membership: its origin. */
  readonly origin: Origin | null;
  /** For a direct IDP membership: the connection that made it. */
  readonly connectionId: string | null;
  /** For a direct membership: whether a LOCAL mapping holds it (beside the IdP's, if IDP). */
  readonly localMapping: boolean;
}

export function parseData(data: unknown): Record<string, unknown> {
  return (typeof data === 'string' ? JSON.parse(data) : data) as Record<string, unknown>;
}

/**
 * The columns a user is read with. Not the console's search text and email (`search_lc`,
 * `email_lc`): copies of the data for the admin API's indexes, which every SCIM read would
 * otherwise carry out of SQLite for nothing (the search text alone is up to 512 characters).
 */
export const USER_COLUMNS = [
  'id',
  'external_id',
  'origin',
  'connection_id',
  'created_at',
  'updated_at',
  'version',
  'data',
  'user_name',
  'user_name_lc',
  'display_name_lc',
  'active',
  'deprovisioned_at',
] as const;

export type UserRecord = Pick<UserRow, (typeof USER_COLUMNS)[number]>;

export function toUser(row: UserRecord & { in_groups?: unknown }): User {
  // No spread before the properties: on Node 20's V8, `{ ...x, a, b }` builds its object
  // through the runtime, 1.5 µs and more for each property after the spread (this function
  // took 19 µs so, 0.8 µs as written now). eslint.config.js keeps the pattern out of the
  // request path.
  const user: User & { inGroups?: boolean } = {
    id: row.id,
    userName: row.user_name,
    externalId: row.external_id,
    active: Boolean(row.active),
    origin: row.origin,
    connectionId: row.connection_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
    deprovisionedAt: row.deprovisioned_at,
    data: parseData(row.data),
  };
  if (row.in_groups !== undefined) user.inGroups = Boolean(row.in_groups);
  return user;
}

/** The columns a user's data determines. */
export function userColumns(data: Record<string, unknown>) {
  const userName = String(data.userName);
  const displayName = typeof data.displayName === 'string' ? data.displayName : null;
  return {
    user_name: userName,
    user_name_lc: userName.toLowerCase(),
    display_name_lc: displayName?.toLowerCase() ?? null,
    external_id: typeof data.externalId === 'string' ? data.externalId : null,
    active: data.active === false ? 0 : 1,
    data: JSON.stringify(data),
    ...consoleColumns(data),
  };
}

/** The most of a user's search text kept (a PostgreSQL index entry is at most 2,704 bytes). */
const SEARCH_MAX = 512;

/** The user's primary email, else its first one. */
export function primaryEmailOf(data: Record<string, unknown>): string | null {
  const emails = (Array.isArray(data.emails) ? data.emails : []) as Record<string, unknown>[];
  const primary = emails.find((e) => e.primary === true && typeof e.value === 'string');
  const email = primary ?? emails.find((e) => typeof e.value === 'string');
  return typeof email?.value === 'string' ? email.value : null;
}

/**
 * What the console's Users page sorts and searches by, as indexed columns: the email, and
 * userName, displayName, given and family name and every email, lower-cased, one per line (a
 * search term never spans two). Migration 0003 computes the same for the users it found.
 */
function consoleColumns(data: Record<string, unknown>) {
  const emails = (Array.isArray(data.emails) ? data.emails : []) as Record<string, unknown>[];
  const name = (data.name ?? {}) as Record<string, unknown>;
  const parts = [
    data.userName,
    data.displayName,
    name.givenName,
    name.familyName,
    ...emails.map((e) => e.value),
  ];
  return {
    email_lc: primaryEmailOf(data)?.toLowerCase() ?? null,
    search_lc: parts
      .filter((p): p is string => typeof p === 'string' && p !== '')
      .join('\n')
      .toLowerCase()
      .slice(0, SEARCH_MAX),
  };
}

export async function findUserRow(db: Db, dialect: Dialect, id: string, lock = false) {
  let query = db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id);
  if (lock && dialect === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

/** A user by id, for reads (listing.ts, readById). */
export async function readUserRow(db: Db, dialect: Dialect, id: string) {
  return readById<UserRecord & { in_groups?: unknown }>(
    db,
    dialect,
    userResourceType,
    id,
    USER_COLUMNS,
  );
}

export async function findUserIdByUserName(db: Db, userName: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('user_name_lc', '=', userName.toLowerCase())
    .executeTakeFirst();
  return row?.id;
}

/** A user this connection deprovisioned, by externalId: a re-create restores it. */
export async function findDeprovisionedByExternalId(
  db: Db,
  connectionId: string,
  externalId: string,
): Promise<string | undefined> {
  // Only the externalId in the WHERE clause: with the connection's id there too, SQLite (which
  // keeps no statistics) walked the connection's index, every user of it, on every create
  // (400 µs at 10^4 users); by externalId it is one index probe and a row or two to test here.
  type Found = { id: string; connection_id: string | null; deprovisioned_at: string | null };
  const rows =
    (await directReaderOf(db)?.read<Found>(
      'select "id", "connection_id", "deprovisioned_at" from "users" where "external_id" = ?',
      [externalId],
    )) ??
    (await db
      .selectFrom('users')
      .select(['id', 'connection_id', 'deprovisioned_at'])
      .where('external_id', '=', externalId)
      .execute());
  return rows.find((r) => r.connection_id === connectionId && r.deprovisioned_at !== null)?.id;
}

export async function insertUser(db: Db, row: UserRow): Promise<void> {
  await insertRows(db, 'users', [row]);
}

export async function updateUserRow(db: Db, id: string, values: Partial<UserRow>): Promise<void> {
  await db.updateTable('users').set(values).where('id', '=', id).execute();
}

/** Keeps the indexed copy of a user's emails (what `emails` filters read) equal to its data. */
export async function writeEmails(
  db: Db,
  userId: string,
  data: Record<string, unknown>,
  replace: boolean,
) {
  if (replace) await db.deleteFrom('user_emails').where('user_id', '=', userId).execute();
  const emails = Array.isArray(data.emails) ? (data.emails as Record<string, unknown>[]) : [];
  const rows = emails
    .filter((e) => typeof e.value === 'string')
    .map((e) => ({
      user_id: userId,
      value_lc: String(e.value).toLowerCase(),
      type: typeof e.type === 'string' ? e.type : null,
      is_primary: e.primary === true ? 1 : 0,
    }));
  await insertRows(db, 'user_emails', rows);
}

/**
 * Ends the user's console sessions (src/admin/sessions.service.ts), in the transaction that
 * takes their access away: a session refused only while the user is inactive would open again
 * with them.
 */
export async function endSessionsOf(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function deleteUserRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

export async function listUserRows(
  db: Db,
  dialect: Dialect,
  query: ListQuery,
  shortcuts: ListShortcuts = {},
): Promise<Page<UserRecord>> {
  return listRows<UserRecord>(db, dialect, userResourceType, query, shortcuts, USER_COLUMNS);
}

/**
 * The groups of some users, direct and indirect (through groups that are members of groups),
 * in one recursive query whatever the number of users.
 */
export async function groupsOfUsers(
  db: Db,
  userIds: readonly string[],
): Promise<Map<string, UserGroup[]>> {
  const result = new Map<string, UserGroup[]>();
  for (const ids of chunks(userIds)) {
    const rows = await sql<{
      user_id: string;
      group_id: string;
      depth: number;
      display_name: string;
      origin: Origin | null;
      connection_id: string | null;
      local_mapping: number | null;
    }>`
      WITH RECURSIVE ancestry(user_id, group_id, depth, origin, connection_id, local_mapping) AS (
        SELECT member_id, group_id, 0, origin, connection_id, local_mapping FROM memberships
        WHERE member_id IN (${sql.join(ids)})
        UNION
        SELECT a.user_id, m.group_id, a.depth + 1, NULL, NULL, NULL FROM ancestry a
        JOIN memberships m ON m.member_id = a.group_id AND m.member_type = 'Group'
        WHERE a.depth < 32
      )
      SELECT a.user_id, a.group_id, MIN(a.depth) AS depth, MAX(a.origin) AS origin,
        MAX(a.connection_id) AS connection_id, MAX(a.local_mapping) AS local_mapping,
        g.display_name
      FROM ancestry a JOIN groups g ON g.id = a.group_id
      GROUP BY a.user_id, a.group_id, g.display_name
      ORDER BY g.display_name`.execute(db);
    for (const row of rows.rows) {
      const list = result.get(row.user_id) ?? [];
      list.push({
        id: row.group_id,
        displayName: row.display_name,
        type: Number(row.depth) === 0 ? 'direct' : 'indirect',
        origin: Number(row.depth) === 0 ? row.origin : null,
        connectionId: Number(row.depth) === 0 ? row.connection_id : null,
        localMapping: Number(row.depth) === 0 && Number(row.local_mapping) === 1,
      });
      result.set(row.user_id, list);
    }
  }
  return result;
}
