/**
 * The admin API's authentication and authorisation: console sessions (cookie flags, CSRF, when
 * they end), roles, the sign-in rate limit, first-run setup, API keys, and the wall between the
 * admin API and SCIM. Every test runs on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createSetupToken } from '../src/admin/setup.service.ts';
import { administratorsWhoCanSignIn, revokeRole } from '../src/directory/roles.service.ts';
import { ADMIN_PASSWORD, API, expectApiError, startAdminApp } from './support/admin.ts';
import type { AdminTestApp, Session } from './support/admin.ts';
import { oktaUser, patch } from './support/app.ts';
import { DIALECTS } from './support/databases.ts';

type User = { id: string; userName: string; role: string | null };

for (const dialect of DIALECTS) {
  describe(`admin API: authentication (${dialect})`, () => {
    let t: AdminTestApp;
    beforeAll(async () => {
      t = await startAdminApp(dialect);
    });
    afterAll(() => t.close());

    describe('console sessions', () => {
      it('signs in with a cookie that is httpOnly, SameSite=Lax, Secure on https, for 12 hours', async () => {
        const response = await t.api(
          'POST',
          '/session',
          { userName: 'ADMIN@example.com', password: ADMIN_PASSWORD },
          { as: null },
        );
        expect(response.statusCode, response.body).toBe(200);
        const cookie = response.cookies.find((c) => c.name === 'gatehouse_session')!;
        expect(cookie.httpOnly).toBe(true);
        expect(cookie.sameSite).toBe('Lax');
        expect(cookie.secure).toBe(true);
        expect(cookie.path).toBe('/');
        expect(cookie.maxAge).toBe(12 * 60 * 60);
        expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const body = response.json() as { user: User; csrfToken: string };
        expect(body.user.userName).toBe('admin@example.com');
        expect(body.user.role).toBe('admin');
        expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // Only the cookie's hash is stored.
        const stored = await t.database.db.selectFrom('sessions').select('id').execute();
        expect(stored.map((s) => s.id)).not.toContain(cookie.value);
      });

      it('answers the session with GET /session, and 401 without one', async () => {
        const response = await t.api('GET', '/session');
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({
          user: { userName: 'admin@example.com' },
          csrfToken: t.admin.csrfToken,
        });
        const anonymous = await t.api('GET', '/session', undefined, { as: null });
        expectApiError(anonymous, 401, 'unauthenticated');
        expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="gatehouse-api"/);
        const forged = await t.api('GET', '/session', undefined, {
          as: { cookie: 'not-a-session', csrfToken: 'x', userId: '' },
        });
        expectApiError(forged, 401, 'unauthenticated');
      });

      it('signs out with DELETE /session (CSRF header required): the cookie opens nothing after', async () => {
        const session = await t.signIn('admin@example.com', ADMIN_PASSWORD);
        const noHeader = await t.api('DELETE', '/session', undefined, {
          as: session,
          headers: { 'x-csrf-token': '' },
        });
        expectApiError(noHeader, 403, 'csrf');
        const out = await t.api('DELETE', '/session', undefined, { as: session });
        expect(out.statusCode).toBe(204);
        const cleared = out.cookies.find((c) => c.name === 'gatehouse_session');
        expect(cleared?.value).toBe('');
        expectApiError(
          await t.api('GET', '/users', undefined, { as: session }),
          401,
          'unauthenticated',
        );
      });

      it('refuses a wrong password and an unknown userName alike (401), never logging the password', async () => {
        const logs: string[] = [];
        const logged = await startAdminApp(dialect, { logs });
        try {
          const wrong = await logged.api(
            'POST',
            '/session',
            { userName: 'admin@example.com', password: 'wrong password 123' },
            { as: null },
          );
          const unknown = await logged.api(
            'POST',
            '/session',
            { userName: 'nobody@example.com', password: 'wrong password 456' },
            { as: null },
          );
          const a = expectApiError(wrong, 401, 'unauthenticated');
          const b = expectApiError(unknown, 401, 'unauthenticated');
          expect(a.message).toBe(b.message);
          expect(wrong.cookies).toEqual([]);
          const warnings = logs
            .map((line) => JSON.parse(line) as Record<string, unknown>)
            .filter((entry) => entry.level === 40 && entry.msg === 'sign-in failed');
          expect(warnings.map((w) => [w.userName, w.reason])).toEqual([
            ['admin@example.com', 'wrong_password'],
            ['nobody@example.com', 'unknown_user'],
          ]);
          // A secret in a query string is redacted from the request's log line too.
          await logged.app.inject({ url: '/scim/v2/Users?password=Leak-1&api_key=Leak-2&count=1' });
          expect(
            logs.some((line) => line.includes('password=[redacted]&api_key=[redacted]&count=1')),
          ).toBe(true);
          const all = logs.join('\n');
          for (const secret of [
            'Leak-1',
            'Leak-2',
            'wrong password 123',
            'wrong password 456',
            ADMIN_PASSWORD,
            logged.admin.cookie,
            logged.admin.csrfToken,
          ]) {
            expect(all).not.toContain(secret);
          }
        } finally {
          await logged.close();
        }
      });

      it('tells a user with the right password but no role, or inactive, why (403)', async () => {
        const created = await t.api('POST', '/users', {
          userName: 'norole@example.com',
          password: ADMIN_PASSWORD,
        });
        expect(created.statusCode).toBe(201);
        const noRole = await t.api(
          'POST',
          '/session',
          { userName: 'norole@example.com', password: ADMIN_PASSWORD },
          { as: null },
        );
        expect(expectApiError(noRole, 403, 'forbidden').message).toMatch(/no console role/);
        const { id } = created.json() as User;
        await t.api('PUT', `/users/${id}/role`, { role: 'viewer' });
        await t.api('PATCH', `/users/${id}`, { active: false });
        const inactive = await t.api(
          'POST',
          '/session',
          { userName: 'norole@example.com', password: ADMIN_PASSWORD },
          { as: null },
        );
        expect(expectApiError(inactive, 403, 'forbidden').message).toMatch(/not active/);
      });

      it('rate-limits sign-in per client address and per userName: 429 with Retry-After', async () => {
        // The default limit: 10 attempts a minute.
        const strict = await startAdminApp(dialect, {
          env: { GATEHOUSE_SIGN_IN_RATE_LIMIT: '' },
          noAdmin: true,
        });
        onTestFinished(() => strict.close());
        const attempt = (userName: string, address: string) =>
          strict.app.inject({
            method: 'POST',
            url: `${API}/session`,
            remoteAddress: address,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({ userName, password: 'guess guess guess' }),
          });
        // Ten attempts from one address (on ten userNames) pass; the eleventh does not.
        for (let i = 0; i < 10; i++) {
          expect((await attempt(`u${i}@example.com`, '192.0.2.1')).statusCode).toBe(401);
        }
        const limited = await attempt('u10@example.com', '192.0.2.1');
        expectApiError(limited, 429, 'rate_limited');
        expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        // Another address is not limited...
        expect((await attempt('u10@example.com', '192.0.2.2')).statusCode).toBe(401);
        // ...but one userName tried from many addresses is.
        for (let i = 0; i < 10; i++) {
          expect((await attempt('target@example.com', `198.51.100.${i}`)).statusCode).toBe(401);
        }
        expectApiError(await attempt('target@example.com', '198.51.100.200'), 429, 'rate_limited');
      });
    });

    describe('CSRF and roles', () => {
      it('refuses a state-changing request with the cookie but without the CSRF header (403 csrf)', async () => {
        const body = { displayName: 'csrf-group' };
        const none = await t.api('POST', '/groups', body, { headers: { 'x-csrf-token': '' } });
        expectApiError(none, 403, 'csrf');
        const wrong = await t.api('POST', '/groups', body, {
          headers: { 'x-csrf-token': 'A'.repeat(43) },
        });
        expectApiError(wrong, 403, 'csrf');
        // Reads need no header.
        const read = await t.api('GET', '/groups', undefined, { headers: { 'x-csrf-token': '' } });
        expect(read.statusCode).toBe(200);
        const ok = await t.api('POST', '/groups', body);
        expect(ok.statusCode, ok.body).toBe(201);
      });

      it('lets a viewer read and nothing else (403 forbidden)', async () => {
        const viewer = await t.userWithRole('viewer@example.com', 'viewer');
        expect((await t.api('GET', '/users', undefined, { as: viewer })).statusCode).toBe(200);
        expect((await t.api('GET', '/connections', undefined, { as: viewer })).statusCode).toBe(
          200,
        );
        expect((await t.api('GET', '/events', undefined, { as: viewer })).statusCode).toBe(200);
        for (const [method, url, body] of [
          ['POST', '/users', { userName: 'x@example.com' }],
          ['POST', '/groups', { displayName: 'viewers cannot' }],
          ['PUT', `/users/${viewer.userId}/role`, { role: 'admin' }],
          ['POST', '/connections', { name: 'nope' }],
          ['DELETE', `/users/${t.admin.userId}`, undefined],
        ] as const) {
          expectApiError(await t.api(method, url, body, { as: viewer }), 403, 'forbidden');
        }
        // API keys are for administrators, even to list.
        expectApiError(
          await t.api('GET', '/api-keys', undefined, { as: viewer }),
          403,
          'forbidden',
        );
        // A viewer signs out like anyone.
        expect((await t.api('DELETE', '/session', undefined, { as: viewer })).statusCode).toBe(204);
      });
    });

    describe('sessions end at once', () => {
      const stillOpen = async (session: Session) =>
        (await t.api('GET', '/session', undefined, { as: session })).statusCode;

      it('when the user loses their role, is deactivated, is deleted, or their password changes', async () => {
        const a = await t.userWithRole('ends-a@example.com', 'viewer');
        const b = await t.userWithRole('ends-b@example.com', 'viewer');
        const c = await t.userWithRole('ends-c@example.com', 'viewer');
        const d = await t.userWithRole('ends-d@example.com', 'viewer');
        expect(await stillOpen(a)).toBe(200);

        // Role taken away.
        expect((await t.api('PUT', `/users/${a.userId}/role`, { role: null })).statusCode).toBe(
          200,
        );
        expect(await stillOpen(a)).toBe(401);

        // Deactivated.
        await t.api('PATCH', `/users/${b.userId}`, { active: false });
        expect(await stillOpen(b)).toBe(401);

        // Deleted.
        expect((await t.api('DELETE', `/users/${c.userId}`)).statusCode).toBe(204);
        expect(await stillOpen(c)).toBe(401);

        // Ended, not paused: giving the access back does not open them again.
        expect((await t.api('PUT', `/users/${a.userId}/role`, { role: 'viewer' })).statusCode).toBe(
          200,
        );
        expect(await stillOpen(a)).toBe(401);
        await t.api('PATCH', `/users/${b.userId}`, { active: true });
        expect(await stillOpen(b)).toBe(401);
        await t.signIn('ends-b@example.com', ADMIN_PASSWORD);

        // Password changed: every session of theirs ends; the new password signs in.
        const d2 = await t.signIn('ends-d@example.com', ADMIN_PASSWORD);
        const changed = await t.api('PUT', `/users/${d.userId}/password`, {
          password: 'a brand new password',
        });
        expect(changed.statusCode).toBe(204);
        expect(await stillOpen(d)).toBe(401);
        expect(await stillOpen(d2)).toBe(401);
        await t.signIn('ends-d@example.com', 'a brand new password');
      });

      it('when the identity provider deprovisions a user who signs in (linked LOCAL user)', async () => {
        // A LOCAL viewer with a password, then linked by the IdP: still signs in (IDP users may,
        // with a local password), until the IdP deactivates them.
        const viewer = await t.userWithRole('linked.viewer@example.com', 'viewer');
        const linked = await t.scim('POST', 'Users', oktaUser('linked.viewer@example.com'));
        expect(linked.statusCode, linked.body).toBe(201);
        const user = (await t.api('GET', `/users/${viewer.userId}`)).json() as {
          origin: string;
        };
        expect(user.origin).toBe('IDP');
        expect(await stillOpen(viewer)).toBe(200);
        const again = await t.signIn('linked.viewer@example.com', ADMIN_PASSWORD);
        const off = await t.scim(
          'PATCH',
          `Users/${viewer.userId}`,
          patch({ op: 'replace', value: { active: false } }),
        );
        expect(off.statusCode, off.body).toBe(200);
        expect(await stillOpen(viewer)).toBe(401);
        expect(await stillOpen(again)).toBe(401);
        const refused = await t.api(
          'POST',
          '/session',
          { userName: 'linked.viewer@example.com', password: ADMIN_PASSWORD },
          { as: null },
        );
        expect(refused.statusCode).toBe(403);
        // Restored by the IdP, the old sessions stay ended; signing in works again.
        const on = await t.scim(
          'PATCH',
          `Users/${viewer.userId}`,
          patch({ op: 'replace', value: { active: true } }),
        );
        expect(on.statusCode, on.body).toBe(200);
        expect(await stillOpen(viewer)).toBe(401);
        expect(await stillOpen(again)).toBe(401);
        await t.signIn('linked.viewer@example.com', ADMIN_PASSWORD);
      });
    });

    describe('API keys', () => {
      it('are made by an administrator, shown once, work, show their last use, and are revoked', async () => {
        const created = await t.api('POST', '/api-keys', { name: 'deploy bot', role: 'viewer' });
        expect(created.statusCode, created.body).toBe(201);
        const key = created.json() as { id: string; key: string; prefix: string; role: string };
        expect(key.key).toMatch(/^gh_api_[A-Za-z0-9_-]{43}$/);
        expect(key.key.startsWith(key.prefix)).toBe(true);
        const stored = await t.database.db
          .selectFrom('api_keys')
          .select('key_hash')
          .where('id', '=', key.id)
          .executeTakeFirstOrThrow();
        expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/);

        const read = await t.api('GET', '/users', undefined, { as: key.key });
        expect(read.statusCode).toBe(200);
        // A viewer key reads only; a key needs no CSRF header.
        expectApiError(
          await t.api('POST', '/groups', { displayName: 'by key' }, { as: key.key }),
          403,
          'forbidden',
        );
        const adminKey = await t.apiKey('admin');
        expect(
          (await t.api('POST', '/groups', { displayName: 'by admin key' }, { as: adminKey }))
            .statusCode,
        ).toBe(201);

        // Settle the background last-use write before reading it.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const list = (await t.api('GET', '/api-keys')).json() as {
          items: { id: string; lastUsedAt: string | null; key?: string }[];
        };
        const listed = list.items.find((k) => k.id === key.id)!;
        expect(listed.lastUsedAt).not.toBeNull();
        expect(listed.key).toBeUndefined();

        expect((await t.api('DELETE', `/api-keys/${key.id}`)).statusCode).toBe(204);
        expectApiError(
          await t.api('GET', '/users', undefined, { as: key.key }),
          401,
          'unauthenticated',
        );
        expectApiError(await t.api('DELETE', '/api-keys/no-such-key'), 404, 'not_found');
      });

      it('refuses a name an active key has, whatever its case (409), even to concurrent creates', async () => {
        const first = await t.api('POST', '/api-keys', { name: 'nightly export', role: 'viewer' });
        expect(first.statusCode, first.body).toBe(201);
        const { id } = first.json() as { id: string };
        const taken = await t.api('POST', '/api-keys', { name: 'Nightly Export', role: 'admin' });
        expect(expectApiError(taken, 409, 'conflict').message).toBe(
          `An active API key is already named "nightly export" (${id}): choose another name, or revoke that key first.`,
        );
        // Revoked, its name is free again.
        expect((await t.api('DELETE', `/api-keys/${id}`)).statusCode).toBe(204);
        // Ten creates of one name at once, in rounds (the first meets a cold connection pool).
        for (let round = 0; round < 3; round++) {
          const names = Array.from({ length: 10 }, (_, i) => `Reuse ${round}${i % 2 ? 'X' : 'x'}`);
          const responses = await Promise.all(
            names.map((name) => t.api('POST', '/api-keys', { name, role: 'viewer' })),
          );
          const statuses = responses.map((r) => r.statusCode);
          expect(
            statuses.filter((s) => s === 201),
            JSON.stringify(statuses),
          ).toHaveLength(1);
          for (const r of responses.filter((r) => r.statusCode !== 201)) {
            expectApiError(r, 409, 'conflict');
          }
        }
        const reused = await t.api('POST', '/api-keys', { name: 'nightly export', role: 'viewer' });
        expect(reused.statusCode, reused.body).toBe(201);
        const active = (
          (await t.api('GET', '/api-keys')).json() as {
            items: { name: string; revokedAt: string | null }[];
          }
        ).items.filter((k) => k.revokedAt === null && /reuse|nightly/i.test(k.name));
        expect(active).toHaveLength(4);
      });

      it('refuses malformed and unknown keys (401)', async () => {
        for (const authorization of ['Basic abc', 'Bearer', 'Bearer gh_api_unknown']) {
          const response = await t.app.inject({
            method: 'GET',
            url: `${API}/users`,
            headers: { authorization },
          });
          expectApiError(response, 401, 'unauthenticated');
        }
      });
    });

    describe('the wall between the admin API and SCIM', () => {
      it('refuses SCIM tokens on /api and API keys and session cookies on /scim', async () => {
        const scimOnApi = await t.api('GET', '/users', undefined, { as: t.token });
        expect(expectApiError(scimOnApi, 401, 'unauthenticated').message).toMatch(/SCIM/);
        const key = await t.apiKey('admin');
        const keyOnScim = await t.scim('GET', 'Users', undefined, {
          authorization: `Bearer ${key}`,
        });
        expect(keyOnScim.statusCode).toBe(401);
        const cookieOnScim = await t.app.inject({
          method: 'GET',
          url: '/scim/v2/Users',
          headers: { cookie: `gatehouse_session=${t.admin.cookie}` },
        });
        expect(cookieOnScim.statusCode).toBe(401);
      });
    });

    describe('the OpenAPI document', () => {
      it('is served as JSON at /api/docs/json, listing every route, and as a UI at /api/docs', async () => {
        const response = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        const document = JSON.parse(response.body) as {
          openapi: string;
          paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        };
        expect(document.openapi).toMatch(/^3\./);
        const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
          Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
        );
        for (const route of [
          'POST /api/v1/session',
          'GET /api/v1/session',
          'DELETE /api/v1/session',
          'GET /api/v1/setup',
          'POST /api/v1/setup',
          'GET /api/v1/users',
          'POST /api/v1/users',
          'GET /api/v1/users/{id}',
          'PATCH /api/v1/users/{id}',
          'DELETE /api/v1/users/{id}',
          'PUT /api/v1/users/{id}/password',
          'PUT /api/v1/users/{id}/role',
          'GET /api/v1/users/{id}/events',
          'GET /api/v1/groups',
          'POST /api/v1/groups',
          'GET /api/v1/groups/{id}',
          'PATCH /api/v1/groups/{id}',
          'DELETE /api/v1/groups/{id}',
          'GET /api/v1/groups/{id}/members',
          'POST /api/v1/groups/{id}/members',
          'DELETE /api/v1/groups/{id}/members/{memberId}',
          'GET /api/v1/connections',
          'POST /api/v1/connections',
          'GET /api/v1/connections/{id}',
          'PATCH /api/v1/connections/{id}',
          'DELETE /api/v1/connections/{id}',
          'POST /api/v1/connections/{id}/rotate-token',
          'POST /api/v1/connections/{id}/revoke-tokens',
          'GET /api/v1/provisioning-log',
          'GET /api/v1/provisioning-log/{id}',
          'GET /api/v1/events',
          'GET /api/v1/overview',
          'GET /api/v1/api-keys',
          'POST /api/v1/api-keys',
          'DELETE /api/v1/api-keys/{id}',
        ]) {
          expect(routes).toContain(route);
        }
        // Nothing but the admin API.
        expect(routes.every((r) => r.includes(' /api/v1/'))).toBe(true);
        expect(document.paths['/api/v1/users']!.get!.responses['200']).toBeDefined();
        const ui = await t.app.inject({ method: 'GET', url: '/api/docs/' });
        expect(ui.statusCode).toBe(200);
        expect(ui.headers['content-type']).toMatch(/text\/html/);
        // Its HTML carries a CSP like the console's: scripts from the server only.
        const csp = String(ui.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("object-src 'none'");
        expect(csp).not.toContain('upgrade-insecure-requests');
      });
    });
  });

  describe(`admin API: setup again when no administrator can sign in (${dialect})`, () => {
    it('offers setup once the only administrator is deprovisioned by the identity provider', async () => {
      const t = await startAdminApp(dialect);
      try {
        const needed = async () =>
          ((await t.api('GET', '/setup', undefined, { as: null })).json() as { needed: boolean })
            .needed;
        expect(await needed()).toBe(false);
        // The only administrator left is an IdP user, which the IdP then deactivates.
        const created = await t.scim('POST', 'Users', oktaUser('idp.admin@example.com'));
        expect(created.statusCode, created.body).toBe(201);
        const idpAdmin = (created.json() as { id: string }).id;
        expect((await t.api('PUT', `/users/${idpAdmin}/role`, { role: 'admin' })).statusCode).toBe(
          200,
        );
        expect(
          (await t.api('PUT', `/users/${t.admin.userId}/role`, { role: null })).statusCode,
        ).toBe(200);
        expect(await needed()).toBe(false);
        const off = await t.scim(
          'PATCH',
          `Users/${idpAdmin}`,
          patch({ op: 'replace', value: { active: false } }),
        );
        expect(off.statusCode, off.body).toBe(200);
        expect(await needed()).toBe(true);
      } finally {
        await t.close();
      }
    });
  });

  describe(`admin API: two setup links used at once (${dialect})`, () => {
    let t: AdminTestApp;
    beforeAll(async () => {
      t = await startAdminApp(dialect, { noAdmin: true });
    });
    afterAll(() => t.close());

    it('makes one administrator: the other setup is refused and leaves no user behind', async () => {
      for (let round = 0; round < 3; round++) {
        const links = [
          await createSetupToken(t.database.db),
          await createSetupToken(t.database.db),
        ];
        const names = links.map((_, i) => `race-${round}-${i}@example.com`);
        const responses = await Promise.all(
          links.map(({ token }, i) =>
            t.api(
              'POST',
              '/setup',
              { token, userName: names[i], password: ADMIN_PASSWORD },
              { as: null },
            ),
          ),
        );
        const statuses = responses.map((r) => r.statusCode).sort();
        expect(statuses, `round ${round}`).toEqual([201, 409]);
        const admins = await administratorsWhoCanSignIn(t.database.db);
        expect(admins, `round ${round}`).toHaveLength(1);
        const users = await t.database.db
          .selectFrom('users')
          .select('user_name')
          .where('user_name', 'in', names)
          .execute();
        expect(users, `round ${round}`).toHaveLength(1);
        // Setup is needed again for the next round.
        await revokeRole(
          { db: t.database.db, dialect, actor: { kind: 'local', name: 'test' } },
          admins[0]!,
        );
      }
    });
  });

  describe(`admin API: first-run setup (${dialect})`, () => {
    let t: AdminTestApp;
    beforeAll(async () => {
      t = await startAdminApp(dialect, { noAdmin: true });
    });
    afterAll(() => t.close());

    const setup = (body: Record<string, unknown>) => t.api('POST', '/setup', body, { as: null });

    it('creates the first administrator with a one-time token, once', async () => {
      expect((await t.api('GET', '/setup', undefined, { as: null })).json()).toEqual({
        needed: true,
      });
      const { token } = await createSetupToken(t.database.db);
      const expired = await createSetupToken(t.database.db, new Date(Date.now() - 25 * 3600_000));

      expectApiError(
        await setup({
          token: expired.token,
          userName: 'first@example.com',
          password: ADMIN_PASSWORD,
        }),
        401,
        'unauthenticated',
      );
      expectApiError(
        await setup({
          token: 'gh_setup_guess',
          userName: 'first@example.com',
          password: ADMIN_PASSWORD,
        }),
        401,
        'unauthenticated',
      );
      // A refused password does not use the token up.
      const short = await setup({ token, userName: 'first@example.com', password: 'short' });
      expect(expectApiError(short, 400, 'invalid_request').details).toEqual({
        fields: { password: 'A password has at least 12 characters.' },
      });

      const done = await setup({
        token,
        userName: 'first@example.com',
        password: ADMIN_PASSWORD,
        displayName: 'First Admin',
      });
      expect(done.statusCode, done.body).toBe(201);
      const body = done.json() as { user: User & { origin: string }; csrfToken: string };
      expect(body.user).toMatchObject({
        userName: 'first@example.com',
        role: 'admin',
        origin: 'LOCAL',
      });
      const cookie = done.cookies.find((c) => c.name === 'gatehouse_session')!;
      const session = { cookie: cookie.value, csrfToken: body.csrfToken, userId: body.user.id };
      expect((await t.api('GET', '/session', undefined, { as: session })).statusCode).toBe(200);
      const hash = await t.database.db
        .selectFrom('user_credentials')
        .select('password_hash')
        .where('user_id', '=', body.user.id)
        .executeTakeFirstOrThrow();
      expect(hash.password_hash).toMatch(/^\$argon2id\$/);

      expect((await t.api('GET', '/setup', undefined, { as: null })).json()).toEqual({
        needed: false,
      });
      // Once an administrator exists, setup is refused, with a fresh token too.
      const fresh = await createSetupToken(t.database.db);
      expectApiError(
        await setup({
          token: fresh.token,
          userName: 'second@example.com',
          password: ADMIN_PASSWORD,
        }),
        409,
        'conflict',
      );

      // The used token stays used even if setup is needed again.
      await revokeRole(
        { db: t.database.db, dialect, actor: { kind: 'local', name: 'test' } },
        body.user.id,
      );
      expectApiError(
        await setup({ token, userName: 'third@example.com', password: ADMIN_PASSWORD }),
        401,
        'unauthenticated',
      );
      // A taken userName gives the token back for another try.
      const taken = await setup({
        token: fresh.token,
        userName: 'first@example.com',
        password: ADMIN_PASSWORD,
      });
      expectApiError(taken, 409, 'conflict');
      const retry = await setup({
        token: fresh.token,
        userName: 'fourth@example.com',
        password: ADMIN_PASSWORD,
      });
      expect(retry.statusCode, retry.body).toBe(201);
    });
  });
}
