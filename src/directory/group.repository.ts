/** SQL for groups and memberships. */
import { sql } from 'kysely';
import type { Expression, RawBuilder, SqlBool } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';
import type { GroupRow, MemberType, Origin } from '../db/tables.ts';
import { groupResourceType } from '../scim/schema.ts';
import { chunks } from '../lib/chunks.ts';
import { DirectoryError } from './errors.ts';
import type { ListQuery, ListShortcuts, Page } from './listing.ts';
import { listRows, readById } from './listing.ts';
import { parseData } from './user.repository.ts';

export interface Group {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly origin: Origin;
  readonly connectionId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly data: Record<string, unknown>;
}

export interface Member {
  readonly id: string;
  readonly type: MemberType;
  /** The member's userName or displayName. */
  readonly display: string | null;
  /** IDP while the identity provider maps the membership, else LOCAL. */
  readonly origin: Origin;
  readonly connectionId: string | null;
  /** Whether a LOCAL mapping holds the membership (beside the IdP's, when `origin` is IDP). */
  readonly localMapping: boolean;
}

export function toGroup(row: GroupRow): Group {
  return {
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    origin: row.origin,
    connectionId: row.connection_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
    data: parseData(row.data),
  };
}

export function groupColumns(data: Record<string, unknown>) {
  const displayName = String(data.displayName);
  return {
    display_name: displayName,
    display_name_lc: displayName.toLowerCase(),
    external_id: typeof data.externalId === 'string' ? data.externalId : null,
    data: JSON.stringify(data),
  };
}

export async function findGroupRow(db: Db, dialect: Dialect, id: string, lock = false) {
  let query = db.selectFrom('groups').selectAll().where('id', '=', id);
  if (lock && dialect === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

/** A group by id, for reads (listing.ts, readById). */
export async function readGroupRow(db: Db, dialect: Dialect, id: string) {
  return readById<GroupRow>(db, dialect, groupResourceType, id);
}

export async function findGroupIdByDisplayName(
  db: Db,
  displayName: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('groups')
    .select('id')
    .where('display_name_lc', '=', displayName.toLowerCase())
    .executeTakeFirst();
  return row?.id;
}

export async function listGroupRows(
  db: Db,
  dialect: Dialect,
  query: ListQuery,
  shortcuts: ListShortcuts = {},
): Promise<Page<GroupRow>> {
  return listRows<GroupRow>(db, dialect, groupResourceType, query, shortcuts);
}

/** The members of groups, with the name to display, in one query per chunk of groups. */
export async function membersOfGroups(
  db: Db,
  groupIds: readonly string[],
  limit = Number.POSITIVE_INFINITY,
  hideDeprovisioned = false,
): Promise<Map<string, Member[]>> {
  const result = new Map<string, Member[]>();
  let read = 0;
  for (const ids of chunks(groupIds)) {
    let query = db
      .selectFrom('memberships as m')
      .leftJoin('users as u', (join) =>
        join.onRef('u.id', '=', 'm.member_id').on('m.member_type', '=', 'User'),
      )
      .leftJoin('groups as g', (join) =>
        join.onRef('g.id', '=', 'm.member_id').on('m.member_type', '=', 'Group'),
      )
      .select([
        'm.group_id',
        'm.member_id',
        'm.member_type',
        'm.origin',
        'm.connection_id',
        'm.local_mapping',
        'u.user_name',
        'g.display_name',
      ])
      .where('m.group_id', 'in', ids)
      .$if(hideDeprovisioned, (q) => q.where('u.deprovisioned_at', 'is', null))
      .orderBy('m.group_id')
      .orderBy('m.member_id');
    if (Number.isFinite(limit)) query = query.limit(limit - read + 1);
    const rows = await query.execute();
    read += rows.length;
    if (read > limit) {
      throw new DirectoryError(
        'too_many',
        `These groups have more than ${limit} members in all; ask with excludedAttributes=members (or fewer groups per page).`,
      );
    }
    for (const row of rows) {
      const list = result.get(row.group_id) ?? [];
      list.push({
        id: row.member_id,
        type: row.member_type,
        display: row.user_name ?? row.display_name ?? null,
        origin: row.origin,
        connectionId: row.connection_id,
        localMapping: Number(row.local_mapping) === 1,
      });
      result.set(row.group_id, list);
    }
  }
  return result;
}

/**
 * Which of these ids are users and which are groups. On PostgreSQL the users' rows are locked
 * FOR SHARE until commit, so a concurrent delete of a member waits for the membership to be
 * written (and then removes it) instead of leaving a membership of a deleted user. Groups are
 * guarded by the nesting lock instead (see lockGroupNesting): locking their rows here would
 * deadlock two transactions that each add one group to the other.
 */
export async function memberTypesOf(
  db: Db,
  dialect: Dialect,
  ids: readonly string[],
): Promise<Map<string, { type: MemberType; nameLc: string }>> {
  const types = new Map<string, { type: MemberType; nameLc: string }>();
  // No id holds U+0000, which PostgreSQL cannot compare (src/lib/nul.ts): such an id is unknown.
  for (const chunk of chunks(ids.filter((id) => !id.includes('\u0000')))) {
    let users = db.selectFrom('users').select(['id', 'user_name_lc']).where('id', 'in', chunk);
    if (dialect === 'postgres') users = users.forShare();
    for (const row of await users.execute()) {
      types.set(row.id, { type: 'User', nameLc: row.user_name_lc });
    }
    const groups = await db
      .selectFrom('groups')
      .select(['id', 'display_name_lc'])
      .where('id', 'in', chunk)
      .execute();
    for (const row of groups) types.set(row.id, { type: 'Group', nameLc: row.display_name_lc });
  }
  return types;
}

/**
 * Keeps the member name of someone's memberships (the order of a group's member list) equal to
 * their userName or displayName after a rename: O(groups they are in).
 */
export async function renameMember(db: Db, memberId: string, nameLc: string): Promise<void> {
  await db
    .updateTable('memberships')
    .set({ member_name_lc: nameLc })
    .where('member_id', '=', memberId)
    .execute();
}

export async function existingGroups(db: Db, ids: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const chunk of chunks(ids)) {
    const rows = await db.selectFrom('groups').select('id').where('id', 'in', chunk).execute();
    found.push(...rows.map((r) => r.id));
  }
  return found;
}

/** An arbitrary, fixed advisory-lock key ("GHNEST" in ASCII). */
const GROUP_NESTING_LOCK = 0x47484e455354;

/**
 * Serialises changes to the graph of nested groups on PostgreSQL: two transactions that each
 * add one group to the other would both pass the cycle check on their own snapshot, and a
 * group being deleted could be added to another at the same time. Taken by every addition of
 * a group member and every group deletion; statements after it see what the previous holder
 * committed (READ COMMITTED). SQLite transactions are serialised already.
 */
export async function lockGroupNesting(db: Db, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`SELECT pg_advisory_xact_lock(${GROUP_NESTING_LOCK})`.execute(db);
  }
}

/** Removes someone from every group they are in; returns the groups they were removed from. */
export async function deleteMembershipsOf(
  db: Db,
  memberId: string,
): Promise<{ groupId: string; memberType: MemberType }[]> {
  const rows = await db
    .deleteFrom('memberships')
    .where('member_id', '=', memberId)
    .returning(['group_id', 'member_type'])
    .execute();
  return rows.map((r) => ({ groupId: r.group_id, memberType: r.member_type }));
}

/** The groups among `candidates` that contain `groupId` (directly or not), or are it. */
export async function groupsContaining(
  db: Db,
  groupId: string,
  candidates: readonly string[],
): Promise<string[]> {
  if (candidates.length === 0) return [];
  const found: string[] = candidates.filter((c) => c === groupId);
  const rest = candidates.filter((c) => c !== groupId);
  for (const candidate of rest) {
    // Walks down from the candidate through group members only; UNION stops on repeats.
    const hit = await sql<{ one: number }>`
      WITH RECURSIVE below(id) AS (
        SELECT member_id FROM memberships WHERE group_id = ${candidate} AND member_type = 'Group'
        UNION
        SELECT m.member_id FROM below b JOIN memberships m ON m.group_id = b.id AND m.member_type = 'Group'
      )
      SELECT 1 AS one FROM below WHERE id = ${groupId} LIMIT 1`.execute(db);
    if (hit.rows.length > 0) found.push(candidate);
  }
  return found;
}

export interface NewMembership {
  readonly memberId: string;
  readonly memberType: MemberType;
  /** The member's userName or displayName, lower-cased (given when inserting). */
  readonly nameLc?: string;
}

/**
 * One of the two mappings that can hold a membership: a connection's (`IDP`) or the one made in
 * the console or the CLI (`LOCAL`, whose `connectionId` is null). A membership lasts while
 * either holds it; the IdP's writes change only its own mapping, a local operator's only the
 * LOCAL one. An IDP mapping whose connection was deleted (`connection_id` null) is orphaned:
 * the connection that writes the group next takes it over, and a removal by that connection,
 * or by the console when `orphans` is set, takes it away.
 */
export interface MembershipScope {
  readonly origin: Origin;
  readonly connectionId: string | null;
  /** LOCAL only: the removal takes orphaned IDP mappings too (no identity provider holds them). */
  readonly orphans?: boolean;
}

/** What a write did to memberships: those it began or ended, and those that only gained or lost a mapping. */
export interface MembershipOutcome {
  /** Memberships that begin (an add) or end (a removal). */
  readonly changed: NewMembership[];
  /** Memberships that stay, having gained (an add) or lost (a removal) this mapping. */
  readonly remapped: NewMembership[];
}

type MembershipCondition = Expression<SqlBool>;

// SQLite's RETURNING takes no table-qualified names: name the columns bare.
const memberColumns = [
  sql<string>`member_id`.as('member_id'),
  sql<MemberType>`member_type`.as('member_type'),
];

/** The memberships the mapping holds, on the row aliased `m` (for a connection: orphans too). */
function heldBy(mapping: MembershipScope): RawBuilder<SqlBool> {
  if (mapping.origin === 'LOCAL') return sql<SqlBool>`m.local_mapping = 1`;
  return mapping.connectionId === null
    ? sql<SqlBool>`m.origin = 'IDP' AND m.connection_id IS NULL`
    : sql<SqlBool>`m.origin = 'IDP' AND (m.connection_id = ${mapping.connectionId} OR m.connection_id IS NULL)`;
}

/**
 * A removal by this mapping, on the row aliased `m`: the memberships it ends (no other mapping
 * holds them) and those the other mapping keeps, with what is left of them.
 */
function removalBy(scope: MembershipScope) {
  if (scope.origin === 'IDP') {
    const idp = heldBy(scope);
    return {
      ends: sql<SqlBool>`${idp} AND m.local_mapping = 0`,
      keeps: sql<SqlBool>`${idp} AND m.local_mapping = 1`,
      left: { origin: 'LOCAL', connection_id: null } as const,
    };
  }
  const orphan = sql<SqlBool>`m.origin = 'IDP' AND m.connection_id IS NULL`;
  return scope.orphans
    ? {
        ends: sql<SqlBool>`(m.origin = 'LOCAL' OR (${orphan}))`,
        keeps: sql<SqlBool>`m.local_mapping = 1 AND m.origin = 'IDP' AND m.connection_id IS NOT NULL`,
        left: { local_mapping: 0 } as const,
      }
    : {
        ends: sql<SqlBool>`m.origin = 'LOCAL'`,
        keeps: sql<SqlBool>`m.local_mapping = 1 AND m.origin = 'IDP'`,
        left: { local_mapping: 0 } as const,
      };
}

/** The mapping's own columns on a new membership. */
function mappingColumns(mapping: MembershipScope) {
  return mapping.origin === 'LOCAL'
    ? ({ origin: 'LOCAL', connection_id: null, local_mapping: 1 } as const)
    : ({ origin: 'IDP', connection_id: mapping.connectionId, local_mapping: 0 } as const);
}

/**
 * Gives the members this mapping: a membership where there was none (`changed`), the mapping
 * added to a membership the other mapping holds (`remapped`), nothing where it holds already.
 * A connection takes over an orphaned IDP mapping (of a deleted connection) silently: the
 * membership's mappings stay what they were. O(members given): an insert that the primary key
 * decides, then updates of the rows it refused. The caller holds the group's row (updateGroup),
 * so no other write changes its memberships between them.
 */
export async function insertMemberships(
  db: Db,
  groupId: string,
  members: readonly NewMembership[],
  mapping: MembershipScope,
  now: string,
): Promise<MembershipOutcome> {
  const changed: NewMembership[] = [];
  const remapped: NewMembership[] = [];
  const columns = mappingColumns(mapping);
  for (const chunk of chunks(members, 1000)) {
    const inserted = await db
      .insertInto('memberships')
      .values(
        chunk.map((m) => ({
          group_id: groupId,
          member_id: m.memberId,
          member_type: m.memberType,
          created_at: now,
          member_name_lc: m.nameLc ?? '',
          ...columns,
        })),
      )
      .onConflict((oc) => oc.columns(['group_id', 'member_id']).doNothing())
      .returning(['member_id', 'member_type'])
      .execute();
    for (const row of inserted) {
      changed.push({ memberId: row.member_id, memberType: row.member_type });
    }
    if (inserted.length === chunk.length) continue;
    const fresh = new Set(inserted.map((r) => r.member_id));
    const rest = chunk.filter((m) => !fresh.has(m.memberId)).map((m) => m.memberId);
    const update = () =>
      db
        .updateTable('memberships as m')
        .where('m.group_id', '=', groupId)
        .where('m.member_id', 'in', rest);
    const joined =
      mapping.origin === 'LOCAL'
        ? update().set({ local_mapping: 1 }).where('m.local_mapping', '=', 0)
        : update()
            .set({ origin: 'IDP', connection_id: mapping.connectionId })
            .where('m.origin', '=', 'LOCAL');
    for (const row of await joined.returning(memberColumns).execute()) {
      remapped.push({ memberId: row.member_id, memberType: row.member_type });
    }
    if (mapping.origin === 'IDP' && mapping.connectionId !== null) {
      await update()
        .set({ connection_id: mapping.connectionId })
        .where('m.origin', '=', 'IDP')
        .where('m.connection_id', 'is', null)
        .execute();
    }
  }
  return { changed, remapped };
}

/**
 * Takes the group's matching memberships from a mapping: a membership only it holds ends
 * (`changed`), one the other mapping holds too stays with that one (`remapped`). Without a
 * mapping (a local operator removing someone outright) the memberships end whatever holds them.
 */
export async function deleteMemberships(
  db: Db,
  groupId: string,
  where: { ids?: readonly string[]; condition?: MembershipCondition; scope?: MembershipScope },
): Promise<MembershipOutcome> {
  const changed: NewMembership[] = [];
  const remapped: NewMembership[] = [];
  const removal = where.scope ? removalBy(where.scope) : undefined;
  const run = async (ids: readonly string[] | undefined) => {
    let remove = db.deleteFrom('memberships as m').where('m.group_id', '=', groupId);
    if (ids) remove = remove.where('m.member_id', 'in', ids);
    if (where.condition) remove = remove.where(where.condition);
    if (removal) remove = remove.where(removal.ends);
    const ended = await remove.returning(memberColumns).execute();
    for (const row of ended) {
      changed.push({ memberId: row.member_id, memberType: row.member_type });
    }
    // Every one named has ended (the usual one-member removal): none is left to release.
    if (!removal || (ids && !where.condition && ended.length === ids.length)) return;
    let release = db
      .updateTable('memberships as m')
      .set(removal.left)
      .where('m.group_id', '=', groupId)
      .where(removal.keeps);
    if (ids) release = release.where('m.member_id', 'in', ids);
    if (where.condition) release = release.where(where.condition);
    for (const row of await release.returning(memberColumns).execute()) {
      remapped.push({ memberId: row.member_id, memberType: row.member_type });
    }
  };
  if (!where.ids) await run(undefined);
  else {
    // No id holds U+0000 (see memberTypesOf): no such member to remove.
    for (const chunk of chunks(where.ids.filter((id) => !id.includes('\u0000')))) await run(chunk);
  }
  return { changed, remapped };
}

/**
 * The group's members that the mapping holds (all members without one), each with whether it
 * is the mapping's own (false for an orphaned IDP mapping, which a connection holds to remove
 * but has yet to take over).
 */
export async function scopedMembers(
  db: Db,
  groupId: string,
  scope: MembershipScope | undefined,
): Promise<{ id: string; own: boolean }[]> {
  let query = db
    .selectFrom('memberships as m')
    .select(['m.member_id', 'm.origin', 'm.connection_id'])
    .where('m.group_id', '=', groupId);
  if (scope) query = query.where(heldBy(scope));
  return (await query.execute()).map((r) => ({
    id: r.member_id,
    own: scope?.origin !== 'IDP' || r.connection_id !== null,
  }));
}
