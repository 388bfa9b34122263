import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../database.ts';

/** The directory, SCIM connections and the change feed. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lc', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();

  await db.schema
    .createTable('connection_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema
    .createIndex('connection_tokens_connection')
    .on('connection_tokens')
    .column('connection_id')
    .execute();

  for (const table of ['users', 'groups'] as const) {
    let builder = db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('external_id', 'text')
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('connection_id', 'text', (c) =>
        c.references('connections.id').onDelete('set null'),
      )
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('data', json, (c) => c.notNull());
    if (table === 'users') {
      builder = builder
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('user_name_lc', 'text', (c) => c.notNull().unique())
        .addColumn('display_name_lc', 'text')
        .addColumn('active', 'integer', (c) => c.notNull());
    } else {
      builder = builder
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('display_name_lc', 'text', (c) => c.notNull().unique());
    }
    await builder.execute();
    for (const column of ['external_id', 'created_at', 'updated_at', 'connection_id']) {
      await db.schema.createIndex(`${table}_${column}`).on(table).columns([column, 'id']).execute();
    }
  }
  await db.schema
    .createIndex('users_display_name_lc')
    .on('users')
    .columns(['display_name_lc', 'id'])
    .execute();
  await db.schema.createIndex('users_active').on('users').columns(['active', 'id']).execute();

  await db.schema
    .createTable('user_emails')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('value_lc', 'text', (c) => c.notNull())
    .addColumn('type', 'text')
    .addColumn('is_primary', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('user_emails_value')
    .on('user_emails')
    .columns(['value_lc', 'user_id'])
    .execute();
  await db.schema.createIndex('user_emails_user').on('user_emails').column('user_id').execute();

  await db.schema
    .createTable('memberships')
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('member_type', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['group_id', 'member_id'])
    .execute();
  await db.schema
    .createIndex('memberships_member')
    .on('memberships')
    .columns(['member_id', 'group_id'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('events_resource')
    .on('events')
    .columns(['resource_id', 'seq'])
    .execute();
}
