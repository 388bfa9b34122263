import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * The provisioning log's index for its failures (the console's "failed only" filter): a partial
 * index of the failed requests (id, time, status) instead of an index of every entry by status.
 * Nearly every entry is a success (Okta's and Entra ID's lookups), which now costs no entry in
 * it: one index fewer to write for each SCIM request; and the failures, newest first, and the
 * overview's count of the last day's are read from an index that holds only them. Queries test
 * `status >= 400` with the literal 400 (FAILED in src/provisioning/provisioning-log.ts): with a
 * bound parameter neither database could tell that the index applies.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('provisioning_log_status').execute();
  await db.schema
    .createIndex('provisioning_log_failed')
    .on('provisioning_log')
    .columns(['id', 'at', 'status'])
    .where(sql.ref('status'), '>=', sql.lit(400))
    .execute();
}
