/**
 * The migrations after 0002 on a database that has data already: the users' search text and
 * email and the memberships' member names are filled in (0003), the feed's membership changes
 * name their member (0004), a LOCAL membership is held by its LOCAL mapping (0006), and the
 * console's lists answer from them.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageOfMembers } from '../src/admin/group-list.repository.ts';
import { pageOfUsers } from '../src/admin/user-list.repository.ts';
import { CurrentSchemaPostgresDialect } from '../src/db/database.ts';
import type { Db, Dialect } from '../src/db/database.ts';
import * as initial from '../src/db/migrations/0001-initial.ts';
import * as provisioning from '../src/db/migrations/0002-provisioning.ts';
import * as consoleTables from '../src/db/migrations/0003-console.ts';
import * as relatedEvents from '../src/db/migrations/0004-related-events.ts';
import * as failuresIndex from '../src/db/migrations/0005-failures-index.ts';
import * as membershipMappings from '../src/db/migrations/0006-membership-mappings.ts';
import { DIALECTS, TEST_DATABASE_URL } from './support/databases.ts';

const ALL = {
  '0001-initial': initial,
  '0002-provisioning': provisioning,
  '0003-console': consoleTables,
  '0004-related-events': relatedEvents,
  '0005-failures-index': failuresIndex,
  '0006-membership-mappings': membershipMappings,
};

function provider(dialect: Dialect): MigrationProvider {
  return {
    getMigrations: async () =>
      Object.fromEntries(
        Object.entries(ALL).map(([name, m]): [string, Migration] => [
          name,
          { up: (db) => m.up(db, dialect) },
        ]),
      ),
  };
}

for (const dialect of DIALECTS) {
  describe(`migrations over existing data (${dialect})`, () => {
    let db: Kysely<unknown>;
    let cleanup: () => Promise<void>;
    /** PostgreSQL: the test's own schema, where the migrator keeps its tables. */
    let schema: string | undefined;

    beforeAll(async () => {
      if (dialect === 'sqlite') {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-migration-'));
        const database = new SqliteDatabase(path.join(dir, 'gatehouse.db'));
        database.pragma('foreign_keys = ON');
        db = new Kysely({ dialect: new SqliteDialect({ database }) });
        cleanup = async () => {
          await db.destroy();
          fs.rmSync(dir, { recursive: true, force: true });
        };
      } else {
        schema = `gh_test_${randomBytes(6).toString('hex')}`;
        const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await admin.connect();
        await admin.query(`CREATE SCHEMA ${schema}`);
        await admin.end();
        db = new Kysely({
          dialect: new CurrentSchemaPostgresDialect({
            pool: new pg.Pool({
              connectionString: TEST_DATABASE_URL,
              max: 2,
              options: `-c search_path=${schema}`,
            }),
          }),
        });
        cleanup = async () => {
          await db.destroy();
          const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
          await client.connect();
          await client.query(`DROP SCHEMA ${schema} CASCADE`);
          await client.end();
        };
      }
    });
    afterAll(() => cleanup());

    it('fills in search text, email and member names, and the lists answer from them', async () => {
      const migrator = new Migrator({
        db,
        provider: provider(dialect),
        migrationTableName: 'schema_migrations',
        migrationLockTableName: 'schema_migrations_lock',
        // Named, as the server does: otherwise the migrator may find the tables of another test
        // file's schema (running at the same time), take them for its own and not make them.
        ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
      });
      const before = await migrator.migrateTo('0002-provisioning');
      expect(before.error).toBeUndefined();

      const now = new Date().toISOString();
      const json = (value: unknown) => JSON.stringify(value);
      const users = [
        {
          id: '00000000-0000-7000-8000-000000000001',
          userName: 'Zoë.Quinn@Example.com',
          data: {
            userName: 'Zoë.Quinn@Example.com',
            displayName: 'Zoë Quinn',
            name: { givenName: 'Zoë', familyName: 'Quinn' },
            emails: [
              { value: 'zq@other.org', type: 'home' },
              { value: 'Zoe.Quinn@Example.com', type: 'work', primary: true },
            ],
          },
        },
        {
          id: '00000000-0000-7000-8000-000000000002',
          userName: 'anon',
          data: { userName: 'anon' },
        },
      ];
      for (const u of users) {
        await sql`INSERT INTO users (id, external_id, origin, connection_id, created_at, updated_at,
          version, data, user_name, user_name_lc, display_name_lc, active)
          VALUES (${u.id}, NULL, 'LOCAL', NULL, ${now}, ${now}, 1, ${json(u.data)},
          ${u.userName}, ${u.userName.toLowerCase()}, NULL, 1)`.execute(db);
      }
      await sql`INSERT INTO groups (id, external_id, origin, connection_id, created_at, updated_at,
        version, data, display_name, display_name_lc)
        VALUES ('00000000-0000-7000-8000-0000000000a1', NULL, 'LOCAL', NULL, ${now}, ${now}, 1,
        ${json({ displayName: 'Team' })}, 'Team', 'team')`.execute(db);
      for (const [member, type, origin, connection] of [
        ['00000000-0000-7000-8000-000000000001', 'User', 'LOCAL', null],
        ['00000000-0000-7000-8000-000000000002', 'User', 'IDP', 'okta-connection'],
      ]) {
        await sql`INSERT INTO memberships (group_id, member_id, member_type, origin, connection_id, created_at)
          VALUES ('00000000-0000-7000-8000-0000000000a1', ${member}, ${type}, ${origin},
          ${connection}, ${now})`.execute(db);
      }

      // Change-feed rows from before 0004: a membership change names its member in its summary.
      for (const [type, resource, summary] of [
        ['user.created', users[0]!.id, { userName: users[0]!.userName }],
        [
          'group.member_added',
          '00000000-0000-7000-8000-0000000000a1',
          { memberId: users[0]!.id, memberType: 'User' },
        ],
      ] as const) {
        await sql`INSERT INTO events (type, resource_type, resource_id, actor, occurred_at, summary)
          VALUES (${type}, ${type.startsWith('user.') ? 'User' : 'Group'}, ${resource}, 'local:cli',
          ${now}, ${json(summary)})`.execute(db);
      }

      const after = await migrator.migrateToLatest();
      expect(after.error).toBeUndefined();

      // 0004 names the member of the membership changes already in the feed.
      const events = await sql<{ type: string; related_id: string | null }>`
        SELECT type, related_id FROM events ORDER BY seq`.execute(db);
      expect(events.rows).toEqual([
        { type: 'user.created', related_id: null },
        { type: 'group.member_added', related_id: users[0]!.id },
      ]);

      const rows = await sql<{ id: string; email_lc: string | null; search_lc: string }>`
        SELECT id, email_lc, search_lc FROM users ORDER BY id`.execute(db);
      expect(rows.rows).toEqual([
        {
          id: users[0]!.id,
          email_lc: 'zoe.quinn@example.com',
          search_lc:
            'zoë.quinn@example.com\nzoë quinn\nzoë\nquinn\nzq@other.org\nzoe.quinn@example.com',
        },
        { id: users[1]!.id, email_lc: null, search_lc: 'anon' },
      ]);
      const page = await pageOfUsers(db as unknown as Db, dialect, {
        search: 'OTHER.org',
        sort: 'email',
        order: 'asc',
        limit: 10,
        offset: 0,
      });
      expect(page.rows.map((r) => r.id)).toEqual([users[0]!.id]);
      const members = await pageOfMembers(
        db as unknown as Db,
        dialect,
        '00000000-0000-7000-8000-0000000000a1',
        { limit: 10, offset: 0 },
      );
      expect(members.rows.map((m) => m.user_name)).toEqual(['anon', 'Zoë.Quinn@Example.com']);
      // 0006: a LOCAL membership is held by the LOCAL mapping; an IDP one by the IdP's alone,
      // and one whose connection is gone loses the connection's id.
      expect(members.rows.map((m) => [m.origin, Number(m.local_mapping), m.connection_id])).toEqual(
        [
          ['IDP', 0, null],
          ['LOCAL', 1, null],
        ],
      );

      if (dialect === 'postgres') {
        // The trigram index, where the database allows the extension (this one does).
        const index = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes
          WHERE indexname = 'users_console_search' AND schemaname = current_schema()`.execute(db);
        expect(index.rows).toHaveLength(1);
      }
    });
  });
}
