/**
 * The console's Users page (src/admin/user-list.repository.ts, pageOfUsers): every page of every
 * search, in every order, is the slice of one reference order, whichever way the page is read.
 * A page past the middle is read from the far end in the reverse order. On SQLite a search that
 * matches few users is read whole; one that matches more, sorted by displayName, email or a date,
 * walks the sort column's index, or sorts the matches when the page lies past the middle of few.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOfUsers, searchTerm } from '../src/admin/user-list.repository.ts';
import type { UserSort } from '../src/admin/user-list.repository.ts';
import { listCachesOf } from '../src/directory/listing.ts';
import type { DirectoryContext } from '../src/directory/context.ts';
import { createUser } from '../src/directory/user.service.ts';
import { userColumns } from '../src/directory/user.repository.ts';
import { uuidv7 } from '../src/lib/ids.ts';
import { DIALECTS, openTestDatabase } from './support/databases.ts';
import type { TestDatabase } from './support/databases.ts';

const USERS = 150;
const PAGE = 7;
const COLUMNS: Record<UserSort, [string, string]> = {
  userName: ['user_name_lc', 'id'],
  displayName: ['display_name_lc', 'id'],
  email: ['email_lc', 'id'],
  origin: ['origin', 'user_name_lc'],
  createdAt: ['created_at', 'id'],
  updatedAt: ['updated_at', 'id'],
};
/** Searches matching all, about half, a few and none of the users. */
const SEARCHES = ['corp.test', 'Ab', 'user-1', 'nobody'];
const GIVEN = ['Ann', 'Abel', 'Zoë', 'bob', 'Abigail'];

for (const dialect of DIALECTS) {
  describe(`the console's Users pages (${dialect})`, () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      // Five creation times for 150 users: ties that only the id breaks.
      let tick = 0;
      const context: DirectoryContext = {
        db: database.db,
        dialect,
        actor: { kind: 'local', name: 'test' },
        now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++ % 5)).toISOString(),
      };
      for (let i = 0; i < USERS; i++) {
        const given = GIVEN[i % GIVEN.length]!;
        const data: Record<string, unknown> = { userName: `user-${i}@corp.test` };
        // Every eighth has no displayName (a null sort key); the others tie in fives.
        if (i % 8 !== 0) data.displayName = `${given} ${i % 3 === 0 ? 'Ng' : 'Smith'}`;
        if (i % 4 !== 0) data.emails = [{ value: `${given}.${i % 6}@mail.test`, primary: true }];
        await createUser(context, data);
      }
      // Some IDP users to order by origin, and some deprovisioned ones the page never shows.
      await sql`UPDATE users SET origin = 'IDP' WHERE user_name_lc LIKE 'user-_2%'`.execute(
        database.db,
      );
      await sql`UPDATE users SET deprovisioned_at = ${'2026-02-01T00:00:00.000Z'}
        WHERE user_name_lc LIKE 'user-_9@%'`.execute(database.db);
    });

    afterAll(async () => {
      await database?.drop();
    });

    /** The order every page must follow: ORDER BY on all matches, nulls first going up. */
    const reference = async (search: string, sort: UserSort, order: 'asc' | 'desc') => {
      const [column, tie] = COLUMNS[sort];
      const nulls = order === 'asc' ? sql`NULLS FIRST` : sql`NULLS LAST`;
      const like = `%${searchTerm(search)}%`;
      const { rows } = await sql<{ id: string }>`SELECT id FROM users
        WHERE deprovisioned_at IS NULL AND search_lc LIKE ${like}
        ORDER BY ${sql.ref(column)} ${sql.raw(order)} ${nulls}, ${sql.ref(tie)} ${sql.raw(order)}`.execute(
        database.db,
      );
      return rows.map((r) => r.id);
    };

    for (const sort of Object.keys(COLUMNS) as UserSort[]) {
      it(`pages every search by ${sort}, both ways, as one order`, async () => {
        for (const search of SEARCHES) {
          for (const order of ['asc', 'desc'] as const) {
            const expected = await reference(search, sort, order);
            // Aligned pages to past the end, and pages that straddle them.
            const offsets = new Set<number>();
            for (let offset = 0; offset <= expected.length + PAGE; offset += PAGE) {
              offsets.add(offset);
              offsets.add(offset + 3);
            }
            // Three ways to each page: as a client paging gets it (the total found among the
            // recent ones after the first page), afresh (a search reads few matches whole), and
            // afresh with no search read whole (the count, then the page).
            for (const way of ['paging', 'afresh', 'counted'] as const) {
              for (const offset of offsets) {
                if (way !== 'paging') listCachesOf(database.db).totals.invalidate();
                const page = await pageOfUsers(
                  database.db,
                  dialect,
                  { search, sort, order, limit: PAGE, offset },
                  way === 'counted' ? { fewMatches: 0 } : {},
                );
                const where = `${search} by ${sort} ${order}, offset ${offset}, ${way}`;
                expect(
                  page.rows.map((r) => r.id),
                  where,
                ).toEqual(expected.slice(offset, offset + PAGE));
                expect(page.total, where).toBe(expected.length);
              }
            }
          }
        }
      });
    }

    it('reads a page past the middle from the far end of the order, and turns it around', async () => {
      for (const sort of ['userName', 'displayName', 'email', 'createdAt'] as const) {
        const [column] = COLUMNS[sort];
        const total = (await reference('', sort, 'asc')).length;
        listCachesOf(database.db).totals.invalidate();
        database.queries.length = 0;
        await pageOfUsers(database.db, dialect, {
          sort,
          order: 'asc',
          limit: PAGE,
          offset: total - PAGE - 2,
        });
        const pages = database.queries.filter((q) => q.includes(`order by "${column}"`));
        expect(pages.length, sort).toBeGreaterThan(0);
        for (const text of pages) expect(text, sort).toContain(`order by "${column}" desc`);
      }
    });

    if (dialect === 'sqlite') {
      it('walks the sort column’s index for a page of many matches, from the nearer end', async () => {
        const page = async (offset: number, order: 'asc' | 'desc') => {
          listCachesOf(database.db).totals.invalidate();
          database.queries.length = 0;
          await pageOfUsers(
            database.db,
            dialect,
            { search: 'corp.test', sort: 'displayName', order, limit: PAGE, offset },
            { fewMatches: 0 },
          );
          return database.queries.find((q) => /order by/i.test(q) && !/count\(/i.test(q))!;
        };
        const total = (await reference('corp.test', 'displayName', 'asc')).length;
        const first = await page(0, 'asc');
        const last = await page(total - PAGE, 'asc');
        const lastDown = await page(total - PAGE, 'desc');
        expect(first).toMatch(/order by "display_name_lc" asc, "id" asc/);
        expect(last).toMatch(/order by "display_name_lc" desc, "id" desc/);
        expect(lastDown).toMatch(/order by "display_name_lc" asc, "id" asc/);
        // And SQLite reads the page from that index in order: no sort of the matches.
        for (const text of [first, last]) {
          const plan = (
            await sql
              .raw<{ detail: string }>(`EXPLAIN QUERY PLAN ${text.replace(/\?/g, '1')}`)
              .execute(database.db)
          ).rows.map((r) => r.detail);
          expect(plan.join(' | ')).toMatch(/USING INDEX users_display_name_lc/);
          expect(plan.join(' | ')).not.toMatch(/TEMP B-TREE/);
        }
      });

      it('reads the origin order one origin after the other from users_console, with no sort', async () => {
        for (const search of [undefined, 'corp.test']) {
          listCachesOf(database.db).totals.invalidate();
          // A page across the two origins: the last LOCAL users, then the first IDP ones.
          const like = `%${searchTerm(search ?? '')}%`;
          const local = await sql<{ n: number }>`SELECT count(*) AS n FROM users
            WHERE deprovisioned_at IS NULL AND origin = 'LOCAL' AND search_lc LIKE ${like}`.execute(
            database.db,
          );
          database.queries.length = 0;
          const page = await pageOfUsers(
            database.db,
            dialect,
            {
              ...(search ? { search } : {}),
              sort: 'origin',
              order: 'desc',
              limit: PAGE,
              offset: Number(local.rows[0]!.n) - 3,
            },
            { fewMatches: 0 },
          );
          expect(page.rows.map((r) => r.origin)).toEqual([
            ...Array<string>(3).fill('LOCAL'),
            ...Array<string>(PAGE - 3).fill('IDP'),
          ]);
          const walks = database.queries.filter((q) =>
            /order by "user_name_lc" (asc|desc)/.test(q),
          );
          expect(walks, `${search}`).toHaveLength(2);
          for (const text of walks) {
            const plan = (
              await sql
                .raw<{ detail: string }>(`EXPLAIN QUERY PLAN ${text.replace(/\?/g, "'1'")}`)
                .execute(database.db)
            ).rows
              .map((r) => r.detail)
              .join(' | ');
            expect(plan).toMatch(/COVERING INDEX users_console/);
            expect(plan).not.toMatch(/TEMP B-TREE/);
          }
        }
      });
    }
  });

  describe(`a search of many users (${dialect})`, () => {
    let database: TestDatabase;
    /** More matches than a search reads whole (FEW_MATCHES in src/admin/user-list.repository.ts). */
    const MANY = 1100;

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      const now = new Date().toISOString();
      const rows = Array.from({ length: MANY + 40 }, (_, i) => {
        const data = {
          userName: `${i < MANY ? 'many' : 'few'}-${String((i * 7919) % 10_000).padStart(4, '0')}-${i}@corp.test`,
        };
        return Object.assign(
          { id: uuidv7(), origin: 'LOCAL' as const, connection_id: null },
          { deprovisioned_at: null, created_at: now, updated_at: now, version: 1 },
          userColumns(data),
        );
      });
      for (let i = 0; i < rows.length; i += 200) {
        await database.db
          .insertInto('users')
          .values(rows.slice(i, i + 200))
          .execute();
      }
    });

    afterAll(async () => {
      await database?.drop();
    });

    const ids = async (search: string, order: 'asc' | 'desc') =>
      (
        await sql<{ id: string }>`SELECT id FROM users WHERE search_lc LIKE ${`%${search}%`}
          ORDER BY user_name_lc ${sql.raw(order)}`.execute(database.db)
      ).rows.map((r) => r.id);

    it('pages a search in the userName order whether it matches few users or many', async () => {
      for (const search of ['many-', 'few-', 'many-00']) {
        for (const order of ['asc', 'desc'] as const) {
          const expected = await ids(search, order);
          for (const offset of [0, 50, 500, expected.length - 60, expected.length - 10]) {
            if (offset < 0) continue;
            listCachesOf(database.db).totals.invalidate();
            database.queries.length = 0;
            const page = await pageOfUsers(database.db, dialect, {
              search,
              sort: 'userName',
              order,
              limit: 50,
              offset,
            });
            const where = `${search} ${order} at ${offset}`;
            expect(
              page.rows.map((r) => r.id),
              where,
            ).toEqual(expected.slice(offset, offset + 50));
            expect(page.total, where).toBe(expected.length);
            if (dialect === 'sqlite') {
              // Few matches: read whole, in one statement, total included; many: counted.
              const counted = database.queries.some((q) =>
                /count\(\*\) as "n" from "users"/.test(q),
              );
              expect(counted, where).toBe(expected.length > 1000);
            }
          }
        }
      }
    });
  });
}
