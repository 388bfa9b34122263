/**
 * Opens the database: SQLite (better-sqlite3, WAL) by default, PostgreSQL (pg) when a
 * `postgres://` URL is given. Both are driven through one Kysely query layer.
 */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type {
  DatabaseIntrospector,
  DatabaseMetadata,
  Insertable,
  KyselyConfig,
  Migration,
  MigrationProvider,
  SchemaMetadata,
  TableMetadata,
} from 'kysely';
import pg from 'pg';
import type { Database } from './tables.ts';
import { chunks } from '../lib/chunks.ts';
import { sha256Hex } from '../lib/digest.ts';
import * as initial from './migrations/0001-initial.ts';
import * as provisioning from './migrations/0002-provisioning.ts';
import * as consoleTables from './migrations/0003-console.ts';
import * as relatedEvents from './migrations/0004-related-events.ts';
import * as failuresIndex from './migrations/0005-failures-index.ts';
import * as membershipMappings from './migrations/0006-membership-mappings.ts';
import * as logTimeById from './migrations/0007-log-time-by-id.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly dialect: Dialect;
  /** PostgreSQL: the schema the tables live in, when not the default. */
  readonly schema?: string;
  /** A short description for logs: the SQLite file, or the PostgreSQL host and database. */
  readonly description: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** PostgreSQL only: the schema to use (created if missing). Tests use one schema per file. */
  readonly pgSchema?: string;
  readonly pgPoolSize?: number;
  /** Called with the SQL of every query run (tests use it to see which tables a request reads). */
  readonly onQuery?: (sqlText: string) => void;
}

/** Every migration, in order. Each receives the dialect, for the few types that differ. */
const MIGRATIONS: Record<string, { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> }> = {
  '0001-initial': initial,
  '0002-provisioning': provisioning,
  '0003-console': consoleTables,
  '0004-related-events': relatedEvents,
  '0005-failures-index': failuresIndex,
  '0006-membership-mappings': membershipMappings,
  '0007-log-time-by-id': logTimeById,
};

class Migrations implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db) => m.up(db, this.dialect) }]),
    );
  }
}

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely's SQLite driver prepares each
 * query it runs. Caching the prepared statements by SQL text takes that cost off the hot paths
 * (the SQL of a query shape is the same whatever its parameters).
 *
 * Kysely prepares each statement right before it runs it: one that is not a plain read (a
 * write, a transaction's begin or end, a savepoint) first ends the direct reads' shared
 * snapshot (SharedReads), so that no read sees the database as it was before a write of this
 * process, and the write runs in a transaction of its own.
 */
function withStatementCache(database: SqliteDatabase.Database, shared: SharedReads, size = 500) {
  const cache = new Map<string, { statement: Statement; plainRead: boolean }>();
  return {
    close: () => {
      shared.close();
      database.close();
    },
    prepare(sqlText: string): Statement {
      let cached = cache.get(sqlText);
      if (cached === undefined) {
        const statement = database.prepare(sqlText);
        cached = { statement, plainRead: statement.reader && statement.readonly };
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
        cache.set(sqlText, cached);
      }
      if (!cached.plainRead) shared.end();
      return cached.statement;
    },
  };
}

/** How long the direct reads may share one read transaction (see SharedReads). */
const SNAPSHOT_MS = 2;

/**
 * One read transaction shared by the direct reads (a lookup by userName, above all) of up to
 * SNAPSHOT_MS. A read in a transaction of its own pays SQLite's start and end of one: in WAL
 * mode the lock and unlock of a read mark in the -shm file (two fcntl() calls) and the pager's
 * checks around them, 7% of a lookup's CPU in a profile of the server, against the read
 * itself at 3%.
 *
 * What sharing must not change, and why it does not:
 * - A read after a write of this process sees it: every statement on the connection that is
 *   not a plain read ends the shared transaction before it runs (withStatementCache), the
 *   writer's BEGIN first, so a read after the commit opens a new one.
 * - Other transactions are not held back: a direct read never opens one while another
 *   transaction is open on the connection (it goes through Kysely, which waits for it), and
 *   the shared one ends after SNAPSHOT_MS (a timer when no read comes), so a checkpoint, or
 *   the CLI's write beside the server, waits at most that long for it.
 * - A write of another process (the CLI) is seen at most SNAPSHOT_MS later than by a read in a
 *   transaction of its own: as though the read had arrived that much earlier.
 */
class SharedReads {
  private readonly begin: Statement;
  private readonly commit: Statement;
  /** performance.now() when the shared transaction began; -1 while none is open. */
  private since = -1;
  private timer: NodeJS.Timeout | undefined;
  private readonly expire = () => {
    this.timer = undefined;
    this.end();
  };

  constructor(private readonly database: SqliteDatabase.Database) {
    this.begin = database.prepare('begin');
    this.commit = database.prepare('commit');
  }

  /** Whether the shared transaction is open (then the connection's transaction is it). */
  get open(): boolean {
    return this.since >= 0;
  }

  /**
   * Opens the shared transaction unless it is open and young enough; false when another
   * transaction is open on the connection, whose writes a read must not see.
   */
  enter(): boolean {
    const now = performance.now();
    if (this.since >= 0) {
      if (now - this.since <= SNAPSHOT_MS) return true;
      this.end();
    }
    if (this.database.inTransaction) return false;
    this.begin.run();
    this.since = now;
    this.timer ??= setTimeout(this.expire, SNAPSHOT_MS).unref();
    return true;
  }

  end(): void {
    if (this.since < 0) return;
    this.since = -1;
    this.commit.run();
  }

  close(): void {
    this.end();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * SQLite's connection under Kysely, for the few hot statements that skip the query builder
 * (a lookup by userName, the provisioning log's inserts, a create's inserts). better-sqlite3
 * runs a statement synchronously; Kysely adds a query compilation and a few promise hops
 * through its connection lock to each, which cost more than the statement itself (14 µs for a
 * lookup by userName).
 */
export interface SqliteDirect {
  /**
   * The rows of a read, in the read transaction the direct reads share (SharedReads), or
   * undefined while another transaction is open on the connection: a read then would see that
   * transaction's uncommitted writes, so the caller goes through Kysely, whose connection lock
   * makes it wait for the transaction to end.
   */
  read<Row>(sqlText: string, parameters: readonly unknown[]): Row[] | undefined;
  /** Runs a write. Only inside a transaction held through Kysely (the SQLite writer). */
  write(sqlText: string, parameters: readonly unknown[]): void;
}

const direct = new WeakMap<object, SqliteDirect>();

/** The direct connection of a SQLite database (undefined for PostgreSQL and for a transaction). */
export function sqliteDirectOf(db: object): SqliteDirect | undefined {
  return direct.get(db);
}

/**
 * A read past the query builder, on either database: SQLite's direct connection, or on
 * PostgreSQL the pool, as a named prepared statement (parsed and planned once per connection
 * instead of on every lookup). SQL is written with `?` placeholders. Undefined when the read
 * must go through Kysely (SQLite with a transaction other than SharedReads' open; a
 * transaction's own Kysely instance).
 */
export interface DirectReader {
  read<Row>(sqlText: string, parameters: readonly unknown[]): Row[] | Promise<Row[]> | undefined;
}

const readers = new WeakMap<object, DirectReader>();

/** The Kysely instances of the SQLite writer's transactions, each with its direct connection. */
const inTransaction = new WeakMap<object, SqliteDirect>();

/**
 * Marks `trx`, the Kysely instance of a transaction the SQLite writer holds on `db`'s
 * connection, so that writes given `trx` may run straight on the connection (insertRows).
 */
export function bindSqliteTransaction(trx: object, db: object): void {
  const found = direct.get(db);
  if (found) inTransaction.set(trx, found);
}

/** The direct connection under a transaction bound by bindSqliteTransaction, if `trx` is one. */
export function sqliteTransactionOf(trx: object): SqliteDirect | undefined {
  return inTransaction.get(trx);
}

const insertTexts = new Map<string, string>();

/**
 * The most values bound to one insert. SQLite refuses a statement with more than 32,766
 * (SQLITE_MAX_VARIABLE_NUMBER), PostgreSQL more than 65,535; a user may hold thousands of
 * emails, a group write add thousands of members.
 */
const MAX_BOUND = 30_000;

/**
 * Inserts rows into `table`, in as many statements as the bound values need (MAX_BOUND). In
 * a transaction of the SQLite writer, rows that all have the same columns go straight to the
 * connection, each statement prepared once per shape: Kysely's compilation of an insert
 * (parsing every value into its tree, then printing it back to SQL) and its promise hops cost
 * more than the insert itself on the create path. Elsewhere through Kysely, which writes the
 * same SQL.
 */
export async function insertRows<T extends keyof Database & string>(
  db: Db,
  table: T,
  rows: readonly Insertable<Database[T]>[],
): Promise<void> {
  if (rows.length === 0) return;
  const records = rows as readonly Record<string, unknown>[];
  const connection = inTransaction.get(db);
  const columns = connection && sameColumns(records);
  if (!connection || !columns) {
    const width = new Set(records.flatMap((row) => Object.keys(row))).size;
    for (const part of chunks(records, Math.max(1, Math.floor(MAX_BOUND / width)))) {
      await db
        .insertInto(table)
        .values(part as never)
        .execute();
    }
    return;
  }
  for (const part of chunks(records, Math.max(1, Math.floor(MAX_BOUND / columns.length)))) {
    const shape = `${table}|${part.length}|${columns.join('|')}`;
    let text = insertTexts.get(shape);
    if (text === undefined) {
      const row = `(${columns.map(() => '?').join(', ')})`;
      text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${Array(part.length).fill(row).join(', ')}`;
      if (insertTexts.size >= 200) insertTexts.clear();
      insertTexts.set(shape, text);
    }
    const parameters: unknown[] = [];
    for (const row of part) {
      for (const column of columns) parameters.push(row[column]);
    }
    connection.write(text, parameters);
  }
}

/** The columns of the first row, if every row has them and no other, none undefined. */
function sameColumns(rows: readonly Record<string, unknown>[]): string[] | undefined {
  const columns = Object.keys(rows[0]!);
  for (const row of rows) {
    let count = 0;
    for (const key in row) {
      if (row[key] === undefined || !Object.hasOwn(rows[0]!, key)) return undefined;
      count++;
    }
    if (count !== columns.length) return undefined;
  }
  return columns;
}

const dialects = new WeakMap<object, Dialect>();

/**
 * The database under a Kysely instance, a transaction's included, from the SQL it writes: its
 * placeholder is `$1` on PostgreSQL and `?` on SQLite.
 */
export function dialectOf(db: Db): Dialect {
  let dialect = dialects.get(db);
  if (dialect === undefined) {
    dialect = sql`${0}`.compile(db).sql.startsWith('$') ? 'postgres' : 'sqlite';
    dialects.set(db, dialect);
  }
  return dialect;
}

export function directReaderOf(db: object): DirectReader | undefined {
  return readers.get(db) ?? direct.get(db);
}

function postgresReader(
  pool: pg.Pool,
  onQuery: ((sqlText: string) => void) | undefined,
): DirectReader {
  const statements = new Map<string, { name: string; text: string }>();
  return {
    read: async <Row>(sqlText: string, parameters: readonly unknown[]) => {
      let statement = statements.get(sqlText);
      if (!statement) {
        let n = 0;
        statement = {
          name: `gatehouse_${sha256Hex(sqlText).slice(0, 16)}`,
          text: sqlText.replace(/\?/g, () => `$${++n}`),
        };
        if (statements.size >= 500) statements.clear();
        statements.set(sqlText, statement);
      }
      onQuery?.(statement.text);
      const result = await pool.query({
        name: statement.name,
        text: statement.text,
        values: [...parameters],
      });
      return result.rows as Row[];
    },
  };
}

function openSqlite(
  dataDir: string,
  log: KyselyConfig['log'],
  onQuery: ((sqlText: string) => void) | undefined,
): DatabaseHandle {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'gatehouse.db');
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash or power loss
  // may roll back the last transactions (https://www.sqlite.org/pragma.html#pragma_synchronous).
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  // Sorting, grouping and UNION use temporary b-trees; in a file (the default) each query that
  // needs one opens and deletes a temporary file: 150 µs for the user-groups query instead of 8.
  database.pragma('temp_store = MEMORY');
  // 64 MiB of page cache (the default is 2 MiB): index pages of a large directory stay in
  // memory instead of being read from the file (through the OS cache) on every lookup.
  database.pragma('cache_size = -65536');
  // Reads through a memory map of the file (up to 1 GiB of it): a page not in the cache above
  // is a page fault on the OS's cache instead of a read() into a copy of it. Lookups of random
  // users in a directory larger than the cache meet such pages all the time; this took a third
  // off SQLite's share of a lookup at 10^5 users.
  database.pragma('mmap_size = 1073741824');
  // The CLI and the server may write at once: wait for the other's transaction, don't fail.
  database.pragma('busy_timeout = 5000');
  // SQLite's own lower() folds ASCII only; filters compare case-insensitively with lower() on
  // both sides, so fold the whole of Unicode as PostgreSQL (and JavaScript) do.
  database.function('lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  const shared = new SharedReads(database);
  const statements = withStatementCache(database, shared);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: statements }),
    ...(log ? { log } : {}),
  });
  // Reads return arrays (raw mode) turned into rows here: better-sqlite3 makes each row's
  // column names anew as V8 strings (interned, through the string table), 2 µs of a lookup.
  const reads = new Map<string, { statement: Statement; columns: string[] }>();
  direct.set(db, {
    read: <Row>(sqlText: string, parameters: readonly unknown[]) => {
      if (!shared.enter()) return undefined;
      onQuery?.(sqlText);
      let read = reads.get(sqlText);
      if (read === undefined) {
        const statement = database.prepare(sqlText).raw(true);
        read = { statement, columns: statement.columns().map((c) => c.name) };
        if (reads.size >= 100) reads.delete(reads.keys().next().value!);
        reads.set(sqlText, read);
      }
      const { columns } = read;
      return (read.statement.all(...parameters) as unknown[][]).map((values) => {
        const row: Record<string, unknown> = {};
        for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i];
        return row as Row;
      });
    },
    write: (sqlText, parameters) => {
      if (!database.inTransaction || shared.open) {
        throw new Error('a direct write needs an open transaction');
      }
      onQuery?.(sqlText);
      statements.prepare(sqlText).run(...parameters);
    },
  });
  return { db, dialect: 'sqlite', description: file, close: () => db.destroy() };
}

/**
 * PostgreSQL as Kysely speaks it, but for the tables of the current schema only. Kysely's own
 * introspector (which its migrator asks whether the migration tables exist) reads every schema
 * of the database and names each in `has_schema_privilege` and `pg_get_serial_sequence`: a
 * schema that another client drops meanwhile fails the query ("schema ... does not exist"), and
 * Gatehouse's start with it, on a database whose other users create and drop schemas (tests,
 * other applications). This one reads the catalog by oid, where the migrator looks.
 */
export class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const rows = await sql<{ name: string }>`SELECT nspname AS name FROM pg_namespace`.execute(
      this.db,
    );
    return rows.rows;
  }

  /** The current schema's tables and views, without their columns (nothing here reads them). */
  async getTables(): Promise<TableMetadata[]> {
    const rows = await sql<{ name: string; schema: string; kind: string }>`
      SELECT c.relname AS name, n.nspname AS schema, c.relkind AS kind
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`.execute(
      this.db,
    );
    return rows.rows.map((r) => ({
      name: r.name,
      schema: r.schema,
      isView: r.kind === 'v' || r.kind === 'm',
      columns: [],
    }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

async function openPostgres(
  url: string,
  schema: string | undefined,
  poolSize: number,
  log: KyselyConfig['log'],
  onQuery: ((sqlText: string) => void) | undefined,
): Promise<DatabaseHandle> {
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    // int8 (bigserial, count(*)) as a JS number: our counts and sequence numbers stay far
    // below 2^53.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    },
  });
  const db = new Kysely<Database>({
    dialect: new CurrentSchemaPostgresDialect({ pool }),
    ...(log ? { log } : {}),
  });
  readers.set(db, postgresReader(pool, onQuery));
  const parsed = new URL(url);
  return {
    db,
    dialect: 'postgres',
    ...(schema !== undefined ? { schema } : {}),
    description: `postgres://${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`,
    close: () => db.destroy(),
  };
}

/** Opens the database and applies pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const { onQuery } = options;
  const log: KyselyConfig['log'] = onQuery
    ? (event) => {
        if (event.level === 'query') onQuery(event.query.sql);
      }
    : undefined;
  const handle = options.databaseUrl
    ? await openPostgres(
        options.databaseUrl,
        options.pgSchema,
        options.pgPoolSize ?? 10,
        log,
        onQuery,
      )
    : openSqlite(options.dataDir, log, onQuery);
  try {
    await migrate(handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

export async function migrate(handle: DatabaseHandle): Promise<void> {
  const migrator = new Migrator({
    db: handle.db,
    provider: new Migrations(handle.dialect),
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    ...(handle.schema !== undefined ? { migrationTableSchema: handle.schema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
