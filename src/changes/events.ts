/**
 * The change feed: one row per change, appended in the same transaction as the change itself,
 * so a consumer following `seq` never sees a change that was rolled back nor misses one that
 * was committed.
 */
import { sql } from 'kysely';
import { dialectOf, insertRows, sqliteTransactionOf } from '../db/database.ts';
import type { Db } from '../db/database.ts';
import type { EventRow } from '../db/tables.ts';

/** The advisory lock that orders the feed on PostgreSQL ("gate" in ASCII). */
const EVENTS_LOCK = 0x67617465;

export type EventType =
  | 'user.created'
  | 'user.updated'
  | 'user.deleted'
  | 'user.deprovisioned'
  | 'user.restored'
  | 'user.linked'
  | 'user.role_granted'
  | 'user.role_revoked'
  | 'user.password_changed'
  | 'group.created'
  | 'group.updated'
  | 'group.deleted'
  | 'group.linked'
  | 'group.member_added'
  | 'group.member_removed'
  | 'group.membership_updated'
  | 'connection.created'
  | 'connection.updated'
  | 'connection.deleted'
  | 'connection.token_rotated'
  | 'connection.token_revoked'
  | 'api_key.created'
  | 'api_key.revoked';

export interface ChangeEvent {
  readonly type: EventType;
  readonly resourceType: 'User' | 'Group' | 'Connection' | 'ApiKey';
  readonly resourceId: string;
  readonly actor: string;
  readonly summary: Record<string, unknown>;
  /** A second resource the change involves: the member of a membership change. */
  readonly relatedId?: string;
}

export interface Event extends ChangeEvent {
  readonly seq: number;
  readonly occurredAt: string;
}

/** Appends events; call it with the transaction that makes the change. */
export async function appendEvents(
  db: Db,
  events: readonly ChangeEvent[],
  now: string,
): Promise<void> {
  if (events.length === 0) return;
  // A sequence numbers rows in the order transactions insert them, not the order they commit:
  // with writers in parallel (PostgreSQL; instances side by side) a follower that has read seq
  // 11 could later meet 10, committed after it, and never read it. On PostgreSQL the numbers
  // are therefore taken under a lock held until commit, so they are handed out in commit order.
  // Appending events is the last statement of every write transaction: the lock covers the
  // insert and the commit only. (SQLite has one writer at a time: its order is the commit's.)
  if (sqliteTransactionOf(db) === undefined && dialectOf(db) === 'postgres') {
    await sql`select pg_advisory_xact_lock(${sql.lit(EVENTS_LOCK)})`.execute(db);
  }
  await insertRows(
    db,
    'events',
    events.map((e) => ({
      type: e.type,
      resource_type: e.resourceType,
      resource_id: e.resourceId,
      actor: e.actor,
      occurred_at: now,
      summary: JSON.stringify(e.summary),
      related_id: e.relatedId ?? null,
    })),
  );
}

export interface EventQuery {
  /** Events after this sequence number (what a follower last saw). */
  readonly after?: number;
  /** Events before this sequence number (the next page of a newest-first list). */
  readonly before?: number;
  readonly limit?: number;
  /** Only the events about this resource (its id). */
  readonly resourceId?: string;
  /**
   * Only the events about this resource or involving it: a user's own events and the membership
   * changes that added them to groups or removed them.
   */
  readonly involving?: string;
  /** `asc` (default: the order a follower applies them in) or `desc` (newest first). */
  readonly order?: 'asc' | 'desc';
}

export async function listEvents(db: Db, options: EventQuery = {}): Promise<Event[]> {
  let query = db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>', options.after ?? 0)
    .$if(options.before !== undefined, (q) => q.where('seq', '<', options.before!))
    .$if(options.resourceId !== undefined, (q) => q.where('resource_id', '=', options.resourceId!))
    .$if(options.involving !== undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb('resource_id', '=', options.involving!),
          eb('related_id', '=', options.involving!),
        ]),
      ),
    );
  query = query.orderBy('seq', options.order ?? 'asc');
  const rows = await query.limit(options.limit ?? 100).execute();
  return rows.map(toEvent);
}

function toEvent(row: EventRow): Event {
  return {
    seq: Number(row.seq),
    type: row.type as EventType,
    resourceType: row.resource_type as Event['resourceType'],
    resourceId: row.resource_id,
    actor: row.actor,
    occurredAt: row.occurred_at,
    summary: JSON.parse(row.summary) as Record<string, unknown>,
    ...(row.related_id !== null ? { relatedId: row.related_id } : {}),
  };
}
