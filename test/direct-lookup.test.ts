/**
 * The direct lookup (src/directory/listing.ts, directLookup): `userName eq`, `externalId eq`,
 * `id eq` and a group's `displayName eq` skip the query builder (on PostgreSQL as named
 * prepared statements). Its answers
 * must be those of the general compilation, which the same filter with a URN-qualified
 * attribute still takes, on every database; and it must never read what an open transaction
 * has not committed.
 */
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { sqliteWriterOf } from '../src/db/sqlite-writer.ts';
import type { DirectoryContext } from '../src/directory/context.ts';
import { createGroup, listGroups } from '../src/directory/group.service.ts';
import type { ListQuery } from '../src/directory/listing.ts';
import { createUser, listUsers } from '../src/directory/user.service.ts';
import { insertUser, userColumns } from '../src/directory/user.repository.ts';
import { createConnection } from '../src/provisioning/connection.service.ts';
import { parseFilter } from '../src/scim/filter.ts';
import { SCHEMA } from '../src/scim/schema.ts';
import { DIALECTS, openTestDatabase } from './support/databases.ts';
import type { TestDatabase } from './support/databases.ts';

const USER_NAMES = ['bjensen', 'Ærøskøbing', 'ÉMILE.zola', 'ΟΔΟΣ', 'back\\slash', 'quote"d'];
/** externalIds, one of them shared by three users (externalId is not unique). */
const EXTERNAL_IDS = ['EXT-1', 'ext-1', 'shared', 'shared', 'shared', '12345'];
const GROUP_NAMES = ['Engineering', 'ÉQUIPE', 'sales & ops'];

/** The same filter through the general compilation: a URN-qualified attribute. */
const qualified = (resource: 'User' | 'Group', attribute: string, value: string) =>
  `${resource === 'User' ? SCHEMA.user : SCHEMA.group}:${attribute} eq ${JSON.stringify(value)}`;
const bare = (attribute: string, value: string) => `${attribute} eq ${JSON.stringify(value)}`;

/** Changes the case of the letters `flips` selects. */
function recase(text: string, flips: readonly boolean[]): string {
  return [...text]
    .map((ch, i) =>
      flips[i % Math.max(1, flips.length)]
        ? ch === ch.toLowerCase()
          ? ch.toUpperCase()
          : ch.toLowerCase()
        : ch,
    )
    .join('');
}

for (const dialect of DIALECTS) {
  describe(`lookups by eq (${dialect})`, () => {
    let database: TestDatabase;
    let context: DirectoryContext;
    const userIds: string[] = [];
    const groupIds: string[] = [];

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      context = { db: database.db, dialect, actor: { kind: 'local', name: 'test' } };
      for (const [i, userName] of USER_NAMES.entries()) {
        const user = await createUser(context, { userName, externalId: EXTERNAL_IDS[i] });
        userIds.push(user.id);
      }
      // A user the identity provider created inactive: deprovisioned, hidden from the
      // platform's lists, still found by SCIM.
      const { connection } = await createConnection(database.db, 'okta', 'test');
      const idp: DirectoryContext = {
        ...context,
        actor: { kind: 'connection', connectionId: connection.id, name: 'okta' },
      };
      userIds.push(
        (await createUser(idp, { userName: 'gone', externalId: 'shared', active: false })).id,
      );
      for (const displayName of GROUP_NAMES) {
        const group = await createGroup(context, { displayName, externalId: 'shared' }, []);
        groupIds.push(group.id);
      }
    });
    afterAll(() => database.drop());

    const usersBoth = async (attribute: string, value: string, query: Partial<ListQuery>) => {
      const page = (filter: string) =>
        listUsers(context, { offset: 0, limit: 100, ...query, filter: parseFilter(filter) });
      const [direct, general] = [
        await page(bare(attribute, value)),
        await page(qualified('User', attribute, value)),
      ];
      return { direct, general };
    };
    const summary = (page: { total: number; items: { id: string }[] }) => ({
      total: page.total,
      ids: page.items.map((i) => i.id),
    });

    it('agrees with the general compilation on userName, externalId and id, in any case', async () => {
      const values = [
        ...USER_NAMES,
        ...EXTERNAL_IDS,
        'gone',
        'nobody',
        userIds[0]!,
        userIds[0]!.toUpperCase(),
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('userName', 'externalId', 'id', 'USERNAME', 'externalid'),
          fc.constantFrom(...values),
          fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
          fc.constantFrom(0, 1, 2, 3, 100),
          fc.boolean(),
          async (attribute, value, flips, limit, hideDeprovisioned) => {
            const { direct, general } = await usersBoth(attribute, recase(value, flips), {
              limit,
              hideDeprovisioned,
            });
            expect(summary(direct)).toEqual(summary(general));
            expect(direct.items.map((u) => u.inGroups)).toEqual(
              general.items.map((u) => u.inGroups),
            );
          },
        ),
        { numRuns: 120 },
      );
    });

    it('counts the matches beyond a full page (externalId is not unique)', async () => {
      const { direct, general } = await usersBoth('externalId', 'shared', { limit: 2 });
      expect(direct.total).toBe(4);
      expect(direct.items).toHaveLength(2);
      expect(summary(direct)).toEqual(summary(general));
      const hidden = await usersBoth('externalId', 'shared', {
        limit: 2,
        hideDeprovisioned: true,
      });
      expect(hidden.direct.total).toBe(3);
      expect(summary(hidden.direct)).toEqual(summary(hidden.general));
    });

    it('reads the same user as the general path, to the last column', async () => {
      const { direct, general } = await usersBoth('userName', 'ÆRØSKØBING', {});
      expect(direct.items).toHaveLength(1);
      expect(direct.items).toEqual(general.items);
    });

    it("agrees on a group's displayName, externalId and id", async () => {
      for (const [attribute, value] of [
        ['displayName', 'équipe'],
        ['displayName', 'SALES & OPS'],
        ['displayName', 'nothing'],
        ['externalId', 'shared'],
        ['externalId', 'SHARED'],
        ['id', groupIds[1]!],
      ] as const) {
        for (const limit of [1, 100]) {
          const page = (filter: string) =>
            listGroups(context, { offset: 0, limit, filter: parseFilter(filter) });
          const direct = await page(bare(attribute, value));
          const general = await page(qualified('Group', attribute, value));
          expect(summary(direct)).toEqual(summary(general));
          expect(direct.items).toEqual(general.items);
        }
      }
    });

    it('skips the query builder', async () => {
      database.queries.length = 0;
      await listUsers(context, {
        offset: 0,
        limit: 100,
        filter: parseFilter('userName eq "BJensen"'),
      });
      expect(database.queries).toHaveLength(1);
      const placeholder = dialect === 'sqlite' ? '\\?' : '\\$1';
      expect(database.queries[0]).toMatch(
        new RegExp(
          `from "users" where "users"\\."user_name_lc" = ${placeholder} order by "id" asc limit 100$`,
        ),
      );
    });

    if (dialect === 'sqlite') {
      it('never reads what an open transaction has not committed', async () => {
        const writer = sqliteWriterOf(database.db as unknown as Kysely<never>);
        let lookupDuring: Promise<number> | undefined;
        const lookup = async () =>
          (
            await listUsers(context, {
              offset: 0,
              limit: 100,
              filter: parseFilter('userName eq "uncommitted"'),
            })
          ).total;
        const failed = writer.run(async (trx) => {
          const now = new Date().toISOString();
          await insertUser(trx as never, {
            id: 'uncommitted-user',
            ...userColumns({ userName: 'uncommitted' }),
            origin: 'LOCAL',
            connection_id: null,
            created_at: now,
            updated_at: now,
            version: 1,
            deprovisioned_at: null,
          });
          // The transaction is open, its row written: a lookup now must wait for the end.
          lookupDuring = lookup();
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw new Error('rolled back');
        });
        await expect(failed).rejects.toThrow('rolled back');
        expect(await lookupDuring).toBe(0);
        expect(await lookup()).toBe(0);
      });

      it('shares a read transaction between lookups, never past a write of this process', async () => {
        const count = async (userName: string) =>
          (
            await listUsers(context, {
              offset: 0,
              limit: 100,
              filter: parseFilter(bare('userName', userName)),
            })
          ).total;
        // Lookups back to back, the first opening the shared transaction: a write between two
        // of them is seen by the next at once.
        for (let i = 0; i < 20; i++) {
          const userName = `shared-read-${i}`;
          expect(await count(userName)).toBe(0);
          await createUser(context, { userName });
          expect(await count(userName)).toBe(1);
        }

        // Another process's connection to the file (the CLI beside the server).
        const other = await openDatabase({
          dataDir: path.dirname(database.description),
          databaseUrl: undefined,
        });
        try {
          const cli: DirectoryContext = { db: other.db, dialect, actor: context.actor };
          expect(await count('from-the-cli')).toBe(0); // opens a shared transaction
          // It neither blocks the other's write nor, after a few milliseconds, its checkpoint;
          // and the write is seen within them.
          await createUser(cli, { userName: 'from-the-cli' });
          await new Promise((resolve) => setTimeout(resolve, 10));
          const checkpoint = new SqliteDatabase(database.description);
          try {
            expect(checkpoint.pragma('wal_checkpoint(TRUNCATE)')).toEqual([
              { busy: 0, log: 0, checkpointed: 0 },
            ]);
          } finally {
            checkpoint.close();
          }
          expect(await count('from-the-cli')).toBe(1);
        } finally {
          await other.close();
        }
      });

      it('closes with a shared read transaction open', async () => {
        const own = await openTestDatabase('sqlite');
        const ownContext: DirectoryContext = { db: own.db, dialect, actor: context.actor };
        await listUsers(ownContext, {
          offset: 0,
          limit: 1,
          filter: parseFilter(bare('userName', 'nobody')),
        });
        await own.drop();
        // Past the shared transaction's timer: it found nothing to end on a closed connection.
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
    }
  });
}
