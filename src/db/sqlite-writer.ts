/**
 * Group commit for SQLite. A SQLite commit writes every page the transaction touched to the
 * WAL, and a user's create touches a dozen b-trees (the row, its indexes, its emails, the change
 * feed): committing each create alone writes the same index pages again and again. Writes that
 * arrive while another is running are queued and run together in one SQLite transaction, each
 * in a SAVEPOINT of its own, so one that fails is rolled back alone and the rest commit. Each
 * caller hears of its result only after the commit. A write that finds the writer idle starts
 * it on the next turn of the event loop.
 *
 * Measured on this project's create path: 336 µs of CPU per user committed alone, 141 µs in
 * groups of 16.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { bindSqliteTransaction, sqliteTransactionOf } from './database.ts';

interface Pending {
  readonly work: (trx: Kysely<never>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Most writes committed together: bounds how long one batch holds the write lock. */
const MAX_BATCH = 64;

export class SqliteWriter {
  private readonly queue: Pending[] = [];
  private draining = false;

  constructor(private readonly db: Kysely<never>) {}

  run<T, D>(work: (trx: Kysely<D>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        work: work as unknown as Pending['work'],
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.draining) {
        this.draining = true;
        // Start on the next turn of the event loop, so that the writes of every request read
        // in this turn join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.commit(this.queue.splice(0, MAX_BATCH));
      }
    } finally {
      this.draining = false;
    }
  }

  private async commit(batch: readonly Pending[]): Promise<void> {
    const outcomes: Outcome[] = [];
    const alone = batch.length === 1;
    try {
      await this.db.connection().execute(async (connection) => {
        bindSqliteTransaction(connection, this.db);
        // IMMEDIATE takes the write lock first: a transaction that reads and then writes never
        // meets another process's write in between (the CLI beside the server); it waits for
        // the lock (busy_timeout) instead of failing with SQLITE_BUSY.
        await sql`begin immediate`.execute(connection);
        try {
          for (const item of batch) outcomes.push(await runOne(connection, item, alone));
          if (alone && !outcomes[0]!.ok) await sql`rollback`.execute(connection);
          else await sql`commit`.execute(connection);
        } catch (error) {
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      // Nothing of the batch was committed.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.value);
    });
  }
}

interface Outcome {
  readonly ok: boolean;
  readonly value: unknown;
}

/**
 * One write of a batch, in a savepoint of its own so that its failure undoes it alone. A write
 * alone in its transaction needs none: its failure rolls the transaction back.
 */
async function runOne(connection: Kysely<never>, item: Pending, alone: boolean): Promise<Outcome> {
  if (alone) {
    try {
      return { ok: true, value: await item.work(connection) };
    } catch (error) {
      return { ok: false, value: error };
    }
  }
  // Straight on the connection when it is SQLite's own (always, but for a test's stand-in):
  // three statements per write of a batch, each a compilation and promise hops through Kysely.
  const direct = sqliteTransactionOf(connection);
  const run = async (text: 'savepoint' | 'release' | 'rollback to') => {
    if (direct) direct.write(`${text} gatehouse_write`, []);
    else await sql.raw(`${text} gatehouse_write`).execute(connection);
  };
  await run('savepoint');
  try {
    const value = await item.work(connection);
    await run('release');
    return { ok: true, value };
  } catch (error) {
    await run('rollback to');
    await run('release');
    return { ok: false, value: error };
  }
}

const writers = new WeakMap<object, SqliteWriter>();

/** The writer of one SQLite database (one per Kysely instance). */
export function sqliteWriterOf(db: Kysely<never>): SqliteWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = new SqliteWriter(db);
    writers.set(db, writer);
  }
  return writer;
}
