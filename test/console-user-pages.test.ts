/**
 * The console's Users page (src/admin/user-list.repository.ts, pageOfUsers): every page of every
 * search, in every order, is the slice of one reference order, whichever way the page is read.
 * On SQLite a search sorted by displayName, email or a date walks the sort column's index from
 * the nearer end of the order, or sorts the matches when the page lies past the middle of few.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOfUsers, searchTerm } from '../src/admin/user-list.repository.ts';
import type { UserSort } from '../src/admin/user-list.repository.ts';
import { listCachesOf } from '../src/directory/listing.ts';
import type { DirectoryContext } from '../src/directory/context.ts';
import { createUser } from '../src/directory/user.service.ts';
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
            for (const offset of offsets) {
              const page = await pageOfUsers(database.db, dialect, {
                search,
                sort,
                order,
                limit: PAGE,
                offset,
              });
              const where = `${search} by ${sort} ${order}, offset ${offset}`;
              expect(
                page.rows.map((r) => r.id),
                where,
              ).toEqual(expected.slice(offset, offset + PAGE));
              expect(page.total, where).toBe(expected.length);
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
          await pageOfUsers(database.db, dialect, {
            search: 'corp.test',
            sort: 'displayName',
            order,
            limit: PAGE,
            offset,
          });
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
          const page = await pageOfUsers(database.db, dialect, {
            ...(search ? { search } : {}),
            sort: 'origin',
            order: 'desc',
            limit: PAGE,
            offset: Number(local.rows[0]!.n) - 3,
          });
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
}
