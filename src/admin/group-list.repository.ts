/**
 * The SQL of the console's Groups page and of a group's member list.
 *
 * Members are listed in the order of `memberships.member_name_lc` (the member's userName or
 * displayName, kept by the directory on every rename), through the index (group_id,
 * member_name_lc, member_id): a page of a 50,000-member group reads its 50 index entries and
 * their 50 rows, wherever it is in the list. Deprovisioned users are left out, as the platform's
 * views do, by excluding the (few) deprovisioned ids, which costs no probe per member.
 */
import { sql } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';
import type { Origin } from '../db/tables.ts';
import { contains, searchTerm } from './user-list.repository.ts';
import type { GroupRowWithExtras, MemberRow } from './views.ts';

export type GroupSort = 'displayName' | 'memberCount' | 'createdAt';
export const GROUP_SORTS: readonly GroupSort[] = ['displayName', 'memberCount', 'createdAt'];

export interface GroupListQuery {
  readonly search?: string;
  readonly origin?: Origin;
  readonly connectionId?: string;
  readonly sort: GroupSort;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly offset: number;
}

/** The ids of users hidden from the platform: few, read once per statement. */
function deprovisionedIds(db: Db) {
  return db.selectFrom('users as d').select('d.id').where('d.deprovisioned_at', 'is not', null);
}

/** A group's members as the platform sees them: its memberships less deprovisioned users. */
const MEMBER_COUNT = sql<number>`(SELECT count(*) FROM memberships mc WHERE mc.group_id = g.id
  AND mc.member_id NOT IN (SELECT d.id FROM users d WHERE d.deprovisioned_at IS NOT NULL))`;

export async function pageOfGroups(
  db: Db,
  dialect: Dialect,
  query: GroupListQuery,
): Promise<{ total: number; rows: GroupRowWithExtras[] }> {
  const term = searchTerm(query.search);
  let base = db.selectFrom('groups as g');
  if (query.origin !== undefined) base = base.where('g.origin', '=', query.origin);
  if (query.connectionId !== undefined)
    base = base.where('g.connection_id', '=', query.connectionId);
  if (term !== '') base = base.where(contains(dialect, 'g.display_name_lc', term));
  const { n } = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  let page = base
    .leftJoin('connections as c', 'c.id', 'g.connection_id')
    .selectAll('g')
    .select(['c.name as connection_name'])
    .select(MEMBER_COUNT.as('member_count'));
  const order = query.order;
  if (query.sort === 'memberCount') page = page.orderBy('member_count', order);
  else if (query.sort === 'createdAt') page = page.orderBy('g.created_at', order);
  // displayName is unique: the order is total.
  page = page.orderBy('g.display_name_lc', order);
  const rows = await page.limit(sql.lit(query.limit)).offset(query.offset).execute();
  return { total: Number(n), rows };
}

export async function groupWithExtras(db: Db, id: string): Promise<GroupRowWithExtras | undefined> {
  return db
    .selectFrom('groups as g')
    .leftJoin('connections as c', 'c.id', 'g.connection_id')
    .selectAll('g')
    .select(['c.name as connection_name'])
    .select(MEMBER_COUNT.as('member_count'))
    .where('g.id', '=', id)
    .executeTakeFirst();
}

export interface MemberListQuery {
  /** A substring of the member's name (userName, or a group's displayName). */
  readonly search?: string;
  readonly limit: number;
  readonly offset: number;
}

export async function pageOfMembers(
  db: Db,
  dialect: Dialect,
  groupId: string,
  query: MemberListQuery,
): Promise<{ total: number; rows: MemberRow[] }> {
  const term = searchTerm(query.search);
  let base = db
    .selectFrom('memberships as m')
    .where('m.group_id', '=', groupId)
    .where('m.member_id', 'not in', deprovisionedIds(db));
  if (term !== '') base = base.where(contains(dialect, 'm.member_name_lc', term));
  const ids = (
    await base
      .select('m.member_id')
      .orderBy('m.member_name_lc')
      .orderBy('m.member_id')
      .limit(sql.lit(query.limit))
      .offset(query.offset)
      .execute()
  ).map((r) => r.member_id);
  const total =
    ids.length < query.limit && (ids.length > 0 || query.offset === 0)
      ? query.offset + ids.length
      : Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  if (ids.length === 0) return { total, rows: [] };
  const rows = await db
    .selectFrom('memberships as m')
    .leftJoin('users as u', (join) =>
      join.onRef('u.id', '=', 'm.member_id').on('m.member_type', '=', 'User'),
    )
    .leftJoin('groups as g', (join) =>
      join.onRef('g.id', '=', 'm.member_id').on('m.member_type', '=', 'Group'),
    )
    .leftJoin('connections as c', 'c.id', 'm.connection_id')
    .select([
      'm.member_id',
      'm.member_type',
      'm.origin',
      'm.connection_id',
      'm.local_mapping',
      'c.name as connection_name',
      'u.user_name',
      'u.data as user_data',
      'u.active as user_active',
      'u.origin as user_origin',
      'g.display_name as group_name',
      'g.origin as group_origin',
    ])
    .where('m.group_id', '=', groupId)
    .where('m.member_id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((r) => [r.member_id, r]));
  return {
    total,
    rows: ids.map((id) => byId.get(id)).filter((r) => r !== undefined) as MemberRow[],
  };
}

/** One membership, if the member is in the group (directly). */
export async function findMembership(db: Db, groupId: string, memberId: string) {
  return db
    .selectFrom('memberships as m')
    .leftJoin('connections as c', 'c.id', 'm.connection_id')
    .select([
      'm.origin',
      'm.connection_id',
      'm.local_mapping',
      'm.member_type',
      'c.name as connection_name',
    ])
    .where('m.group_id', '=', groupId)
    .where('m.member_id', '=', memberId)
    .executeTakeFirst();
}
