import type { Kysely, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The console and its admin API: passwords, sessions, API keys and setup tokens, and what the
 * console's lists need to stay fast on a large directory: each user's search text and email
 * as indexed columns, each membership's member name (the order of a group's member list).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';

  await db.schema
    .createTable('user_credentials')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('address', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('setup_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();

  // ---- the Users page: search text and email as columns --------------------------------------
  await db.schema.alterTable('users').addColumn('email_lc', 'text').execute();
  await db.schema
    .alterTable('users')
    .addColumn('search_lc', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await backfillUsers(db as unknown as Kysely<BackfillDb>, pg);

  // Every list of the console leaves deprovisioned users out, so its indexes hold only the
  // others. PostgreSQL: partial indexes (its planner orders by a partial index's first column,
  // but not by the second column of an index whose first is tested with IS NULL). SQLite: the
  // same columns with `deprovisioned_at` in the index (its planner passed over a partial index
  // for the unique one on `user_name_lc`, then read every row to test `deprovisioned_at`).
  // The first index covers the default order (userName), every filter and the search, so a
  // page and its total are read from the index alone.
  const listColumns = ['user_name_lc', 'origin', 'active', 'connection_id', 'search_lc', 'id'];
  if (pg) {
    const partial = async (name: string, columns: RawBuilder<unknown>) =>
      sql`CREATE INDEX ${sql.ref(name)} ON users (${columns}) WHERE deprovisioned_at IS NULL`.execute(
        db,
      );
    await partial('users_console', sql.join(listColumns.map((c) => sql.ref(c))));
    // Nulls first, as SQLite orders them: both databases answer a sort the same way.
    await partial('users_console_display_name', sql`display_name_lc NULLS FIRST, id`);
    await partial('users_console_email', sql`email_lc NULLS FIRST, id`);
    await partial('users_console_origin', sql`origin, user_name_lc`);
    await partial('users_console_created_at', sql`created_at, id`);
    await partial('users_console_updated_at', sql`updated_at, id`);
    await trigramIndex(db);
  } else {
    // Leads with deprovisioned_at, so it also serves what users_deprovisioned_at served. It
    // holds displayName and email too: a search sorted by them is read and sorted from it.
    await db.schema.dropIndex('users_deprovisioned_at').execute();
    await db.schema
      .createIndex('users_console')
      .on('users')
      .columns([
        'deprovisioned_at',
        'user_name_lc',
        'origin',
        'active',
        'connection_id',
        'display_name_lc',
        'email_lc',
        'search_lc',
        'id',
      ])
      .execute();
    // The other orders: the sort column first (SCIM filters on it use the same index), then
    // what the console tests in each entry, so that a page is read from the index alone.
    // Without statistics SQLite takes any index that leads with `deprovisioned_at` for the
    // better one, so only users_console does (src/admin/user-list.repository.ts).
    const tested = ['id', 'deprovisioned_at', 'origin', 'active', 'connection_id'];
    await db.schema
      .createIndex('users_console_email')
      .on('users')
      .columns(['email_lc', ...tested])
      .execute();
    for (const column of ['display_name_lc', 'created_at', 'updated_at']) {
      const name = `users_${column}`;
      await db.schema.dropIndex(name).execute();
      await db.schema
        .createIndex(name)
        .on('users')
        .columns([column, ...tested])
        .execute();
    }
  }

  // ---- a group's member list, ordered by name -------------------------------------------------
  await db.schema
    .alterTable('memberships')
    .addColumn('member_name_lc', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await sql`UPDATE memberships SET member_name_lc = COALESCE(
      (SELECT user_name_lc FROM users WHERE users.id = memberships.member_id),
      (SELECT display_name_lc FROM groups WHERE groups.id = memberships.member_id),
      '')`.execute(db);
  await db.schema
    .createIndex('memberships_group_name')
    .on('memberships')
    .columns(['group_id', 'member_name_lc', 'member_id'])
    .execute();
}

/**
 * PostgreSQL: a trigram index on the search text when the database has, or lets us create, the
 * pg_trgm extension (a trusted extension since PostgreSQL 13): a search for a name then reads a
 * few index entries instead of every user. Without it (a managed database that forbids it) the
 * search scans `users_console`, as on SQLite; the queries are the same (`LIKE`) either way.
 * A savepoint keeps a refusal from aborting the migration.
 */
async function trigramIndex(db: Kysely<unknown>): Promise<void> {
  await sql`SAVEPOINT trigram`.execute(db);
  try {
    const found = await sql<{ schema: string }>`SELECT n.nspname AS schema FROM pg_extension e
      JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`.execute(db);
    let schema = found.rows[0]?.schema;
    if (schema === undefined) {
      // In public, not in the current schema: another schema's tables may use it too.
      await sql`CREATE EXTENSION pg_trgm SCHEMA public`.execute(db);
      schema = 'public';
    }
    await sql`CREATE INDEX users_console_search ON users
      USING gin (search_lc ${sql.id(schema)}.gin_trgm_ops) WHERE deprovisioned_at IS NULL`.execute(
      db,
    );
    await sql`RELEASE SAVEPOINT trigram`.execute(db);
  } catch {
    await sql`ROLLBACK TO SAVEPOINT trigram`.execute(db);
  }
}

interface BackfillDb {
  users: { id: string; data: unknown; email_lc: string | null; search_lc: string };
}

/**
 * The search text and email of the users already there. Computed here rather than with the
 * directory's code so this migration means the same whatever that code becomes; the two agree
 * (src/directory/user.repository.ts, `userColumns`).
 */
async function backfillUsers(db: Kysely<BackfillDb>, pg: boolean): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'data'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute();
    if (rows.length === 0) return;
    after = rows.at(-1)!.id;
    const values = rows.map((row) => {
      const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<
        string,
        unknown
      >;
      return { id: row.id, ...consoleColumns(data) };
    });
    if (pg) {
      // One statement per thousand users: a round trip each would take minutes on a large table.
      await sql`UPDATE users SET email_lc = v.email_lc, search_lc = v.search_lc
        FROM (VALUES ${sql.join(values.map((v) => sql`(${v.id}, ${v.email_lc}, ${v.search_lc})`))})
          AS v(id, email_lc, search_lc)
        WHERE users.id = v.id`.execute(db);
    } else {
      for (const v of values) {
        await db
          .updateTable('users')
          .set({ email_lc: v.email_lc, search_lc: v.search_lc })
          .where('id', '=', v.id)
          .execute();
      }
    }
  }
}

const SEARCH_MAX = 512;

function consoleColumns(data: Record<string, unknown>) {
  const emails = (Array.isArray(data.emails) ? data.emails : []) as Record<string, unknown>[];
  const values = emails.map((e) => e.value).filter((v): v is string => typeof v === 'string');
  const primary = emails.find((e) => e.primary === true && typeof e.value === 'string');
  const email = typeof primary?.value === 'string' ? primary.value : values[0];
  const name = (data.name ?? {}) as Record<string, unknown>;
  const parts = [data.userName, data.displayName, name.givenName, name.familyName, ...values];
  return {
    email_lc: email?.toLowerCase() ?? null,
    search_lc: parts
      .filter((p): p is string => typeof p === 'string' && p !== '')
      .join('\n')
      .toLowerCase()
      .slice(0, SEARCH_MAX),
  };
}
