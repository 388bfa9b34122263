/**
 * startIndex paging served by two instances of Gatehouse on one database, each with its own
 * memory of where pages ended: every walk must give the pages OFFSET gives, whatever was written
 * between walks and wherever the previous page was served.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { openDatabase } from '../src/db/database.ts';
import type { DatabaseHandle } from '../src/db/database.ts';
import { DIALECTS, TEST_DATABASE_URL } from './support/databases.ts';
import { oktaUser, SCIM, startTestApp } from './support/app.ts';
import type { TestApp } from './support/app.ts';

for (const dialect of DIALECTS) {
  describe(`startIndex paging across two instances (${dialect})`, () => {
    let a: TestApp;
    let second: DatabaseHandle;
    let b: FastifyInstance;
    const ids: string[] = [];

    beforeAll(async () => {
      a = await startTestApp(dialect);
      // The second instance: its own connection to the same database, its own caches.
      second = await openDatabase(
        dialect === 'sqlite'
          ? { dataDir: path.dirname(a.database.description), databaseUrl: undefined }
          : { dataDir: '', databaseUrl: TEST_DATABASE_URL, pgSchema: a.database.schema! },
      );
      b = await buildApp({ config: a.config, database: second });
      for (let i = 0; i < 40; i++) {
        const response = await a.scim(
          'POST',
          'Users',
          oktaUser(`pi-${String(i).padStart(2, '0')}@paging.test`),
        );
        expect(response.statusCode).toBe(201);
        ids.push((response.json() as { id: string }).id);
      }
      ids.sort();
    });
    afterAll(async () => {
      await b.close();
      await second.close();
      await a.close();
    });

    const page = async (on: 'a' | 'b', startIndex: number) => {
      const url = `Users?filter=${encodeURIComponent('userName sw "pi-"')}&startIndex=${startIndex}&count=10`;
      const response =
        on === 'a'
          ? await a.scim('GET', url)
          : await b.inject({
              url: `${SCIM}/${url}`,
              headers: { authorization: `Bearer ${a.token}` },
            });
      expect(response.statusCode, response.body).toBe(200);
      return (response.json() as { Resources: { id: string }[] }).Resources.map((r) => r.id);
    };
    const walk = async (instances: ('a' | 'b')[]) => {
      const seen: string[] = [];
      for (const [i, on] of instances.entries()) seen.push(...(await page(on, 1 + i * 10)));
      return seen;
    };

    it('gives the pages OFFSET gives after writes between walks, on either instance', async () => {
      expect(await walk(['a', 'a', 'a', 'a'])).toEqual(ids);
      expect(await walk(['b', 'b', 'b', 'b'])).toEqual(ids);
      // Two users near the start go, through the second instance.
      for (const id of [ids[2]!, ids[4]!]) {
        const gone = await b.inject({
          method: 'DELETE',
          url: `${SCIM}/Users/${id}`,
          headers: { authorization: `Bearer ${a.token}` },
        });
        expect(gone.statusCode).toBe(204);
      }
      const left = ids.filter((_, i) => i !== 2 && i !== 4);
      expect(await walk(['a', 'b', 'a', 'b'])).toEqual(left);
      expect(await walk(['b', 'a', 'b', 'a'])).toEqual(left);
      expect(await walk(['a', 'a', 'a', 'a'])).toEqual(left);
      // A walk through a change goes on after the last row it was served (no row twice); a new
      // walk, or one whose previous page the other instance served, gets OFFSET's pages.
      const first = await page('a', 1);
      const deleted = await a.scim('DELETE', `Users/${left[0]}`);
      expect(deleted.statusCode).toBe(204);
      expect([...first, ...(await page('a', 11))]).toEqual(left.slice(0, 20));
      const rest = left.slice(1);
      expect(await page('b', 21)).toEqual(rest.slice(20, 30));
      expect(await walk(['a', 'b', 'a', 'b'])).toEqual(rest);
    });
  });
}
