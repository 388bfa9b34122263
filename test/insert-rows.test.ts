/**
 * insertRows: straight on SQLite's connection in a transaction of the writer, through Kysely
 * everywhere else, with the same rows stored either way.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { insertRows, sqliteTransactionOf } from '../src/db/database.ts';
import type { Db } from '../src/db/database.ts';
import type { EventRow } from '../src/db/tables.ts';
import { inTransaction, isUniqueViolation } from '../src/directory/context.ts';
import { DIALECTS, openTestDatabase } from './support/databases.ts';
import type { TestDatabase } from './support/databases.ts';

type NewEvent = Omit<EventRow, 'seq'>;

const event = (i: number, extra: Partial<NewEvent> = {}): NewEvent => ({
  type: 'user.created',
  resource_type: 'User',
  resource_id: `user-${i}`,
  actor: 'connection:c1',
  occurred_at: '2026-11-29T00:00:00.000Z',
  summary: JSON.stringify({ i }),
  related_id: null,
  ...extra,
});

const stored = async (db: Db) =>
  (await db.selectFrom('events').selectAll().orderBy('seq').execute()).map(
    ({ seq: _seq, ...row }) => row,
  );

describe.each(DIALECTS)('insertRows on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await openTestDatabase(dialect);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await database.drop();
  });

  it('stores the rows, in one statement, in a transaction and outside one', async () => {
    const { db } = database;
    await inTransaction(database, (trx) => insertRows(trx, 'events', [event(1), event(2)]));
    await insertRows(db, 'events', [event(3)]);
    await insertRows(db, 'events', []);
    expect(await stored(db)).toEqual([event(1), event(2), event(3)]);
    expect(database.queries.filter((q) => q.startsWith('insert into "events"'))).toHaveLength(2);
  });

  it('runs straight on the connection only in a transaction of the SQLite writer', async () => {
    let bound: boolean | undefined;
    let spy: ReturnType<typeof vi.spyOn> | undefined;
    await inTransaction(database, async (trx) => {
      bound = sqliteTransactionOf(trx) !== undefined;
      spy = vi.spyOn(trx, 'insertInto');
      await insertRows(trx, 'events', [event(1)]);
    });
    expect(bound).toBe(dialect === 'sqlite');
    expect(spy!).toHaveBeenCalledTimes(dialect === 'sqlite' ? 0 : 1);
    expect(sqliteTransactionOf(database.db)).toBeUndefined();
  });

  it('goes through Kysely for rows whose columns differ or hold undefined', async () => {
    const { db } = database;
    const { related_id: _omitted, ...withoutRelated } = event(2);
    const rows = [event(1, { related_id: 'group-1' }), withoutRelated as NewEvent];
    let calls = 0;
    await inTransaction(database, async (trx) => {
      const spy = vi.spyOn(trx, 'insertInto');
      await insertRows(trx, 'events', rows);
      await insertRows(trx, 'events', [event(3, { related_id: undefined as never })]);
      calls = spy.mock.calls.length;
    });
    expect(calls).toBe(2);
    expect(await stored(db)).toEqual([event(1, { related_id: 'group-1' }), event(2), event(3)]);
  });

  it('splits rows past the values one statement may bind, in a transaction and outside one', async () => {
    const { db } = database;
    // 7 columns: 84,000 values each time, more than SQLite (32,766) or PostgreSQL (65,535) bind.
    const many = (from: number) => Array.from({ length: 12_000 }, (_, i) => event(from + i));
    await inTransaction(database, (trx) => insertRows(trx, 'events', many(0)));
    await insertRows(db, 'events', many(12_000));
    const rows = await stored(db);
    expect(rows).toHaveLength(24_000);
    expect(rows.at(-1)).toEqual(event(23_999));
  });

  it('fails a write alone with the database error, its batch committing the rest', async () => {
    const { db } = database;
    const user = (id: string, userName: string) => ({
      id,
      user_name: userName,
      user_name_lc: userName.toLowerCase(),
      display_name_lc: null,
      active: 1,
      deprovisioned_at: null,
      email_lc: null,
      search_lc: userName.toLowerCase(),
      external_id: null,
      origin: 'LOCAL' as const,
      connection_id: null,
      created_at: '2026-11-29T00:00:00.000Z',
      updated_at: '2026-11-29T00:00:00.000Z',
      version: 1,
      data: '{}',
    });
    const results = await Promise.allSettled([
      inTransaction(database, (trx) => insertRows(trx, 'users', [user('a', 'ann')])),
      inTransaction(database, async (trx) => {
        await insertRows(trx, 'events', [event(9)]);
        await insertRows(trx, 'users', [user('b', 'ANN')]);
      }),
      inTransaction(database, (trx) => insertRows(trx, 'users', [user('c', 'cid')])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(isUniqueViolation((results[1] as PromiseRejectedResult).reason)).toBe(true);
    const users = await db.selectFrom('users').select('id').orderBy('id').execute();
    expect(users.map((u) => u.id)).toEqual(['a', 'c']);
    // The failed write's event went with it.
    expect(await stored(db)).toEqual([]);
  });
});
