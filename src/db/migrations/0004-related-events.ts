import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The change feed names a second resource a change involves: the member of a membership change
 * (the event is about the group; `related_id` is the user or group that joined or left), so a
 * user's history lists the groups they joined and left from one index.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('events').addColumn('related_id', 'text').execute();
  const memberId =
    dialect === 'postgres'
      ? sql`(summary::jsonb ->> 'memberId')`
      : sql`json_extract(summary, '$.memberId')`;
  await sql`UPDATE events SET related_id = ${memberId}
    WHERE type IN ('group.member_added', 'group.member_removed')`.execute(db);
  await db.schema
    .createIndex('events_related')
    .on('events')
    .columns(['related_id', 'seq'])
    .execute();
}
