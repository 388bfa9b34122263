import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * A membership may be held by two mappings at once: the identity provider's (`origin` IDP, its
 * connection in `connection_id`) and a LOCAL one made in the console or the CLI
 * (`local_mapping` = 1). Before, a membership had one origin, so an IdP's add of someone an
 * admin had already added recorded nothing, and the admin's later removal took the person out
 * of a group the IdP still lists. The row stays one per (group, member), so member counts,
 * member lists and `User.groups` read what they read before; `origin` is IDP while the IdP maps
 * the membership and LOCAL when only the LOCAL mapping holds it (then `local_mapping` is 1).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('memberships')
    .addColumn('local_mapping', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`UPDATE memberships SET local_mapping = 1 WHERE origin = 'LOCAL'`.execute(db);
  // The mappings of deleted connections lose the id, as their users and groups did (the
  // connection that links the group next manages them): connection.service.ts, deleteConnection.
  await sql`UPDATE memberships SET connection_id = NULL WHERE connection_id IS NOT NULL
    AND connection_id NOT IN (SELECT id FROM connections)`.execute(db);
}
