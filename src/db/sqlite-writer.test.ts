import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import type { DatabaseHandle } from './database.ts';
import type { Database } from './tables.ts';
import { SqliteWriter } from './sqlite-writer.ts';

describe('SqliteWriter (group commit)', () => {
  let dir: string;
  let handle: DatabaseHandle;
  let statements: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-writer-'));
    statements = [];
    handle = await openDatabase({
      dataDir: dir,
      databaseUrl: undefined,
      onQuery: (s) => statements.push(s),
    });
  });
  afterAll(async () => {
    await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insert = (writer: SqliteWriter, id: string, fail = false) =>
    writer.run(async (trx: Kysely<Database>) => {
      await trx
        .insertInto('connections')
        .values({
          id,
          name: id,
          name_lc: id,
          created_at: '2026-01-01T00:00:00.000Z',
          last_used_at: null,
          dialect: 'auto',
          deprovision_policy: 'delete',
          retention_days: 30,
          link_local_users: 1,
          rate_limit: null,
        })
        .execute();
      if (fail) throw new Error(`refused ${id}`);
      return id;
    });

  it('commits queued writes together, rolling back only the one that failed', async () => {
    const writer = new SqliteWriter(handle.db as unknown as Kysely<never>);
    statements.length = 0;
    const results = await Promise.allSettled([
      insert(writer, 'a'),
      insert(writer, 'b'),
      insert(writer, 'c', true),
      insert(writer, 'd'),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('refused c'));
    const rows = await handle.db.selectFrom('connections').select('id').orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual(['a', 'b', 'd']);
    // Made in the same turn of the event loop, the four shared one transaction.
    expect(statements.filter((s) => s === 'begin immediate')).toHaveLength(1);
    expect(statements.filter((s) => s === 'commit')).toHaveLength(1);
  });

  it('fails every write of a batch whose commit fails, and keeps working', async () => {
    const writer = new SqliteWriter(handle.db as unknown as Kysely<never>);
    const results = await Promise.allSettled([
      insert(writer, 'e'),
      writer.run(async (trx) => {
        // Ends the transaction under the writer: the batch cannot commit.
        await sql`commit`.execute(trx);
        return 'x';
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await insert(writer, 'f')).toBe('f');
    const rows = await handle.db
      .selectFrom('connections')
      .select('id')
      .where('id', '=', 'f')
      .execute();
    expect(rows).toHaveLength(1);
  });
  it('runs a lone write without a savepoint and rolls it back whole when it fails', async () => {
    const writer = new SqliteWriter(handle.db as unknown as Kysely<never>);
    statements.length = 0;
    await expect(insert(writer, 'g', true)).rejects.toThrow('refused g');
    expect(statements.some((s) => s.startsWith('savepoint'))).toBe(false);
    expect(statements).toContain('rollback');
    const rows = await handle.db
      .selectFrom('connections')
      .select('id')
      .where('id', '=', 'g')
      .execute();
    expect(rows).toEqual([]);
    expect(await insert(writer, 'h')).toBe('h');
  });
});
