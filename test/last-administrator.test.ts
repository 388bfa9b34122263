/**
 * The last administrator who can sign in, under concurrent requests through the admin API: two
 * administrators each taking the other's access away at once (deactivation, deletion, the role
 * taken away or lowered to viewer). A serial execution lets the first through and refuses the
 * second, so exactly one succeeds and an administrator who can sign in remains, on SQLite (one
 * writer) and on PostgreSQL (requests really overlap on the pool).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { administratorsWhoCanSignIn } from '../src/directory/roles.service.ts';
import { ADMIN_PASSWORD, expectApiError, startAdminApp } from './support/admin.ts';
import type { AdminTestApp, Session } from './support/admin.ts';
import { DIALECTS } from './support/databases.ts';

type Take = (t: AdminTestApp, as: Session, userId: string) => Promise<LightMyRequestResponse>;

/** The admin API's ways of taking an administrator's access away. */
const TAKES: Record<string, Take> = {
  deactivate: (t, as, id) => t.api('PATCH', `/users/${id}`, { active: false }, { as }),
  delete: (t, as, id) => t.api('DELETE', `/users/${id}`, undefined, { as }),
  revoke: (t, as, id) => t.api('PUT', `/users/${id}/role`, { role: null }, { as }),
  viewer: (t, as, id) => t.api('PUT', `/users/${id}/role`, { role: 'viewer' }, { as }),
};

/** Each pair races twice: the odds that the requests interleave badly are not 1 on each try. */
const RACES: [keyof typeof TAKES, keyof typeof TAKES][] = [
  ['deactivate', 'deactivate'],
  ['delete', 'delete'],
  ['revoke', 'revoke'],
  ['deactivate', 'revoke'],
  ['revoke', 'delete'],
  ['viewer', 'deactivate'],
  ['delete', 'viewer'],
].flatMap((pair) => [pair, pair]) as [keyof typeof TAKES, keyof typeof TAKES][];

for (const dialect of DIALECTS) {
  describe(`admin API: the last administrator under concurrent requests (${dialect})`, () => {
    let t: AdminTestApp;
    beforeAll(async () => {
      t = await startAdminApp(dialect);
    });
    afterAll(() => t.close());

    /** A LOCAL administrator with a password, made by `by`, signed in. */
    async function newAdministrator(by: Session, userName: string): Promise<Session> {
      const created = await t.api(
        'POST',
        '/users',
        { userName, password: ADMIN_PASSWORD },
        { as: by },
      );
      expect(created.statusCode, created.body).toBe(201);
      const { id } = created.json() as { id: string };
      const granted = await t.api('PUT', `/users/${id}/role`, { role: 'admin' }, { as: by });
      expect(granted.statusCode, granted.body).toBe(200);
      return t.signIn(userName, ADMIN_PASSWORD);
    }

    it('lets exactly one of two administrators take the other’s access away', async () => {
      let survivor = t.admin;
      for (const [round, [first, second]] of RACES.entries()) {
        const other = await newAdministrator(survivor, `admin${round}@example.com`);
        expect(await administratorsWhoCanSignIn(t.database.db)).toHaveLength(2);
        const [a, b] = await Promise.all([
          TAKES[first]!(t, survivor, other.userId),
          TAKES[second]!(t, other, survivor.userId),
        ]);
        const label = `round ${round}, ${first} against ${second}: ${a.statusCode} ${b.statusCode}`;
        const won = [a, b].filter((r) => r.statusCode === 200 || r.statusCode === 204);
        expect(won, label).toHaveLength(1);
        const lost = won[0] === a ? b : a;
        const winnersTake = won[0] === a ? first : second;
        // Refused as the last administrator; or, when its session was read after the winner's
        // write had ended it, as signed out; or, when that write had lowered its role to viewer,
        // as a viewer (who may only read).
        if (lost.statusCode === 401) expectApiError(lost, 401, 'unauthenticated');
        else if (lost.statusCode === 403 && winnersTake === 'viewer')
          expect(expectApiError(lost, 403, 'forbidden').message).toMatch(/viewer may only read/);
        else expect(expectApiError(lost, 409, 'conflict').message).toMatch(/last administrator/);

        survivor = won[0] === a ? survivor : other;
        expect(await administratorsWhoCanSignIn(t.database.db), label).toEqual([survivor.userId]);
        const me = await t.api('GET', '/session', undefined, { as: survivor });
        expect(me.statusCode, me.body).toBe(200);
      }
      const setup = await t.api('GET', '/setup', undefined, { as: null });
      expect(setup.json()).toEqual({ needed: false });
    });
  });
}
