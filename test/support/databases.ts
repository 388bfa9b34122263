/**
 * The databases every storage and HTTP test runs on: SQLite always; PostgreSQL when reachable
 * at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). Under CI=true an
 * unreachable PostgreSQL fails the run instead of skipping it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseHandle, Dialect } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/database.ts';

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(
        `CI=true requires PostgreSQL at ${TEST_DATABASE_URL}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    console.warn(`PostgreSQL at ${TEST_DATABASE_URL} is not reachable: its tests are skipped.`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const DIALECTS: readonly Dialect[] = (await postgresReachable())
  ? ['sqlite', 'postgres']
  : ['sqlite'];

export interface TestDatabase extends DatabaseHandle {
  /** SQL of every query since the last `queries.length = 0`. */
  readonly queries: string[];
  /** Closes the database and removes what the test made (the SQLite file, the PG schema). */
  drop(): Promise<void>;
}

/** A fresh, migrated database: a temporary SQLite file, or a new PostgreSQL schema. */
export async function openTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const queries: string[] = [];
  const onQuery = (sqlText: string) => queries.push(sqlText);
  if (dialect === 'sqlite') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
    const handle = await openDatabase({ dataDir, databaseUrl: undefined, onQuery });
    return {
      ...handle,
      queries,
      drop: async () => {
        await handle.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `gh_test_${randomBytes(6).toString('hex')}`;
  const handle = await openDatabase({
    dataDir: '',
    databaseUrl: TEST_DATABASE_URL,
    pgSchema: schema,
    onQuery,
  });
  return {
    ...handle,
    queries,
    drop: async () => {
      await handle.close();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
