/** The protocol's edges: auth, content types, bodies, limits, discovery, error format. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS } from './support/databases.ts';
import { gzipSync } from 'node:zlib';
import { GROUP_SCHEMA, json, oktaUser, PUBLIC_URL, SCIM, startTestApp } from './support/app.ts';
import type { TestApp } from './support/app.ts';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

for (const dialect of DIALECTS) {
  describe(`SCIM protocol (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, { GATEHOUSE_MAX_BODY_BYTES: '65536' });
    });
    afterAll(() => t.close());

    describe('authentication', () => {
      it('answers 401 with WWW-Authenticate without a token or with a wrong one', async () => {
        for (const authorization of [
          undefined,
          'Bearer nope',
          'Basic dXNlcjpwYXNz',
          `Bearer ${t.token}x`,
          'Bearer',
        ]) {
          const response = await t.app.inject({
            url: `${SCIM}/Users`,
            headers: authorization === undefined ? {} : { authorization },
          });
          expect(response.statusCode, authorization).toBe(401);
          expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="gatehouse-scim"/);
          expect(response.headers['x-content-type-options']).toBe('nosniff');
          expect(json(response)).toMatchObject({ schemas: [ERROR], status: '401' });
        }
      });

      it('serves the discovery endpoints without a token', async () => {
        for (const path of [
          'ServiceProviderConfig',
          'ResourceTypes',
          'ResourceTypes/User',
          'Schemas',
          'Schemas/urn:ietf:params:scim:schemas:core:2.0:Group',
        ]) {
          const response = await t.app.inject({ url: `${SCIM}/${path}` });
          expect(response.statusCode, path).toBe(200);
          expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
          // The server's security headers, on every answer (src/http/console.ts).
          expect(response.headers['x-content-type-options']).toBe('nosniff');
          expect(response.headers['x-frame-options']).toBe('DENY');
          expect(response.headers['referrer-policy']).toBe('same-origin');
        }
      });

      it('stops accepting a revoked token at once and never stores the token itself', async () => {
        const { createConnection, revokeTokens } =
          await import('../src/provisioning/connection.service.ts');
        const { connection, token } = await createConnection(t.database.db, 'entra', 'test');
        const ok = await t.app.inject({
          url: `${SCIM}/Users?count=1`,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(ok.statusCode).toBe(200);
        const rows = await t.database.db.selectFrom('connection_tokens').selectAll().execute();
        expect(JSON.stringify(rows)).not.toContain(token);
        await revokeTokens(t.database.db, connection.id, 'test');
        const revoked = await t.app.inject({
          url: `${SCIM}/Users?count=1`,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(revoked.statusCode).toBe(401);
      });

      it('keeps a rotated-out token working for the grace period only', async () => {
        const { createConnection, rotateToken } =
          await import('../src/provisioning/connection.service.ts');
        const { connection, token: first } = await createConnection(
          t.database.db,
          'onelogin',
          'test',
        );
        const { token: second } = await rotateToken(t.database.db, connection.id, 'test', 3600);
        for (const token of [first, second]) {
          const response = await t.app.inject({
            url: `${SCIM}/Users?count=1`,
            headers: { authorization: `Bearer ${token}` },
          });
          expect(response.statusCode).toBe(200);
        }
        const { token: third } = await rotateToken(t.database.db, connection.id, 'test', 0);
        const old = await t.app.inject({
          url: `${SCIM}/Users?count=1`,
          headers: { authorization: `Bearer ${second}` },
        });
        expect(old.statusCode).toBe(401);
        const current = await t.app.inject({
          url: `${SCIM}/Users?count=1`,
          headers: { authorization: `Bearer ${third}` },
        });
        expect(current.statusCode).toBe(200);
      });

      it('refuses a rotated-out token from the moment its grace ends, though recently seen', async () => {
        const { createConnection, rotateToken } =
          await import('../src/provisioning/connection.service.ts');
        const { connection, token: first } = await createConnection(
          t.database.db,
          'authentik',
          'test',
        );
        vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
        try {
          await rotateToken(t.database.db, connection.id, 'test', 1);
          const row = await t.database.db
            .selectFrom('connection_tokens')
            .select('expires_at')
            .where('connection_id', '=', connection.id)
            .where('expires_at', 'is not', null)
            .executeTakeFirstOrThrow();
          const ends = Date.parse(row.expires_at!);
          const status = async () =>
            (
              await t.app.inject({
                url: `${SCIM}/Users?count=1`,
                headers: { authorization: `Bearer ${first}` },
              })
            ).statusCode;
          // Seen (and so remembered by the process) a millisecond before its end...
          vi.setSystemTime(ends - 1);
          expect(await status()).toBe(200);
          // ...and refused at its end, the process's memory of it not a second old.
          vi.setSystemTime(ends);
          expect(await status()).toBe(401);
        } finally {
          vi.useRealTimers();
        }
      });
    });

    describe('token rotation bounds', () => {
      it('never brings an ended token back, and refuses a grace past 30 days', async () => {
        const { createConnection, revokeTokens, rotateToken, MAX_ROTATION_GRACE_SECONDS } =
          await import('../src/provisioning/connection.service.ts');
        const { connection, token: first } = await createConnection(
          t.database.db,
          'jumpcloud',
          'test',
        );
        await revokeTokens(t.database.db, connection.id, 'test');
        for (const grace of [MAX_ROTATION_GRACE_SECONDS + 1, 360_000_000_000, -1, 1.5]) {
          await expect(rotateToken(t.database.db, connection.id, 'test', grace)).rejects.toThrow(
            /between 0 and 30 days/,
          );
        }
        const { token: second } = await rotateToken(
          t.database.db,
          connection.id,
          'test',
          MAX_ROTATION_GRACE_SECONDS,
        );
        const status = async (token: string) =>
          (
            await t.app.inject({
              url: `${SCIM}/Users?count=1`,
              headers: { authorization: `Bearer ${token}` },
            })
          ).statusCode;
        expect(await status(first)).toBe(401);
        expect(await status(second)).toBe(200);
      });
    });

    describe('request bodies', () => {
      it('accepts application/json and application/scim+json with a charset', async () => {
        for (const [i, type] of [
          'application/json',
          'application/scim+json; charset=utf-8',
          'application/json; charset=UTF-8',
        ].entries()) {
          const response = await t.scim('POST', 'Users', oktaUser(`ctype${i}@example.com`), {
            'content-type': type,
          });
          expect(response.statusCode, type).toBe(201);
        }
      });

      it('answers 415 for other content types', async () => {
        const response = await t.scim('POST', 'Users', 'userName=x', {
          'content-type': 'application/x-www-form-urlencoded',
        });
        expect(response.statusCode).toBe(415);
        expect(json(response)).toMatchObject({ schemas: [ERROR], status: '415' });
      });

      it('answers 415 for text/plain, even holding JSON, and for a compressed body', async () => {
        const body = JSON.stringify(oktaUser('plain.text@example.com'));
        const plain = await t.scim('POST', 'Users', body, { 'content-type': 'text/plain' });
        expect(plain.statusCode, plain.body).toBe(415);
        expect(json(plain)).toMatchObject({ schemas: [ERROR], status: '415' });
        const gzipped = await t.app.inject({
          method: 'POST',
          url: `${SCIM}/Users`,
          headers: {
            authorization: `Bearer ${t.token}`,
            'content-type': 'application/scim+json',
            'content-encoding': 'gzip',
          },
          payload: gzipSync(body),
        });
        expect(gzipped.statusCode, gzipped.body).toBe(415);
        expect(json(gzipped)).toMatchObject({ schemas: [ERROR], status: '415' });
        expect(json(gzipped).detail).toContain('"gzip" is not supported');
        // Identity is no encoding at all.
        const identity = await t.scim('POST', 'Users', body, { 'content-encoding': 'identity' });
        expect(identity.statusCode, identity.body).toBe(201);
      });

      it('deletes with a Content-Type and no body, as authentik sends every request: 204', async () => {
        const headers: Record<string, string>[] = [
          { 'content-type': 'application/scim+json' },
          { 'content-type': 'application/json; charset=utf-8' },
          { 'content-type': 'text/plain', 'content-length': '0' },
          { 'content-type': 'application/x-www-form-urlencoded' },
        ];
        for (const [i, extra] of headers.entries()) {
          const user = json(await t.scim('POST', 'Users', oktaUser(`authentik.${i}@example.com`)));
          const group = json(
            await t.scim('POST', 'Groups', {
              schemas: [GROUP_SCHEMA],
              displayName: `authentik ${i}`,
            }),
          );
          for (const path of [`Users/${String(user.id)}`, `Groups/${String(group.id)}`]) {
            const response = await t.app.inject({
              method: 'DELETE',
              url: `${SCIM}/${path}`,
              headers: { authorization: `Bearer ${t.token}`, ...extra },
            });
            expect(response.statusCode, `${path} ${JSON.stringify(extra)}: ${response.body}`).toBe(
              204,
            );
            expect((await t.scim('GET', path)).statusCode).toBe(404);
          }
        }
        // A body on a DELETE of another type is still refused.
        const user = json(await t.scim('POST', 'Users', oktaUser('authentik.body@example.com')));
        const refused = await t.scim('DELETE', `Users/${String(user.id)}`, 'x=1', {
          'content-type': 'application/x-www-form-urlencoded',
        });
        expect(refused.statusCode).toBe(415);
      });

      it('answers malformed JSON and wrong shapes with 400 invalidSyntax or invalidValue', async () => {
        const cases: [string, string][] = [
          ['{"userName": ', 'invalidSyntax'],
          ['', 'invalidSyntax'],
          ['[1,2]', 'invalidSyntax'],
          ['"text"', 'invalidSyntax'],
          ['{"userName": 42}', 'invalidValue'],
          ['{"userName": "x", "active": "maybe"}', 'invalidValue'],
          ['{"userName": "x", "emails": {"value": "a@b"}}', 'invalidValue'],
          ['{"userName": "x", "nosuch": 1}', 'invalidValue'],
          ['{"schemas": ["urn:example:unknown"], "userName": "x"}', 'invalidValue'],
          ['{"name": {"givenName": "No userName"}}', 'invalidValue'],
          ['{"userName": "x", "__proto__": {"admin": true}}', 'invalidSyntax'],
        ];
        for (const [body, scimType] of cases) {
          const response = await t.scim('POST', 'Users', body);
          expect(response.statusCode, body).toBe(400);
          expect(json(response), body).toMatchObject({ schemas: [ERROR], status: '400', scimType });
        }
      });

      it('answers an oversized body with 413', async () => {
        const response = await t.scim(
          'POST',
          'Users',
          oktaUser('big@example.com', { title: 'x'.repeat(70_000) }),
        );
        expect(response.statusCode).toBe(413);
        expect(json(response)).toMatchObject({ schemas: [ERROR], status: '413' });
      });

      it('answers a malformed PATCH envelope with 400', async () => {
        const user = (
          await t.scim('POST', 'Users', oktaUser('patch.envelope@example.com'))
        ).json() as { id: string };
        for (const body of [
          {},
          { Operations: 'x' },
          { Operations: [{ op: 'explode', path: 'title' }] },
          { Operations: [{ op: 'add', path: 42 }] },
        ]) {
          const response = await t.scim('PATCH', `Users/${user.id}`, body);
          expect(response.statusCode, JSON.stringify(body)).toBe(400);
          expect(json(response).schemas).toEqual([ERROR]);
        }
      });
    });

    describe('limits', () => {
      it('refuses to list more group members than the limit in one response: 400 tooMany', async () => {
        const small = await startTestApp(dialect, { GATEHOUSE_MAX_MEMBERS_PER_RESPONSE: '3' });
        try {
          const ids: string[] = [];
          for (let i = 0; i < 4; i++) {
            ids.push(
              (
                (await small.scim('POST', 'Users', oktaUser(`limit${i}@example.com`))).json() as {
                  id: string;
                }
              ).id,
            );
          }
          const created = await small.scim('POST', 'Groups', {
            displayName: 'Big',
            members: ids.map((value) => ({ value })),
          });
          // The write is done: its response leaves the members out rather than fail.
          expect(created.statusCode).toBe(201);
          const group = created.json() as { id: string };
          expect(group).not.toHaveProperty('members');
          const full = await small.scim('GET', `Groups/${group.id}`);
          expect(full.statusCode).toBe(400);
          expect(json(full)).toMatchObject({ status: '400', scimType: 'tooMany' });
          expect(String(json(full).detail)).toContain('excludedAttributes=members');
          const lean = await small.scim('GET', `Groups/${group.id}?excludedAttributes=members`);
          expect(lean.statusCode).toBe(200);
        } finally {
          await small.close();
        }
      });
    });

    describe('routing and discovery', () => {
      it('answers unknown SCIM paths with a SCIM 404', async () => {
        const response = await t.scim('GET', 'Widgets');
        expect(response.statusCode).toBe(404);
        expect(json(response)).toMatchObject({ schemas: [ERROR], status: '404' });
      });

      it('answers /Me with 501: a connection acts for an identity provider, not a user', async () => {
        for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
          const response = await t.scim(method, 'Me');
          expect(response.statusCode, method).toBe(501);
          expect(json(response)).toMatchObject({ schemas: [ERROR], status: '501' });
        }
        const anonymous = await t.app.inject({ method: 'GET', url: `${SCIM}/Me` });
        expect(anonymous.statusCode).toBe(401);
      });

      it('refuses a filter on the discovery endpoints with 403 and ignores paging (RFC 7644 §4)', async () => {
        for (const path of ['ServiceProviderConfig', 'ResourceTypes', 'Schemas']) {
          for (const query of ['filter=id%20eq%20%22User%22', 'FILTER=id%20pr']) {
            const response = await t.app.inject({ method: 'GET', url: `${SCIM}/${path}?${query}` });
            expect(response.statusCode, `${path}?${query}`).toBe(403);
            expect(json(response)).toMatchObject({ schemas: [ERROR], status: '403' });
          }
          const paged = await t.app.inject({
            method: 'GET',
            url: `${SCIM}/${path}?count=1&startIndex=2&sortBy=id`,
          });
          expect(paged.statusCode, path).toBe(200);
        }
        const resourceTypes = await t.app.inject({ url: `${SCIM}/ResourceTypes?count=1` });
        expect((resourceTypes.json() as { totalResults: number }).totalResults).toBe(2);
      });

      it('answers an overlong id in SCIM form, never with a framework error body', async () => {
        const response = await t.scim('GET', `Users/${'x'.repeat(5000)}`);
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expect(json(response).schemas).toEqual([ERROR]);
      });

      it('answers hostile bodies with 400, never 500', async () => {
        for (const body of [
          '['.repeat(20_000) + ']'.repeat(20_000),
          '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
          '{"userName":"x","title":' + '['.repeat(20_000) + ']'.repeat(20_000) + '}',
          '{"userName":"x","active":1e400}',
          'null',
        ]) {
          const response = await t.scim('POST', 'Users', body);
          expect(response.statusCode, body.slice(0, 30)).toBe(400);
          expect(json(response).schemas).toEqual([ERROR]);
        }
      });

      it('tolerates a trailing slash, a bare ? and a trailing &', async () => {
        for (const path of [
          'Users/',
          'Users?',
          'Users?count=1&',
          'Users?aadOptscim062020&count=1',
        ]) {
          expect((await t.scim('GET', path)).statusCode, path).toBe(200);
        }
      });

      it('generates ResourceTypes and Schemas from the schema definitions', async () => {
        const types = (await t.app.inject({ url: `${SCIM}/ResourceTypes` })).json() as {
          totalResults: number;
          Resources: { id: string; schemaExtensions: unknown[]; meta: { location: string } }[];
        };
        expect(types.totalResults).toBe(2);
        const user = types.Resources.find((r) => r.id === 'User')!;
        expect(user.schemaExtensions).toEqual([
          { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
        ]);
        expect(user.meta.location).toBe(`${PUBLIC_URL}/scim/v2/ResourceTypes/User`);
        const schema = (
          await t.app.inject({ url: `${SCIM}/Schemas/urn:ietf:params:scim:schemas:core:2.0:User` })
        ).json() as {
          attributes: {
            name: string;
            caseExact: boolean;
            returned: string;
            mutability: string;
            uniqueness: string;
          }[];
        };
        const userName = schema.attributes.find((a) => a.name === 'userName')!;
        expect(userName).toMatchObject({ caseExact: false, uniqueness: 'server', required: true });
        expect(schema.attributes.find((a) => a.name === 'password')).toMatchObject({
          returned: 'never',
          mutability: 'writeOnly',
        });
        expect(schema.attributes.find((a) => a.name === 'groups')).toMatchObject({
          mutability: 'readOnly',
        });
        const missing = await t.app.inject({ url: `${SCIM}/Schemas/urn:nope` });
        expect(missing.statusCode).toBe(404);
      });

      it('advertises what it implements', async () => {
        const config = (
          await t.app.inject({ url: `${SCIM}/ServiceProviderConfig` })
        ).json() as Record<string, { supported: boolean }>;
        expect(config.patch!.supported).toBe(true);
        expect(config.filter!.supported).toBe(true);
        expect(config.sort!.supported).toBe(true);
        expect(config.etag!.supported).toBe(true);
        expect(config.bulk!.supported).toBe(false);
      });
    });
  });
}
