/**
 * The provisioning log: every SCIM request, as admins need it when provisioning fails (time,
 * connection, method, path and query, status, scimType, duration, the resources touched, and
 * the request body with secrets redacted).
 *
 * Writing a row on the request's path would add a write to every read (Okta's lookups are
 * most of its traffic), so entries are buffered and written together every FLUSH_MS, or as soon
 * as BATCH are waiting. A crash loses at most the last FLUSH_MS of entries; a database that
 * stays down loses the oldest beyond MAX_BUFFERED, counted and logged, never the requests.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { sqliteDirectOf } from '../db/database.ts';
import type { Db } from '../db/database.ts';
import { sqliteWriterOf } from '../db/sqlite-writer.ts';
import type { ProvisioningLogRow } from '../db/tables.ts';
import { chunks } from '../lib/chunks.ts';
import { uuidv7, uuidv7Floor, uuidv7Time } from '../lib/ids.ts';
import { REDACTED, SECRET_KEY, redactQuery } from '../lib/secrets.ts';

export interface LogEntry {
  readonly at: string;
  readonly connectionId: string | null;
  readonly connectionName: string | null;
  readonly method: string;
  readonly path: string;
  readonly query: string | null;
  readonly status: number;
  readonly scimType: string | null;
  readonly durationMs: number;
  readonly resourceType: string | null;
  readonly resourceIds: readonly string[];
  readonly requestBody: unknown;
  readonly errorDetail: string | null;
  readonly dialect: string | null;
  readonly normalizations: readonly string[];
  readonly userAgent: string | null;
}

export interface LoggedRequest extends LogEntry {
  readonly id: string;
  /** The redacted body as stored (JSON), or a note that it was too large to keep whole. */
  readonly requestBody: unknown;
}

const FLUSH_MS = 250;
const BATCH = 500;
const MAX_BUFFERED = 20_000;
/** The most of a body kept, in characters of JSON. */
export const MAX_BODY_CHARS = 64 * 1024;
export { REDACTED };

/** How deep a stored body goes: SCIM's own nest a few levels; what lies below is cut. */
const MAX_BODY_DEPTH = 32;
export const TOO_DEEP = '[nested too deep]';

/**
 * The body with secrets replaced: any key that names one (`password`, `token`...), and the
 * `value` of a PATCH operation whose `path` does (`{"op":"replace","path":"password",...}`).
 * Values nested deeper than MAX_BODY_DEPTH are replaced by a note: a hostile body nested
 * thousands deep must not overflow the stack here and so go unlogged. Returns a copy; the
 * input is not touched.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_BODY_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const object = value as Record<string, unknown>;
  const pathIsSecret = typeof object.path === 'string' && SECRET_KEY.test(object.path);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(object)) {
    out[key] =
      SECRET_KEY.test(key) || (pathIsSecret && key.toLowerCase() === 'value')
        ? REDACTED
        : redact(inner, depth + 1);
  }
  return out;
}

/** The redacted body as stored: JSON, or a note of its size when it is too large to keep. */
export function storedBody(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  const text = JSON.stringify(redact(body));
  if (text.length <= MAX_BODY_CHARS) return text;
  return JSON.stringify({ truncated: true, size: text.length, start: text.slice(0, 4096) });
}

/**
 * The row of an entry. Its `at` is the time its id carries, so that the id's order is the
 * time's and the id's index serves the queries by time (idFloor, idCeiling): the request's time, but
 * after the system clock stepped back, when uuidv7 keeps counting from the last time it saw.
 */
function toRow(entry: LogEntry): ProvisioningLogRow {
  const ms = Date.parse(entry.at);
  const id = uuidv7(ms);
  const idMs = uuidv7Time(id);
  return {
    id,
    at: idMs === ms ? entry.at : new Date(idMs).toISOString(),
    connection_id: entry.connectionId,
    connection_name: entry.connectionName,
    method: entry.method,
    path: entry.path.slice(0, 2048),
    query: entry.query === null ? null : redactQuery(entry.query).slice(0, 4096),
    status: entry.status,
    scim_type: entry.scimType,
    duration_ms: Math.round(entry.durationMs * 1000) / 1000,
    resource_type: entry.resourceType,
    resource_ids: JSON.stringify(entry.resourceIds),
    request_body: storedBody(entry.requestBody),
    error_detail: entry.errorDetail === null ? null : entry.errorDetail.slice(0, 4096),
    dialect: entry.dialect,
    normalizations: JSON.stringify(entry.normalizations),
    user_agent: entry.userAgent === null ? null : entry.userAgent.slice(0, 512),
  };
}

/** Every column of a row, in the order of INSERT_SQL (the Record makes the list complete). */
const LOG_COLUMNS = Object.keys({
  id: true,
  at: true,
  connection_id: true,
  connection_name: true,
  method: true,
  path: true,
  query: true,
  status: true,
  scim_type: true,
  duration_ms: true,
  resource_type: true,
  resource_ids: true,
  request_body: true,
  error_detail: true,
  dialect: true,
  normalizations: true,
  user_agent: true,
} satisfies Record<keyof ProvisioningLogRow, true>) as (keyof ProvisioningLogRow)[];

const INSERT_SQL = `insert into "provisioning_log" (${LOG_COLUMNS.map((c) => `"${c}"`).join(', ')}) values (${LOG_COLUMNS.map(() => '?').join(', ')})`;

export class ProvisioningLog {
  private buffer: ProvisioningLogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Entries dropped because the database could not take them (see the module comment). */
  dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly onError: (error: unknown, dropped: number) => void = () => {},
  ) {}

  record(entry: LogEntry): void {
    this.buffer.push(toRow(entry));
    if (this.buffer.length > MAX_BUFFERED) {
      const excess = this.buffer.length - MAX_BUFFERED;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
    if (this.buffer.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is buffered; resolves when it is written (or failed and was kept for later). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // One flush at a time: a second waits for the first, then writes what came meanwhile.
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    this.flushing = this.write(rows)
      .catch((error: unknown) => {
        // Kept for the next flush, in order, within the bound.
        this.buffer = [...rows, ...this.buffer].slice(-MAX_BUFFERED);
        this.onError(error, this.dropped);
        this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 8);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  private async write(rows: ProvisioningLogRow[]): Promise<void> {
    const direct = sqliteDirectOf(this.db);
    if (direct) {
      // One prepared insert a row, run directly in the writer's transaction: building and
      // compiling the multi-row inserts cost several times what SQLite takes to store the rows.
      await sqliteWriterOf(this.db as unknown as Kysely<never>).run(async () => {
        for (const row of rows) {
          direct.write(
            INSERT_SQL,
            LOG_COLUMNS.map((column) => row[column]),
          );
        }
      });
      return;
    }
    // PostgreSQL: inserts of 50 rows, in one transaction when there are more.
    const insert = async (db: Db) => {
      for (const part of chunks(rows, 50)) {
        await db.insertInto('provisioning_log').values(part).execute();
      }
    };
    if (rows.length <= 50) await insert(this.db);
    else await this.db.transaction().execute(insert);
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

/**
 * The test for a failed request, as migration 0005's partial index `provisioning_log_failed` is
 * defined: with the literal 400, so that both databases see that the index applies.
 */
export const FAILED = sql<boolean>`status >= 400`;

export interface LogQuery {
  readonly connectionId?: string;
  /** Only requests answered with a status of 400 or more. */
  readonly failed?: boolean;
  /** Only requests that touched this resource. */
  readonly resourceId?: string;
  /** ISO 8601 bounds on `at`: at or after `since`, before `until`. */
  readonly since?: string;
  readonly until?: string;
  /** Entries older than this entry id (the next page, newest first). */
  readonly before?: string;
  readonly limit: number;
}

function fromRow(row: ProvisioningLogRow): LoggedRequest {
  let requestBody: unknown = null;
  if (row.request_body !== null) {
    try {
      requestBody = JSON.parse(row.request_body);
    } catch {
      requestBody = row.request_body;
    }
  }
  return {
    id: row.id,
    at: row.at,
    connectionId: row.connection_id,
    connectionName: row.connection_name,
    method: row.method,
    path: row.path,
    query: row.query,
    status: Number(row.status),
    scimType: row.scim_type,
    durationMs: Number(row.duration_ms),
    resourceType: row.resource_type,
    resourceIds: JSON.parse(row.resource_ids) as string[],
    requestBody,
    errorDetail: row.error_detail,
    dialect: row.dialect,
    normalizations: JSON.parse(row.normalizations) as string[],
    userAgent: row.user_agent,
  };
}

/** Entries, newest first. */
export async function listProvisioningLog(db: Db, query: LogQuery): Promise<LoggedRequest[]> {
  let select = db.selectFrom('provisioning_log').selectAll();
  if (query.connectionId !== undefined)
    select = select.where('connection_id', '=', query.connectionId);
  if (query.failed) select = select.where(FAILED);
  if (query.since !== undefined) {
    select = select.where('id', '>=', idFloor(query.since)).where('at', '>=', query.since);
  }
  if (query.until !== undefined) {
    select = select.where('id', '<', idCeiling(query.until)).where('at', '<', query.until);
  }
  if (query.before !== undefined) select = select.where('id', '<', query.before);
  if (query.resourceId !== undefined) {
    // resource_ids is a short JSON array of ids; ids hold no quote, so this is exact.
    select = select.where('resource_ids', 'like', `%${JSON.stringify(query.resourceId)}%`);
  }
  const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(fromRow);
}

export async function getProvisioningLogEntry(
  db: Db,
  id: string,
): Promise<LoggedRequest | undefined> {
  const row = await db
    .selectFrom('provisioning_log')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

/**
 * Bounds on ids for bounds on `at` (ISO 8601), which the primary key's index serves: there is
 * no index by `at` (migration 0007). An entry's id carries the time of its `at` (toRow); an
 * entry written before that rule may carry a later time than its `at` (after the clock stepped
 * back), never an earlier one: the lower bound holds for every entry, the upper one for all but
 * those, which a prune removes once the time their ids carry is past. The `at` bounds stay
 * beside them, exact to the character.
 */
export function idFloor(since: string): string {
  return uuidv7Floor(msOf(since));
}

function idCeiling(until: string): string {
  // The next millisecond's floor: the `at` bound decides within `until`'s own millisecond.
  return uuidv7Floor(msOf(until) + 1);
}

function msOf(time: string): number {
  const ms = Math.floor(Date.parse(time));
  if (Number.isNaN(ms)) throw new TypeError(`not an ISO 8601 time: ${JSON.stringify(time)}`);
  return ms;
}

/** Deletes the entries older than `before` (ISO 8601); returns how many. */
export async function pruneProvisioningLog(db: Db, before: string): Promise<number> {
  const result = await db
    .deleteFrom('provisioning_log')
    .where('id', '<', idCeiling(before))
    .where('at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
