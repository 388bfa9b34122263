/**
 * The SQL of the console's Users page: search, filters, sorting and paging over the users the
 * platform lists (never the deprovisioned ones), fast on a directory of 100,000 and more.
 *
 * A page is read in two steps. The ids of the page come from one index (migration 0003:
 * `users_console` holds userName, origin, active, connection, the search text and the id, so
 * the default order, every filter and a search are answered from it without reading a row;
 * each other order has an index of its own); then only those rows are read, with their
 * connection's name, their role and their number of groups. The search is a substring of
 * `search_lc` (userName, names and emails, lower-cased): on SQLite a scan of that index, not of
 * the users' JSON; on PostgreSQL a trigram index when the database has pg_trgm.
 *
 * Whatever the order, a page past the middle of the list is read from its far end, in the
 * reverse order, so that the last page costs what the first does. On SQLite, which keeps no
 * statistics, the way each page is read is chosen here (pageOfUsers): a search matching few
 * users is read whole in one scan; one matching more, in another order than userName, walks
 * the sort column's index; the origin order reads one origin after the other.
 */
import { sql } from 'kysely';
import type { SelectQueryBuilder } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';
import type { Database, Origin } from '../db/tables.ts';
import { listCachesOf } from '../directory/listing.ts';
import type { UserRowWithExtras } from './views.ts';

export type UserSort = 'userName' | 'displayName' | 'email' | 'origin' | 'createdAt' | 'updatedAt';
export const USER_SORTS: readonly UserSort[] = [
  'userName',
  'displayName',
  'email',
  'origin',
  'createdAt',
  'updatedAt',
];

const SORT_COLUMNS = {
  userName: 'user_name_lc',
  displayName: 'display_name_lc',
  email: 'email_lc',
  origin: 'origin',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const;

export interface UserListQuery {
  readonly search?: string;
  readonly origin?: Origin;
  readonly active?: boolean;
  readonly connectionId?: string;
  readonly sort: UserSort;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly offset: number;
}

/** A search term as the search text holds it: lower-cased, on one line. Empty: no search. */
export function searchTerm(search: string | undefined): string {
  return (search ?? '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * `column` contains `term`. PostgreSQL: `LIKE` (its default escape is the backslash), which a
 * trigram index answers when there is one (migration 0003). SQLite: `instr`, with no
 * wildcard to escape.
 */
export function contains(dialect: Dialect, column: string, term: string) {
  return dialect === 'postgres'
    ? sql<boolean>`${sql.ref(column)} LIKE ${`%${term.replace(/[\\%_]/g, '\\$&')}%`}`
    : sql<boolean>`instr(${sql.ref(column)}, ${term}) > 0`;
}

export async function pageOfUsers(
  db: Db,
  dialect: Dialect,
  query: UserListQuery,
  /** How many matches of a search are read whole on SQLite (see below; 0: none); tests set it. */
  { fewMatches = FEW_MATCHES }: { readonly fewMatches?: number } = {},
): Promise<{ total: number; rows: UserRowWithExtras[] }> {
  const term = searchTerm(query.search);
  let filtered = db.selectFrom('users');
  if (query.origin !== undefined) filtered = filtered.where('origin', '=', query.origin);
  if (query.active !== undefined) filtered = filtered.where('active', '=', query.active ? 1 : 0);
  if (query.connectionId !== undefined) {
    filtered = filtered.where('connection_id', '=', query.connectionId);
  }
  if (term !== '') filtered = filtered.where(contains(dialect, 'search_lc', term));
  const base = filtered.where('deprovisioned_at', 'is', null);

  const column = SORT_COLUMNS[query.sort];
  const searching = term !== '';
  const sqlite = dialect === 'sqlite';

  // A total counted moments ago for the same search and filters (paging through one search
  // counts once a second at most); forgotten on any write through this process.
  const totals = listCachesOf(db).totals;
  const signature = JSON.stringify([
    'console-users',
    term,
    query.origin ?? null,
    query.active ?? null,
    query.connectionId ?? null,
  ]);
  const count = async () => {
    const recent = totals.find(signature);
    if (recent !== undefined) return recent;
    const { n } = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    totals.remember(signature, Number(n));
    return Number(n);
  };
  /** How many of the users listed are of each origin (ORIGINS' order), from one scan. */
  const countByOrigin = async (): Promise<number[]> => {
    const keys = ORIGINS.map((origin) => `${signature}:${origin}`);
    const recent = keys.map((key) => totals.find(key));
    if (recent.every((n) => n !== undefined)) return recent;
    const rows = await base
      .select((eb) => ['origin', eb.fn.countAll().as('n')])
      .groupBy('origin')
      .execute();
    const counts = ORIGINS.map((origin) => Number(rows.find((r) => r.origin === origin)?.n ?? 0));
    keys.forEach((key, i) => totals.remember(key, counts[i]!));
    return counts;
  };

  // The origin order on SQLite counts each origin (it reads them one after the other).
  const countAll = async () =>
    sqlite && column === 'origin'
      ? (await countByOrigin()).reduce((sum, n) => sum + n, 0)
      : count();

  // The page size is written into the SQL, as in src/directory/listing.ts (SQLite plans a bound
  // LIMIT for any value).
  const idsOf = async (
    page: SelectQueryBuilder<Database, 'users', { id: string }>,
    limit: number,
    offset: number,
  ) => (await page.limit(sql.lit(limit)).offset(offset).execute()).map((r) => r.id);

  /**
   * The ids of a page in one order. Each way of reading reads forward from the start of the
   * order given, so its cost grows with `offset`; see below for pages past the middle.
   */
  const readIds = async (
    order: 'asc' | 'desc',
    limit: number,
    offset: number,
    total: number | undefined,
  ): Promise<string[]> => {
    if (column === 'user_name_lc') {
      // userName is unique: the order is total, so pages never overlap or skip.
      return idsOf(base.select('id').orderBy('user_name_lc', order), limit, offset);
    }
    if (sqlite && column === 'origin') {
      // The origin order (SQLite), which no index holds: the users of one origin, then of the
      // other, each read in userName order from users_console (which holds origin, the filters
      // and the search text), after one count of each origin. Sorting every user by origin
      // took 35-40 ms (p50) at 100,000 users.
      const counts = await countByOrigin();
      const ids: string[] = [];
      let skip = offset;
      const sequence = order === 'asc' ? [...ORIGINS.keys()] : [...ORIGINS.keys()].reverse();
      for (const i of sequence) {
        const wanted = limit - ids.length;
        if (wanted === 0) break;
        if (skip >= counts[i]!) {
          skip -= counts[i]!;
          continue;
        }
        const page = base
          .where('origin', '=', ORIGINS[i]!)
          .select('id')
          .orderBy('user_name_lc', order);
        ids.push(...(await idsOf(page, wanted, skip)));
        skip = 0;
      }
      return ids;
    }
    if (sqlite && searching) {
      // A search in another order (SQLite). Reading the matches from the search's index and
      // sorting them all costs a sort of every match (60 to 80 ms for 100,000); walking the
      // sort column's index, testing each entry's search text, stops at the page, but reads
      // the text from the row: it costs more than the sort when the page lies past the middle
      // of few matches (`total` is known here). Measured at 100,000 users on this project's
      // bench machine: a search matching all, sorted by displayName, page at random, 15 ms
      // walking against 60 ms sorting; one matching 100, first page, 17 against 22 ms.
      if ((offset + limit) * 2 > total!) {
        return idsOf(sortedMatches(base, column, order), limit, offset);
      }
      const walk = filtered.where(sql<boolean>`+deprovisioned_at IS NULL`).select('id');
      return idsOf(walk.orderBy(sql.ref(column), order).orderBy('id', order), limit, offset);
    }
    // PostgreSQL in every other order, and SQLite without a search: the page is read in order
    // from the sort column's index. SQLite, which has no statistics, is told to: the + keeps
    // the deprovisioned_at test from choosing users_console, which leads with it.
    let page = (sqlite ? filtered.where(sql<boolean>`+deprovisioned_at IS NULL`) : base).select(
      'id',
    );
    // SQLite puts nulls first in ascending order; PostgreSQL is asked to do the same (its
    // indexes for these columns are made NULLS FIRST), so both answer alike.
    page =
      dialect === 'postgres' && (column === 'display_name_lc' || column === 'email_lc')
        ? page.orderBy(sql.ref(column), (ob) =>
            order === 'asc' ? ob.asc().nullsFirst() : ob.desc().nullsLast(),
          )
        : page.orderBy(sql.ref(column), order);
    page = page.orderBy(sql.ref(tieOf(column)), order);
    return idsOf(page, limit, offset);
  };

  const finish = async (ids: readonly string[], total: number) => {
    const rows = await usersWithExtras(db, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return { total, rows: ids.map((id) => byId.get(id)).filter((r) => r !== undefined) };
  };

  // SQLite, a search with no recent total: the first fewMatches + 1 matches in userName order
  // are read from users_console first. A search that matches few users (a person's name) is
  // answered from them, total included: in one scan of the index instead of two (the count and
  // the page), the page in another order read from those ids alone. One that matches more
  // stops reading there, having cost little, and goes on below.
  if (sqlite && searching && fewMatches > 0 && totals.find(signature) === undefined) {
    const byName = column === 'user_name_lc' ? query.order : 'asc';
    const found = await idsOf(base.select('id').orderBy('user_name_lc', byName), fewMatches + 1, 0);
    if (found.length <= fewMatches) {
      totals.remember(signature, found.length);
      if (column === 'user_name_lc' || found.length === 0) {
        return finish(found.slice(query.offset, query.offset + query.limit), found.length);
      }
      const page = db
        .selectFrom('users')
        .select('id')
        .where('id', 'in', found)
        .orderBy(sql.ref(column), query.order)
        .orderBy(sql.ref(tieOf(column)), query.order);
      return finish(await idsOf(page, query.limit, query.offset), found.length);
    }
  }

  // Any page but the first needs the total when it is full; it is counted first (or found
  // among the recent totals), so that a page past the middle of the list is read from its far
  // end, in the reverse order, and turned around: the last page costs what the first does
  // (PostgreSQL sorted all 100,000 users for a page near the end, 80-130 ms, spilling to disk
  // under the default work_mem). A search sorted on SQLite by another column than userName or
  // origin counts first on every page, since its way of reading depends on the total. A total
  // up to a second old (RecentTotals: another process's writes) shifts a page read from the
  // far end by as many users as were written meanwhile, as it shifts the total.
  const countFirst =
    query.offset > 0 || (sqlite && searching && column !== 'user_name_lc' && column !== 'origin');
  let total = countFirst ? await countAll() : undefined;
  let ids: string[];
  if (total === undefined) ids = await readIds(query.order, query.limit, query.offset, total);
  else {
    const ahead = query.offset + query.limit;
    const behind = total - query.offset;
    if (behind <= 0) ids = [];
    else if (behind < ahead) {
      const reverse = query.order === 'asc' ? 'desc' : 'asc';
      ids = (
        await readIds(reverse, Math.min(query.limit, behind), Math.max(0, total - ahead), total)
      ).reverse();
    } else ids = await readIds(query.order, query.limit, query.offset, total);
  }

  // The first page: a page that is not full holds the whole list.
  total ??= ids.length < query.limit ? ids.length : await countAll();
  return finish(ids, total);
}

/** Matches of a search few enough to be read whole (see pageOfUsers). */
const FEW_MATCHES = 1000;

/** Every origin, in the order SQLite sorts them (binary). */
const ORIGINS: readonly Origin[] = ['IDP', 'LOCAL'];

/**
 * Ties: by userName in the origin order (a list of IDP users, then LOCAL ones, by name); by id
 * (creation) in the others, which their indexes hold.
 */
function tieOf(column: string): string {
  return column === 'origin' ? 'user_name_lc' : 'id';
}

/**
 * SQLite: the ids of the matches of a search, read from the search's index (users_console) and
 * then sorted. A unary + makes an ORDER BY term an expression no index provides, so SQLite does
 * not walk the sort column's index instead.
 */
function sortedMatches(
  base: SelectQueryBuilder<Database, 'users', object>,
  column: string,
  order: 'asc' | 'desc',
) {
  return base
    .select('id')
    .orderBy(sql`+${sql.ref(column)}`, order)
    .orderBy(sql`+${sql.ref(tieOf(column))}`, order);
}

/** Users by id with their connection's name, their role and their number of (direct) groups. */
export async function usersWithExtras(
  db: Db,
  ids: readonly string[],
): Promise<UserRowWithExtras[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('users as u')
    .leftJoin('connections as c', 'c.id', 'u.connection_id')
    .leftJoin('user_roles as r', 'r.user_id', 'u.id')
    .selectAll('u')
    .select(['c.name as connection_name', 'r.role'])
    .select(
      sql<number>`(SELECT count(*) FROM memberships m WHERE m.member_id = u.id)`.as('group_count'),
    )
    .where('u.id', 'in', ids)
    .execute();
}
