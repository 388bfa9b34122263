import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The provisioning rules and the provisioning log: per-connection settings (dialect,
 * deprovisioning policy and retention, linking of local users, rate limit), deprovisioned
 * users kept for their retention window, console roles, and the log of every SCIM request.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const real = dialect === 'postgres' ? sql`double precision` : sql`real`;

  await db.schema
    .alterTable('connections')
    .addColumn('dialect', 'text', (c) => c.notNull().defaultTo('auto'))
    .execute();
  await db.schema
    .alterTable('connections')
    .addColumn('deprovision_policy', 'text', (c) => c.notNull().defaultTo('delete'))
    .execute();
  await db.schema
    .alterTable('connections')
    .addColumn('retention_days', 'integer', (c) => c.notNull().defaultTo(30))
    .execute();
  await db.schema
    .alterTable('connections')
    .addColumn('link_local_users', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // Requests per second; null: the server's default (GATEHOUSE_SCIM_RATE_LIMIT).
  await db.schema.alterTable('connections').addColumn('rate_limit', 'integer').execute();

  // Set when the identity provider deactivated the user under the policy `delete`: the user has
  // left the platform, and is purged when its connection's retention window has passed.
  await db.schema.alterTable('users').addColumn('deprovisioned_at', 'text').execute();
  await db.schema
    .createIndex('users_deprovisioned_at')
    .on('users')
    .columns(['deprovisioned_at', 'id'])
    .execute();

  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('provisioning_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text')
    .addColumn('connection_name', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('query', 'text')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('scim_type', 'text')
    .addColumn('duration_ms', real, (c) => c.notNull())
    .addColumn('resource_type', 'text')
    .addColumn('resource_ids', 'text', (c) => c.notNull())
    .addColumn('request_body', 'text')
    .addColumn('error_detail', 'text')
    .addColumn('dialect', 'text')
    .addColumn('normalizations', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('provisioning_log_at').on('provisioning_log').column('at').execute();
  await db.schema
    .createIndex('provisioning_log_connection')
    .on('provisioning_log')
    .columns(['connection_id', 'id'])
    .execute();
  await db.schema
    .createIndex('provisioning_log_status')
    .on('provisioning_log')
    .columns(['status', 'id'])
    .execute();
}
