/**
 * PostgreSQL shared with others: Gatehouse opens and migrates its schema while other clients of
 * the same database create and drop schemas of their own (tests in parallel, other
 * applications). Kysely's own introspector named every schema of the database in its query and
 * failed on one dropped meanwhile ("schema ... does not exist"), and the start with it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';
import { DIALECTS, TEST_DATABASE_URL } from './support/databases.ts';

const onPostgres = DIALECTS.includes('postgres') ? describe : describe.skip;

onPostgres('PostgreSQL shared with other schemas', () => {
  it('opens and migrates while two other clients create and drop schemas', async () => {
    const run = randomBytes(4).toString('hex');
    let stop = false;
    const churn = async (k: number) => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        for (let i = 0; !stop; i++) {
          const schema = `gh_churn_${run}_${k}_${i}`;
          await client.query(
            `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (id serial PRIMARY KEY, a text)`,
          );
          await client.query(`DROP SCHEMA ${schema} CASCADE`);
        }
      } finally {
        await client.end();
      }
    };
    const churners = [churn(1), churn(2)];
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const failures: string[] = [];
    try {
      for (let n = 0; n < 10; n++) {
        const schema = `gh_test_${run}_open_${n}`;
        try {
          const handle = await openDatabase({
            dataDir: '',
            databaseUrl: TEST_DATABASE_URL,
            pgSchema: schema,
          });
          await handle.close();
        } catch (error) {
          failures.push((error as Error).message);
        } finally {
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        }
      }
    } finally {
      stop = true;
      await Promise.all(churners);
      await admin.end();
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
