import type { Kysely } from 'kysely';

/**
 * The provisioning log loses its index by time: an entry's id (a UUID version 7) carries the
 * time of its `at` (src/provisioning/provisioning-log.ts, toRow), so the primary key's index
 * serves the queries by time (the console's since and until, the prune, the overview's count
 * of the day's failures) in the same order. Every SCIM request writes an entry, Okta's and
 * Entra ID's lookups above all: one index fewer to write for each, a sixth of SQLite's cost of
 * storing an entry (docs/performance.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('provisioning_log_at').execute();
}
