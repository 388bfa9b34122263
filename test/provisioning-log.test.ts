/**
 * The provisioning log: every SCIM request is recorded (failures included) with what an admin
 * needs to see why provisioning failed, and no secret is ever stored.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { overviewOf } from '../src/admin/overview.ts';
import { runMaintenance } from '../src/maintenance.ts';
import {
  getProvisioningLogEntry,
  listProvisioningLog,
  pruneProvisioningLog,
} from '../src/provisioning/provisioning-log.ts';
import { uuidv7Time } from '../src/lib/ids.ts';
import { TOO_DEEP } from '../src/provisioning/provisioning-log.ts';
import type { LoggedRequest } from '../src/provisioning/provisioning-log.ts';
import { DIALECTS } from './support/databases.ts';
import { json, oktaUser, patch, SCIM, startTestApp } from './support/app.ts';
import type { TestApp } from './support/app.ts';

const SECRET = `Pw-${randomUUID()}`;
let counter = 0;
const userName = () => `${++counter}${randomUUID().slice(0, 8)}.log@example.com`;

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    /**
     * A time for `since` after every entry of the tests before. The last request of one may be
     * recorded in the very millisecond the next test starts in (an entry is made once its answer
     * is sent), so the clock is let past the newest entry's time first.
     */
    async function sinceNow(): Promise<string> {
      await t.app.provisioningLog.flush();
      const [newest] = await listProvisioningLog(t.database.db, { limit: 1 });
      const newestMs = newest ? Date.parse(newest.at) : 0;
      while (Date.now() <= newestMs) await new Promise((resolve) => setTimeout(resolve, 1));
      return new Date().toISOString();
    }

    /** The entries written since `since`, oldest first. */
    async function entriesSince(since: string): Promise<LoggedRequest[]> {
      await t.app.provisioningLog.flush();
      const entries = await listProvisioningLog(t.database.db, { since, limit: 1000 });
      return entries.reverse();
    }

    it('records a create: who, what, status, duration, the resource, and the body without the password', async () => {
      const since = await sinceNow();
      const name = userName();
      const response = await t.scim('POST', 'Users', oktaUser(name, { password: SECRET }), {
        'user-agent': 'Okta SCIM Client 1.0.0',
      });
      expect(response.statusCode).toBe(201);
      const id = json(response).id as string;
      const [entry] = await entriesSince(since);
      expect(entry).toMatchObject({
        connectionId: t.connectionId,
        connectionName: 'okta',
        method: 'POST',
        path: `${SCIM}/Users`,
        query: null,
        status: 201,
        scimType: null,
        resourceType: 'User',
        resourceIds: [id],
        errorDetail: null,
        userAgent: 'Okta SCIM Client 1.0.0',
      });
      expect(entry!.durationMs).toBeGreaterThan(0);
      expect(entry!.requestBody).toMatchObject({ userName: name, password: '[redacted]' });
      expect(await getProvisioningLogEntry(t.database.db, entry!.id)).toEqual(entry);
    });

    it('never stores a password, whether sent as an attribute, a path-less value or a path', async () => {
      const created = await t.scim('POST', 'Users', oktaUser(userName(), { password: SECRET }));
      const id = json(created).id as string;
      await t.scim('PATCH', `Users/${id}`, patch({ op: 'replace', value: { password: SECRET } }));
      await t.scim(
        'PATCH',
        `Users/${id}`,
        patch({ op: 'replace', path: 'password', value: SECRET }),
      );
      await t.scim('PUT', `Users/${id}`, { userName: 'bad', password: SECRET, active: 'maybe' });
      await t.app.provisioningLog.flush();
      const rows = await t.database.db.selectFrom('provisioning_log').selectAll().execute();
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expect(JSON.stringify(rows)).not.toContain(SECRET);
      // The bearer token is never recorded either.
      expect(JSON.stringify(rows)).not.toContain(t.token);
    });

    it('redacts secret-named values of the query string', async () => {
      const since = await sinceNow();
      const response = await t.scim(
        'GET',
        `Users?count=1&password=${SECRET}&access%5Ftoken=${SECRET}&filter=userName%20pr`,
      );
      expect(response.statusCode).toBe(200);
      const [entry] = await entriesSince(since);
      expect(entry!.query).toBe(
        'count=1&password=[redacted]&access%5Ftoken=[redacted]&filter=userName%20pr',
      );
    });

    it('records a request whose body nests deeper than the stack, cutting the deep part', async () => {
      const since = await sinceNow();
      const created = await t.scim('POST', 'Users', oktaUser(userName()));
      const id = json(created).id as string;
      // Applied (the unknown member is ignored), so it must be logged like any other write.
      const deep = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Deep"}],"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
      const response = await t.scim('PATCH', `Users/${id}`, deep);
      expect(response.statusCode, response.body).toBe(200);
      expect(json(response).title).toBe('Deep');
      const entries = await entriesSince(since);
      expect(entries.map((e) => [e.method, e.status])).toEqual([
        ['POST', 201],
        ['PATCH', 200],
      ]);
      expect(entries[1]!.resourceIds).toEqual([id]);
      expect(JSON.stringify(entries[1]!.requestBody)).toContain(TOO_DEEP);
    });

    it('records failures with their status, scimType and detail, the query string, and requests without a token', async () => {
      const since = await sinceNow();
      const name = userName();
      await t.scim('POST', 'Users', oktaUser(name));
      const conflict = await t.scim('POST', 'Users', oktaUser(name));
      expect(conflict.statusCode).toBe(409);
      const badFilter = await t.scim('GET', 'Users?filter=userName%20zz%20%22x%22&count=5');
      expect(badFilter.statusCode).toBe(400);
      const badJson = await t.scim('POST', 'Users', '{"userName": ');
      expect(badJson.statusCode).toBe(400);
      const anonymous = await t.app.inject({ method: 'GET', url: `${SCIM}/Users` });
      expect(anonymous.statusCode).toBe(401);
      const missing = await t.scim('GET', `Users/${randomUUID()}`);
      expect(missing.statusCode).toBe(404);

      const entries = await entriesSince(since);
      const summary = entries.map((e) => [e.method, e.status, e.scimType]);
      expect(summary).toEqual([
        ['POST', 201, null],
        ['POST', 409, 'uniqueness'],
        ['GET', 400, 'invalidFilter'],
        ['POST', 400, 'invalidSyntax'],
        ['GET', 401, null],
        ['GET', 404, null],
      ]);
      expect(entries[1]!.errorDetail).toContain('already taken');
      expect(entries[2]!.query).toBe('filter=userName%20zz%20%22x%22&count=5');
      expect(entries[4]).toMatchObject({ connectionId: null, connectionName: null });
      expect(entries[4]!.errorDetail).toContain('Bearer');
    });

    it('lists newest first, filtered by connection, failure, resource and time, in pages', async () => {
      const since = await sinceNow();
      const created = await t.scim('POST', 'Users', oktaUser(userName()));
      const id = json(created).id as string;
      await t.scim('GET', `Users/${id}`);
      await t.scim('PATCH', `Users/${id}`, patch({ op: 'replace', path: 'nickName', value: 'N' }));
      await t.scim('PATCH', `Users/${id}`, patch({ op: 'replace', path: 'nope', value: 1 }));
      await t.app.provisioningLog.flush();
      const db = t.database.db;

      const touching = await listProvisioningLog(db, { resourceId: id, limit: 100 });
      expect(touching.map((e) => e.method)).toEqual(['PATCH', 'PATCH', 'GET', 'POST']);
      const failed = await listProvisioningLog(db, { failed: true, since, limit: 100 });
      expect(failed.map((e) => e.status)).toEqual([400]);
      const ofConnection = await listProvisioningLog(db, {
        connectionId: t.connectionId,
        since,
        limit: 100,
      });
      expect(ofConnection).toHaveLength(4);
      const firstPage = await listProvisioningLog(db, { since, limit: 2 });
      const secondPage = await listProvisioningLog(db, {
        since,
        before: firstPage.at(-1)!.id,
        limit: 2,
      });
      expect([...firstPage, ...secondPage].map((e) => e.id)).toEqual(ofConnection.map((e) => e.id));
    });

    it('keeps its failures in an index of their own, which the failure lists and the overview read', async () => {
      const db = t.database.db;
      await t.scim('GET', 'Users?count=1');
      await t.scim('GET', 'Users?filter=nope eq 1');
      await t.app.provisioningLog.flush();
      const failures = Number(
        (
          await db
            .selectFrom('provisioning_log')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('status', '>=', 400)
            .executeTakeFirstOrThrow()
        ).n,
      );
      expect(failures).toBeGreaterThanOrEqual(1);
      // The overview counts the last day's failures, and only those.
      const now = new Date();
      expect((await overviewOf(db, '', now)).failedRequests24h).toBe(failures);
      const tomorrow = new Date(now.getTime() + 86_400_000 + 60_000);
      expect((await overviewOf(db, '', tomorrow)).failedRequests24h).toBe(0);

      if (dialect === 'postgres') {
        const { rows } = await sql<{ indexname: string; indexdef: string }>`
          SELECT indexname, indexdef FROM pg_indexes
          WHERE tablename = 'provisioning_log' AND schemaname = current_schema()`.execute(db);
        const failed = rows.find((r) => r.indexname === 'provisioning_log_failed');
        expect(failed?.indexdef).toMatch(/WHERE \(status >= 400\)/);
        expect(rows.map((r) => r.indexname)).not.toContain('provisioning_log_status');
        return;
      }
      // SQLite: the index holds the failures only, and both queries read it.
      const indexed = await sql<{ n: number }>`SELECT count(*) AS n
        FROM provisioning_log INDEXED BY provisioning_log_failed WHERE status >= 400`.execute(db);
      expect(indexed.rows[0]!.n).toBe(failures);
      const explain = async (text: string) =>
        (await sql.raw<{ detail: string }>(`EXPLAIN QUERY PLAN ${text}`).execute(db)).rows
          .map((r) => r.detail)
          .join(' | ');
      t.database.queries.length = 0;
      await listProvisioningLog(db, { failed: true, limit: 10 });
      await overviewOf(db, '', now);
      const [list, count] = [
        t.database.queries.find((q) => /from "provisioning_log"/.test(q) && /order by/.test(q))!,
        t.database.queries.find((q) => /from "provisioning_log"/.test(q) && /count\(/.test(q))!,
      ];
      expect(await explain(list.replace(/\?/g, "'x'"))).toMatch(
        /USING INDEX provisioning_log_failed/,
      );
      expect(await explain(count.replace(/\?/g, "'x'"))).toMatch(
        /USING COVERING INDEX provisioning_log_failed/,
      );
    });

    it('finds entries by time through the ids, which carry the time of each entry', async () => {
      const db = t.database.db;
      const since = await sinceNow();
      await t.scim('GET', 'Users?count=1');
      // An entry timed before the last id made (the system clock stepped back): it takes the
      // time its id carries, so that the order by time and by id agree.
      const stepBack = new Date(Date.now() - 60_000).toISOString();
      t.app.provisioningLog.record({
        at: stepBack,
        connectionId: null,
        connectionName: null,
        method: 'GET',
        path: `${SCIM}/Users`,
        query: null,
        status: 200,
        scimType: null,
        durationMs: 1,
        resourceType: null,
        resourceIds: [],
        requestBody: undefined,
        errorDetail: null,
        dialect: null,
        normalizations: [],
        userAgent: 'clock-test',
      });
      const entries = await entriesSince(since);
      expect(entries.map((e) => e.userAgent)).toContain('clock-test');
      for (const entry of entries) expect(Date.parse(entry.at)).toBe(uuidv7Time(entry.id));
      const stepped = entries.find((e) => e.userAgent === 'clock-test')!;
      expect(stepped.at >= since).toBe(true);
      expect(stepped.at).not.toBe(stepBack);

      // Since and until, both bounds exact: the entries of one millisecond are in or out together.
      const [first, last] = [entries[0]!, entries.at(-1)!];
      const until = await listProvisioningLog(db, { since, until: last.at, limit: 1000 });
      expect(until.every((e) => e.at < last.at)).toBe(true);
      expect(until.map((e) => e.id)).toEqual(
        entries
          .filter((e) => e.at < last.at)
          .map((e) => e.id)
          .reverse(),
      );
      const justFirst = new Date(Date.parse(first.at) + 1).toISOString();
      expect(
        (await listProvisioningLog(db, { since: first.at, until: justFirst, limit: 1000 })).map(
          (e) => e.id,
        ),
      ).toEqual(
        entries
          .filter((e) => e.at === first.at)
          .map((e) => e.id)
          .reverse(),
      );

      // No index by time (migration 0007): the primary key's serves the bounds and the prune.
      if (dialect === 'postgres') {
        const { rows } = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes
          WHERE tablename = 'provisioning_log' AND schemaname = current_schema()`.execute(db);
        expect(rows.map((r) => r.indexname)).not.toContain('provisioning_log_at');
        return;
      }
      const indexes = await sql<{ name: string }>`SELECT name FROM sqlite_master
        WHERE type = 'index' AND tbl_name = 'provisioning_log'`.execute(db);
      expect(indexes.rows.map((r) => r.name)).not.toContain('provisioning_log_at');
      t.database.queries.length = 0;
      await listProvisioningLog(db, { since, until: last.at, limit: 10 });
      await pruneProvisioningLog(db, '2000-01-01T00:00:00.000Z');
      const plans = await Promise.all(
        t.database.queries
          .filter((q) => /"provisioning_log"/.test(q))
          .map(async (q) =>
            (
              await sql
                .raw<{ detail: string }>(`EXPLAIN QUERY PLAN ${q.replace(/\?/g, "'x'")}`)
                .execute(db)
            ).rows
              .map((r) => r.detail)
              .join(' | '),
          ),
      );
      expect(plans).toHaveLength(2);
      for (const plan of plans) {
        expect(plan).toMatch(
          /USING INDEX sqlite_autoindex_provisioning_log_1 \(id>\? AND id<\?\)|USING INDEX sqlite_autoindex_provisioning_log_1 \(id<\?\)/,
        );
      }
    });

    it('is pruned after the retention period', async () => {
      await t.scim('GET', 'Users?count=1');
      await t.app.provisioningLog.flush();
      const inFortyDays = new Date(Date.now() + 40 * 86_400_000);
      const report = await runMaintenance(
        t.database,
        { provisioningLogRetentionDays: 30 },
        inFortyDays,
      );
      expect(report.prunedLogEntries).toBeGreaterThan(0);
      expect(await listProvisioningLog(t.database.db, { limit: 10 })).toEqual([]);
    });
  });
}
