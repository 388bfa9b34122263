/**
 * The rules for users: unique userName (case-insensitively), optimistic concurrency by version,
 * and one transaction per change with its change-feed rows.
 */
import { appendEvents } from '../changes/events.ts';
import type { ChangeEvent } from '../changes/events.ts';
import { uuidv7 } from '../lib/ids.ts';
import { connectionIdOf, describeActor, originOf } from './actor.ts';
import { deleteMembershipsOf } from './group.repository.ts';
import type { DirectoryContext } from './context.ts';
import { checkIfMatch, inTransaction, isUniqueViolation, nowOf } from './context.ts';
import { DirectoryError, notFound } from './errors.ts';
import type { ListQuery, Page } from './listing.ts';
import { listWithCaches } from './listing.ts';
import {
  deleteUserRow,
  findUserIdByUserName,
  findUserRow,
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
}

function userNameTaken(userName: string, existingId: string | undefined) {
  return new DirectoryError(
    'user_name_taken',
    existingId
      ? `userName ${JSON.stringify(userName)} is already taken by user ${existingId}.`
      : `userName ${JSON.stringify(userName)} is already taken.`,
  );
}

export async function createUser(
  context: DirectoryContext,
  data: Record<string, unknown>,
): Promise<User> {
  const now = nowOf(context);
  const id = uuidv7();
  const { actor } = context;
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
        deprovisioned_at: null,
      };
      await insertUser(trx, row);
      await writeEmails(trx, id, data, false);
      await appendEvents(
        trx,
        [userEvent('user.created', id, context, { userName, origin: row.origin })],
        now,
      );
      return toUser(row);
    });
  } catch (error) {
    // Two creates of one userName at once: the unique index decides, the loser gets a conflict.
    if (isUniqueViolation(error)) {
      throw userNameTaken(
        String(data.userName),
        await findUserIdByUserName(context.db, String(data.userName)),
      );
    }
    throw error;
  }
}

export async function findUser(context: Pick<DirectoryContext, 'db' | 'dialect'>, id: string) {
  const row = await findUserRow(context.db, context.dialect, id);
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
      const row = await findUserRow(trx, context.dialect, id, true);
      if (!row) throw notFound('User', id);
      const current = toUser(row);
      checkIfMatch('User', id, current.version, options.ifMatch);
      const data = change(current);
      const changed = changedKeys(current.data, data);
      if (changed.length === 0) return current;
      const columns = userColumns(data);
      wantedName = columns.user_name;
      if (columns.user_name_lc !== row.user_name_lc) {
        const other = await findUserIdByUserName(trx, columns.user_name);
        if (other && other !== id) throw userNameTaken(columns.user_name, other);
      }
      const version = current.version + 1;
      await updateUserRow(trx, id, { ...columns, updated_at: now, version });
      if (changed.includes('emails')) await writeEmails(trx, id, data, true);
      await appendEvents(
        trx,
        [userEvent('user.updated', id, context, { userName: columns.user_name, changed })],
        now,
      );
      return toUser({ ...row, ...columns, updated_at: now, version });
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
    const row = await findUserRow(trx, context.dialect, id, true);
    if (!row) throw notFound('User', id);
    checkIfMatch('User', id, Number(row.version), options.ifMatch);
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

export async function groupsOf(context: Pick<DirectoryContext, 'db'>, userIds: readonly string[]) {
  return groupsOfUsers(context.db, userIds);
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
