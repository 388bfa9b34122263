/**
 * The admin API's resources (docs/admin-api.md): users, groups and members, connections, the
 * provisioning log, the change feed and the overview; what IDP owns and the console may not
 * change; and errors in the contract's shape for every kind of bad request. Every test runs on
 * SQLite and PostgreSQL, with users and groups provisioned over SCIM as Okta sends them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, expectApiError, startAdminApp } from './support/admin.ts';
import type { AdminTestApp } from './support/admin.ts';
import { GROUP_SCHEMA, oktaUser, patch } from './support/app.ts';
import { DIALECTS } from './support/databases.ts';

interface UserItem {
  id: string;
  userName: string;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  origin: 'IDP' | 'LOCAL';
  connection: { id: string; name: string } | null;
  active: boolean;
  role: string | null;
  groupCount: number;
}
interface Page<T> {
  total: number;
  items: T[];
}
interface GroupItem {
  id: string;
  displayName: string;
  origin: string;
  connection: { id: string; name: string } | null;
  memberCount: number;
}
interface MemberItem {
  id: string;
  type: string;
  name: string;
  displayName: string | null;
  email: string | null;
  active: boolean | null;
  membershipOrigin: string;
  mappings: string[];
  connection: { id: string; name: string } | null;
  memberOrigin: string;
}

for (const dialect of DIALECTS) {
  describe(`admin API: resources (${dialect})`, () => {
    let t: AdminTestApp;
    /** IDP users made over SCIM, by userName. */
    const idp = new Map<string, string>();
    let engineering = '';

    beforeAll(async () => {
      t = await startAdminApp(dialect);
      for (const userName of [
        'alice.smith@example.com',
        'bob.jones@example.com',
        'carol.white@example.com',
        'dave.brown@example.com',
      ]) {
        const response = await t.scim('POST', 'Users', oktaUser(userName));
        expect(response.statusCode, response.body).toBe(201);
        idp.set(userName, (response.json() as { id: string }).id);
      }
      const group = await t.scim('POST', 'Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Engineering',
        members: [
          { value: idp.get('alice.smith@example.com') },
          { value: idp.get('bob.jones@example.com') },
        ],
      });
      expect(group.statusCode, group.body).toBe(201);
      engineering = (group.json() as { id: string }).id;
    });
    afterAll(() => t.close());

    const users = async (query = '') => {
      const response = await t.api('GET', `/users${query ? `?${query}` : ''}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as Page<UserItem>;
    };

    describe('users', () => {
      it('lists users with origin, connection, role and group count', async () => {
        const page = await users();
        expect(page.total).toBe(5);
        expect(page.items.map((u) => u.userName)).toEqual([
          'admin@example.com',
          'alice.smith@example.com',
          'bob.jones@example.com',
          'carol.white@example.com',
          'dave.brown@example.com',
        ]);
        const alice = page.items[1]!;
        expect(alice).toMatchObject({
          displayName: 'alice smith',
          givenName: 'alice',
          familyName: 'smith',
          email: 'alice.smith@example.com',
          origin: 'IDP',
          connection: { id: t.connectionId, name: 'okta' },
          active: true,
          role: null,
          groupCount: 1,
        });
        expect(page.items[0]).toMatchObject({ origin: 'LOCAL', connection: null, role: 'admin' });
      });

      it('searches userName, names and email, case-insensitively, as a substring', async () => {
        const created = await t.api('POST', '/users', {
          userName: 'erin',
          givenName: 'Érin',
          familyName: 'McLocal',
          email: 'Erin.Contact@Elsewhere.org',
          displayName: 'Erin the Local',
        });
        expect(created.statusCode, created.body).toBe(201);
        const names = async (search: string) =>
          (await users(`search=${encodeURIComponent(search)}`)).items.map((u) => u.userName);
        expect(await names('SMITH')).toEqual(['alice.smith@example.com']);
        expect(await names('mclocal')).toEqual(['erin']);
        expect(await names('élsewhere'.replace('é', 'e'))).toEqual(['erin']);
        expect(await names('érin')).toEqual(['erin']);
        expect(await names('the local')).toEqual(['erin']);
        expect(await names('b.jo')).toEqual(['bob.jones@example.com']);
        expect(await names('%')).toEqual([]);
        expect(await names('_')).toEqual([]);
        expect(await names('   ')).toHaveLength(6);
        const found = await users('search=example.com&limit=2');
        expect(found.total).toBe(5);
        expect(found.items).toHaveLength(2);
      });

      it('filters by origin, status and connection', async () => {
        expect((await users('origin=LOCAL')).items.map((u) => u.userName)).toEqual([
          'admin@example.com',
          'erin',
        ]);
        expect((await users('origin=IDP')).total).toBe(4);
        expect((await users(`connection=${t.connectionId}`)).total).toBe(4);
        const off = await t.scim(
          'PATCH',
          `Users/${idp.get('dave.brown@example.com')}`,
          patch({ op: 'replace', path: 'active', value: false }),
        );
        expect(off.statusCode).toBe(200);
        // The default policy deprovisions: Dave has left the platform, and every list.
        expect((await users()).items.map((u) => u.userName)).not.toContain(
          'dave.brown@example.com',
        );
        expect((await users('search=dave')).total).toBe(0);
        expectApiError(
          await t.api('GET', `/users/${idp.get('dave.brown@example.com')}`),
          404,
          'not_found',
        );
        // A suspended (inactive, listed) user is what status=inactive finds.
        await t.api('PATCH', `/users/${(await users('search=erin')).items[0]!.id}`, {
          active: false,
        });
        expect((await users('status=inactive')).items.map((u) => u.userName)).toEqual(['erin']);
        expect((await users('status=active')).total).toBe(4);
        await t.api('PATCH', `/users/${(await users('search=erin')).items[0]!.id}`, {
          active: true,
        });
      });

      it('sorts by each field both ways, and pages with a total', async () => {
        const order = async (sort: string, dir: string) =>
          (await users(`sort=${sort}&order=${dir}`)).items.map((u) => u.userName);
        const byName = await order('userName', 'asc');
        expect(await order('userName', 'desc')).toEqual([...byName].reverse());
        expect(await order('email', 'asc')).toEqual([
          // No email sorts first, on both databases.
          'admin@example.com',
          'alice.smith@example.com',
          'bob.jones@example.com',
          'carol.white@example.com',
          'erin',
        ]);
        expect((await order('origin', 'asc')).slice(0, 3)).toEqual([
          'alice.smith@example.com',
          'bob.jones@example.com',
          'carol.white@example.com',
        ]);
        expect((await order('displayName', 'desc'))[0]).toBe('erin');
        expect(await order('createdAt', 'asc')).toEqual([
          'admin@example.com',
          'alice.smith@example.com',
          'bob.jones@example.com',
          'carol.white@example.com',
          'erin',
        ]);
        expect((await order('updatedAt', 'desc'))[0]).toBe('erin');
        const pages = [];
        for (let offset = 0; offset < 5; offset += 2) {
          const page = await users(`limit=2&offset=${offset}`);
          expect(page.total).toBe(5);
          pages.push(...page.items.map((u) => u.userName));
        }
        expect(pages).toEqual(byName);
        expect((await users('limit=2&offset=10')).items).toEqual([]);
      });

      it('shows one user with their groups, SCIM representation and externalId', async () => {
        const alice = idp.get('alice.smith@example.com')!;
        const response = await t.api('GET', `/users/${alice}`);
        expect(response.statusCode).toBe(200);
        const body = response.json() as UserItem & {
          externalId: string;
          groups: unknown[];
          scim: Record<string, unknown>;
        };
        expect(body.externalId).toBe(oktaUser('alice.smith@example.com').externalId);
        expect(body.groups).toEqual([
          {
            id: engineering,
            displayName: 'Engineering',
            type: 'direct',
            origin: 'IDP',
            connection: { id: t.connectionId, name: 'okta' },
            mappings: ['IDP'],
          },
        ]);
        expect(body.scim).toMatchObject({
          id: alice,
          userName: 'alice.smith@example.com',
          meta: { resourceType: 'User', location: `https://gatehouse.test/scim/v2/Users/${alice}` },
        });
        expect(body.scim.password).toBeUndefined();
        expectApiError(await t.api('GET', '/users/nope'), 404, 'not_found');
      });

      it('creates LOCAL users; a taken userName is a conflict; a short password is refused', async () => {
        const response = await t.api('POST', '/users', {
          userName: 'frank@example.com',
          displayName: 'Frank',
          email: 'frank@example.com',
          password: 'frank has a long password',
        });
        expect(response.statusCode, response.body).toBe(201);
        expect(response.json()).toMatchObject({
          userName: 'frank@example.com',
          origin: 'LOCAL',
          connection: null,
          role: null,
          groupCount: 0,
        });
        expectApiError(
          await t.api('POST', '/users', { userName: 'FRANK@example.com' }),
          409,
          'conflict',
        );
        const short = await t.api('POST', '/users', { userName: 'g@example.com', password: 'x' });
        expect(expectApiError(short, 400, 'invalid_request').details).toEqual({
          fields: { password: 'A password has at least 12 characters.' },
        });
        expect((await users('search=g@example.com')).total).toBe(0);
      });

      it('changes LOCAL users (null clears a field), and refuses IDP users with idp_owned', async () => {
        const frank = (await users('search=frank')).items[0]!;
        const changed = await t.api('PATCH', `/users/${frank.id}`, {
          userName: 'franklin@example.com',
          givenName: 'Franklin',
          familyName: 'Local',
          displayName: null,
          email: 'franklin@example.org',
        });
        expect(changed.statusCode, changed.body).toBe(200);
        expect(changed.json()).toMatchObject({
          userName: 'franklin@example.com',
          givenName: 'Franklin',
          familyName: 'Local',
          displayName: null,
          email: 'franklin@example.org',
        });
        expect((await users('search=example.org')).items.map((u) => u.id)).toEqual([frank.id]);

        const alice = idp.get('alice.smith@example.com')!;
        const refused = await t.api('PATCH', `/users/${alice}`, { displayName: 'Nope' });
        const error = expectApiError(refused, 409, 'idp_owned');
        expect(error.message).toBe(
          'User "alice.smith@example.com" is provisioned by the connection "okta": change it in the identity provider.',
        );
        expect(error.details).toEqual({ connection: { id: t.connectionId, name: 'okta' } });
        expectApiError(await t.api('DELETE', `/users/${alice}`), 409, 'idp_owned');
        expectApiError(
          await t.api('PUT', `/users/${alice}/password`, { password: ADMIN_PASSWORD }),
          409,
          'idp_owned',
        );
        expectApiError(
          await t.api('PATCH', `/users/${frank.id}`, { userName: 'alice.smith@example.com' }),
          409,
          'conflict',
        );
      });

      it('sets roles (IDP users too); the last administrator keeps theirs', async () => {
        const bob = idp.get('bob.jones@example.com')!;
        const granted = await t.api('PUT', `/users/${bob}/role`, { role: 'viewer' });
        expect(granted.statusCode, granted.body).toBe(200);
        expect((granted.json() as UserItem).role).toBe('viewer');
        const revoked = await t.api('PUT', `/users/${bob}/role`, { role: null });
        expect((revoked.json() as UserItem).role).toBeNull();
        const last = await t.api('PUT', `/users/${t.admin.userId}/role`, { role: 'viewer' });
        expect(expectApiError(last, 409, 'conflict').message).toMatch(/last administrator/);
        expectApiError(await t.api('DELETE', `/users/${t.admin.userId}`), 409, 'conflict');
        // Deactivated, the last administrator could no longer sign in either.
        const off = await t.api('PATCH', `/users/${t.admin.userId}`, { active: false });
        expect(expectApiError(off, 409, 'conflict').message).toMatch(/last administrator/);
        expectApiError(
          await t.api('PUT', `/users/${bob}/role`, { role: 'owner' }),
          400,
          'invalid_request',
        );
      });

      it("lists a user's changes, newest first", async () => {
        const bob = idp.get('bob.jones@example.com')!;
        const response = await t.api('GET', `/users/${bob}/events?limit=2`);
        expect(response.statusCode).toBe(200);
        const { items } = response.json() as { items: { seq: number; type: string }[] };
        expect(items.map((e) => e.type)).toEqual(['user.role_revoked', 'user.role_granted']);
        expect(items[0]!.seq).toBeGreaterThan(items[1]!.seq);
      });

      it('lists the membership changes that involve a user among their changes', async () => {
        const bob = idp.get('bob.jones@example.com')!;
        const response = await t.api('GET', `/users/${bob}/events?limit=100`);
        const { items } = response.json() as {
          items: { type: string; resourceId: string; relatedId?: string }[];
        };
        expect(items.at(-1)).toMatchObject({ type: 'user.created', resourceId: bob });
        expect(items).toContainEqual(
          expect.objectContaining({
            type: 'group.member_added',
            resourceId: engineering,
            relatedId: bob,
          }),
        );
      });

      it('deletes LOCAL users', async () => {
        const frank = (await users('search=franklin')).items[0]!;
        expect((await t.api('DELETE', `/users/${frank.id}`)).statusCode).toBe(204);
        expectApiError(await t.api('GET', `/users/${frank.id}`), 404, 'not_found');
        expectApiError(await t.api('DELETE', `/users/${frank.id}`), 404, 'not_found');
      });
    });

    describe('groups and members', () => {
      const members = async (groupId: string, query = '') => {
        const response = await t.api(
          'GET',
          `/groups/${groupId}/members${query ? `?${query}` : ''}`,
        );
        expect(response.statusCode, response.body).toBe(200);
        return response.json() as Page<MemberItem>;
      };

      it('lists groups with member counts; searches, filters and sorts them', async () => {
        const local = await t.api('POST', '/groups', { displayName: 'Local Admins' });
        expect(local.statusCode, local.body).toBe(201);
        expect(local.json()).toMatchObject({
          displayName: 'Local Admins',
          origin: 'LOCAL',
          connection: null,
          memberCount: 0,
          externalId: null,
        });
        const response = await t.api('GET', '/groups');
        const page = response.json() as Page<GroupItem>;
        expect(page.items.map((g) => [g.displayName, g.origin, g.memberCount])).toEqual([
          ['Engineering', 'IDP', 2],
          ['Local Admins', 'LOCAL', 0],
        ]);
        expect(page.items[0]!.connection).toEqual({ id: t.connectionId, name: 'okta' });
        const search = (await t.api('GET', '/groups?search=ADMIN')).json() as Page<GroupItem>;
        expect(search.items.map((g) => g.displayName)).toEqual(['Local Admins']);
        const idpOnly = (await t.api('GET', '/groups?origin=IDP')).json() as Page<GroupItem>;
        expect(idpOnly.total).toBe(1);
        const byCount = (
          await t.api('GET', '/groups?sort=memberCount&order=desc')
        ).json() as Page<GroupItem>;
        expect(byCount.items[0]!.displayName).toBe('Engineering');
        const one = await t.api('GET', `/groups/${engineering}`);
        expect(one.json()).toMatchObject({ id: engineering, memberCount: 2, origin: 'IDP' });
        expectApiError(await t.api('GET', '/groups/nope'), 404, 'not_found');
      });

      it('adds a LOCAL membership to an IDP group, which the IdP leaves alone', async () => {
        const carol = idp.get('carol.white@example.com')!;
        const added = await t.api('POST', `/groups/${engineering}/members`, { memberId: carol });
        expect(added.statusCode, added.body).toBe(201);
        expect(added.json()).toEqual({
          memberId: carol,
          membershipOrigin: 'LOCAL',
          mappings: ['LOCAL'],
        });
        expectApiError(
          await t.api('POST', `/groups/${engineering}/members`, { memberId: carol }),
          409,
          'conflict',
        );
        expectApiError(
          await t.api('POST', `/groups/${engineering}/members`, { memberId: 'nobody' }),
          404,
          'not_found',
        );
        // Okta pushes the group again with its two members: the LOCAL one stays.
        const put = await t.scim('PUT', `Groups/${engineering}`, {
          schemas: [GROUP_SCHEMA],
          displayName: 'Engineering',
          members: [
            { value: idp.get('alice.smith@example.com') },
            { value: idp.get('bob.jones@example.com') },
          ],
        });
        expect(put.statusCode, put.body).toBe(200);
        const page = await members(engineering);
        expect(page.total).toBe(3);
        expect(
          page.items.map((m) => [m.name, m.membershipOrigin, m.connection?.name ?? null]),
        ).toEqual([
          ['alice.smith@example.com', 'IDP', 'okta'],
          ['bob.jones@example.com', 'IDP', 'okta'],
          ['carol.white@example.com', 'LOCAL', null],
        ]);
        expect(page.items[0]).toMatchObject({
          type: 'User',
          displayName: 'alice smith',
          email: 'alice.smith@example.com',
          active: true,
          memberOrigin: 'IDP',
        });
      });

      it('removes LOCAL memberships only: an IDP mapping is idp_owned', async () => {
        const alice = idp.get('alice.smith@example.com')!;
        const carol = idp.get('carol.white@example.com')!;
        const refused = await t.api('DELETE', `/groups/${engineering}/members/${alice}`);
        expect(expectApiError(refused, 409, 'idp_owned').message).toMatch(/"okta"/);
        expect((await t.api('DELETE', `/groups/${engineering}/members/${carol}`)).statusCode).toBe(
          204,
        );
        expectApiError(
          await t.api('DELETE', `/groups/${engineering}/members/${carol}`),
          404,
          'not_found',
        );
        expect((await members(engineering)).total).toBe(2);
      });

      it("holds a membership by the IdP's mapping and a LOCAL one together; each side removes only its own", async () => {
        const alice = idp.get('alice.smith@example.com')!;
        const carol = idp.get('carol.white@example.com')!;
        const mappingsOf = async (id: string) => {
          const item = (await members(engineering, 'limit=100')).items.find((m) => m.id === id);
          return item
            ? [item.membershipOrigin, item.mappings, item.connection?.name ?? null]
            : null;
        };
        const okta = (op: 'add' | 'remove', id: string) =>
          t.scim(
            'PATCH',
            `Groups/${engineering}`,
            op === 'add'
              ? patch({ op: 'add', path: 'members', value: [{ value: id }] })
              : patch({ op: 'remove', path: `members[value eq "${id}"]` }),
          );
        const since = (
          (await t.api('GET', '/events?order=desc&limit=1')).json() as { items: { seq: number }[] }
        ).items[0]!.seq;

        // A LOCAL mapping beside Okta's: the membership stays Okta's, held twice.
        const added = await t.api('POST', `/groups/${engineering}/members`, { memberId: alice });
        expect(added.statusCode, added.body).toBe(201);
        expect(added.json()).toEqual({
          memberId: alice,
          membershipOrigin: 'IDP',
          mappings: ['IDP', 'LOCAL'],
        });
        expect(await mappingsOf(alice)).toEqual(['IDP', ['IDP', 'LOCAL'], 'okta']);
        expectApiError(
          await t.api('POST', `/groups/${engineering}/members`, { memberId: alice }),
          409,
          'conflict',
        );
        // Okta unassigns her: the LOCAL mapping keeps her in the group.
        expect((await okta('remove', alice)).statusCode).toBe(204);
        expect(await mappingsOf(alice)).toEqual(['LOCAL', ['LOCAL'], null]);
        const detail = (await t.api('GET', `/users/${alice}`)).json() as {
          groups: { id: string; origin: string; mappings: string[] }[];
        };
        expect(detail.groups.find((g) => g.id === engineering)).toMatchObject({
          origin: 'LOCAL',
          mappings: ['LOCAL'],
        });
        // Okta assigns her again: both hold it; the console's removal takes its own only.
        expect((await okta('add', alice)).statusCode).toBe(204);
        expect(await mappingsOf(alice)).toEqual(['IDP', ['IDP', 'LOCAL'], 'okta']);
        expect((await t.api('DELETE', `/groups/${engineering}/members/${alice}`)).statusCode).toBe(
          204,
        );
        expect(await mappingsOf(alice)).toEqual(['IDP', ['IDP'], 'okta']);
        expectApiError(
          await t.api('DELETE', `/groups/${engineering}/members/${alice}`),
          409,
          'idp_owned',
        );

        // Okta's add of someone the console added first gives the membership Okta's mapping too,
        // and a PUT without them takes Okta's away, not the LOCAL one.
        expect(
          (await t.api('POST', `/groups/${engineering}/members`, { memberId: carol })).statusCode,
        ).toBe(201);
        const everyone = (ids: string[]) =>
          t.scim('PUT', `Groups/${engineering}`, {
            schemas: [GROUP_SCHEMA],
            displayName: 'Engineering',
            members: ids.map((value) => ({ value })),
          });
        const bob = idp.get('bob.jones@example.com')!;
        expect((await everyone([alice, bob, carol])).statusCode).toBe(200);
        expect(await mappingsOf(carol)).toEqual(['IDP', ['IDP', 'LOCAL'], 'okta']);
        expect((await everyone([alice, bob])).statusCode).toBe(200);
        expect(await mappingsOf(carol)).toEqual(['LOCAL', ['LOCAL'], null]);
        // Okta maps her again, then the console lets go: Okta's mapping alone holds her, and
        // Okta's removal ends the membership.
        expect((await everyone([alice, bob, carol])).statusCode).toBe(200);
        expect((await t.api('DELETE', `/groups/${engineering}/members/${carol}`)).statusCode).toBe(
          204,
        );
        expect(await mappingsOf(carol)).toEqual(['IDP', ['IDP'], 'okta']);
        expect((await okta('remove', carol)).statusCode).toBe(204);
        expect(await mappingsOf(carol)).toBeNull();

        // The feed: a membership begins and ends once; a mapping that comes or goes while the
        // other holds the membership is `group.membership_updated`.
        const feed = (
          (await t.api('GET', `/events?after=${since}&limit=100`)).json() as {
            items: { type: string; relatedId?: string; summary: Record<string, unknown> }[];
          }
        ).items.filter((e) => e.type.startsWith('group.member'));
        const of = (id: string) =>
          feed
            .filter((e) => e.relatedId === id)
            .map((e) =>
              e.type === 'group.membership_updated'
                ? `${String(e.summary.change)} ${String(e.summary.mapping)}`
                : e.type,
            );
        expect(of(alice)).toEqual(['added LOCAL', 'removed IDP', 'added IDP', 'removed LOCAL']);
        expect(of(carol)).toEqual([
          'group.member_added',
          'added IDP',
          'removed IDP',
          'added IDP',
          'removed LOCAL',
          'group.member_removed',
        ]);
        expect(feed.find((e) => e.type === 'group.membership_updated')?.summary).toEqual({
          memberId: alice,
          memberType: 'User',
          mapping: 'LOCAL',
          change: 'added',
        });
      });

      it('pages and searches members by name, groups and users alike, without deprovisioned users', async () => {
        const big = (
          (await t.api('POST', '/groups', { displayName: 'Big Group' })).json() as GroupItem
        ).id;
        const ids: string[] = [];
        for (let i = 0; i < 25; i++) {
          const created = await t.api('POST', '/users', {
            userName: `member-${String(i).padStart(2, '0')}`,
          });
          ids.push((created.json() as UserItem).id);
        }
        // Added in reverse: the list is in name order, not in the order of adding.
        for (const id of [...ids].reverse()) {
          const added = await t.api('POST', `/groups/${big}/members`, { memberId: id });
          expect(added.statusCode, added.body).toBe(201);
        }
        expect(
          (await t.api('POST', `/groups/${big}/members`, { memberId: engineering })).statusCode,
        ).toBe(201);
        const seen: string[] = [];
        for (let offset = 0; offset < 26; offset += 10) {
          const page = await members(big, `limit=10&offset=${offset}`);
          expect(page.total).toBe(26);
          seen.push(...page.items.map((m) => m.name));
        }
        expect(seen).toEqual([
          'Engineering',
          ...Array.from({ length: 25 }, (_, i) => `member-${String(i).padStart(2, '0')}`),
        ]);
        const group = (await members(big, 'search=ENGIN')).items[0]!;
        expect(group).toMatchObject({ type: 'Group', active: null, memberOrigin: 'IDP' });
        expect((await members(big, 'search=member-1')).items.map((m) => m.name)).toEqual(
          Array.from({ length: 10 }, (_, i) => `member-1${i}`),
        );
        // A rename moves the member in the order.
        await t.api('PATCH', `/users/${ids[0]}`, { userName: 'zz-last' });
        expect((await members(big, 'limit=1&offset=25')).items[0]!.name).toBe('zz-last');
        expect((await t.api('GET', `/groups/${big}`)).json()).toMatchObject({ memberCount: 26 });

        // Deprovisioned members leave the list and the count.
        const dave = idp.get('dave.brown@example.com')!;
        const restored = await t.scim(
          'PATCH',
          `Users/${dave}`,
          patch({ op: 'replace', path: 'active', value: true }),
        );
        expect(restored.statusCode).toBe(200);
        await t.api('POST', `/groups/${big}/members`, { memberId: dave });
        expect((await members(big)).total).toBe(27);
        await t.scim(
          'PATCH',
          `Users/${dave}`,
          patch({ op: 'replace', path: 'active', value: false }),
        );
        expect((await members(big)).total).toBe(26);
        expect((await t.api('GET', `/groups/${big}`)).json()).toMatchObject({ memberCount: 26 });
      });

      it('renames and deletes LOCAL groups; IDP groups are idp_owned', async () => {
        const local = (
          (await t.api('GET', '/groups?search=local admins')).json() as Page<GroupItem>
        ).items[0]!;
        const renamed = await t.api('PATCH', `/groups/${local.id}`, {
          displayName: 'Platform Admins',
        });
        expect(renamed.statusCode, renamed.body).toBe(200);
        expect((renamed.json() as GroupItem).displayName).toBe('Platform Admins');
        expectApiError(
          await t.api('PATCH', `/groups/${local.id}`, { displayName: 'engineering' }),
          409,
          'conflict',
        );
        const idpRename = await t.api('PATCH', `/groups/${engineering}`, { displayName: 'Eng' });
        expect(expectApiError(idpRename, 409, 'idp_owned').message).toBe(
          'Group "Engineering" is provisioned by the connection "okta": change it in the identity provider.',
        );
        expectApiError(await t.api('DELETE', `/groups/${engineering}`), 409, 'idp_owned');
        expect((await t.api('DELETE', `/groups/${local.id}`)).statusCode).toBe(204);
        expectApiError(await t.api('GET', `/groups/${local.id}`), 404, 'not_found');
      });
    });

    describe('connections', () => {
      it('lists, creates (token shown once, working), changes, rotates, revokes and deletes', async () => {
        const list = (await t.api('GET', '/connections')).json() as {
          items: { name: string; tokens: unknown[]; settings: Record<string, unknown> }[];
          scimBaseUrl: string;
        };
        expect(list.scimBaseUrl).toBe('https://gatehouse.test/scim/v2');
        expect(list.items[0]).toMatchObject({
          name: 'okta',
          settings: {
            dialect: 'auto',
            deprovisionPolicy: 'delete',
            retentionDays: 30,
            linkLocalUsers: true,
            rateLimit: null,
          },
        });
        expect(list.items[0]!.tokens).toHaveLength(1);

        const created = await t.api('POST', '/connections', { name: 'entra' });
        expect(created.statusCode, created.body).toBe(201);
        const entra = created.json() as { id: string; token: string; scimBaseUrl: string };
        expect(entra.token).toMatch(/^gh_scim_/);
        const scimAs = (token: string) =>
          t.scim('GET', 'Users?count=1', undefined, { authorization: `Bearer ${token}` });
        expect((await scimAs(entra.token)).statusCode).toBe(200);
        expect(
          ((await t.api('GET', `/connections/${entra.id}`)).json() as { token?: string }).token,
        ).toBeUndefined();
        expectApiError(await t.api('POST', '/connections', { name: 'ENTRA' }), 409, 'conflict');
        expectApiError(await t.api('POST', '/connections', { name: '!!' }), 400, 'invalid_request');

        const changed = await t.api('PATCH', `/connections/${entra.id}`, {
          deprovisionPolicy: 'suspend',
          rateLimit: 50,
        });
        expect(changed.statusCode, changed.body).toBe(200);
        expect(changed.json()).toMatchObject({
          settings: { deprovisionPolicy: 'suspend', rateLimit: 50, retentionDays: 30 },
        });
        expectApiError(
          await t.api('PATCH', `/connections/${entra.id}`, { rateLimit: 5 }),
          400,
          'invalid_request',
        );

        const rotated = await t.api('POST', `/connections/${entra.id}/rotate-token`, {
          graceSeconds: 0,
        });
        expect(rotated.statusCode, rotated.body).toBe(200);
        const { token } = rotated.json() as { token: string };
        expect((await scimAs(token)).statusCode).toBe(200);
        // No body at all: the default grace of 24 hours.
        const again = await t.api('POST', `/connections/${entra.id}/rotate-token`);
        expect(again.statusCode, again.body).toBe(200);
        const extra = await t.api('POST', `/connections/${entra.id}/revoke-tokens`, { x: 1 });
        expect(expectApiError(extra, 400, 'invalid_request').details).toEqual({
          fields: { x: 'is not a field of this request' },
        });
        const revoked = await t.api('POST', `/connections/${entra.id}/revoke-tokens`);
        expect(revoked.json()).toEqual({ revoked: 2 });
        await new Promise((resolve) => setTimeout(resolve, 1100)); // SCIM keeps tokens 1 s
        expect((await scimAs(token)).statusCode).toBe(401);
        expect((await t.api('DELETE', `/connections/${entra.id}`)).statusCode).toBe(204);
        expectApiError(await t.api('GET', `/connections/${entra.id}`), 404, 'not_found');
      });
    });

    describe('provisioning log, change feed and overview', () => {
      it('lists SCIM requests newest first, failures only, and one with its redacted body', async () => {
        const failed = await t.scim('POST', 'Users', { schemas: [], password: 'Secret-123' });
        expect(failed.statusCode).toBe(400);
        const all = await t.api('GET', '/provisioning-log?limit=2');
        expect(all.statusCode, all.body).toBe(200);
        const page = all.json() as { items: { id: string; status: number }[]; next: string | null };
        expect(page.items).toHaveLength(2);
        expect(page.next).toBe(page.items[1]!.id);
        const next = (
          await t.api('GET', `/provisioning-log?limit=2&before=${page.next}`)
        ).json() as {
          items: { id: string }[];
        };
        expect(next.items[0]!.id < page.next!).toBe(true);
        const failures = (
          await t.api('GET', `/provisioning-log?failed=true&connection=${t.connectionId}`)
        ).json() as {
          items: {
            id: string;
            status: number;
            method: string;
            errorDetail: string;
            requestBody?: unknown;
          }[];
        };
        expect(failures.items[0]).toMatchObject({ status: 400, method: 'POST' });
        expect(failures.items[0]!.requestBody).toBeUndefined();
        const one = await t.api('GET', `/provisioning-log/${failures.items[0]!.id}`);
        expect(one.statusCode).toBe(200);
        expect((one.json() as { requestBody: unknown }).requestBody).toEqual({
          schemas: [],
          password: '[redacted]',
        });
        expectApiError(await t.api('GET', '/provisioning-log/nope'), 404, 'not_found');
        expectApiError(
          await t.api('GET', '/provisioning-log?since=yesterday'),
          400,
          'invalid_request',
        );
        const since = (
          await t.api(
            'GET',
            `/provisioning-log?since=${new Date(Date.now() + 60_000).toISOString()}`,
          )
        ).json() as { items: unknown[] };
        expect(since.items).toEqual([]);
      });

      it('follows the change feed with after=, by resource, both ways', async () => {
        const first = (await t.api('GET', '/events?limit=3')).json() as {
          items: { seq: number; type: string; resourceId: string }[];
          lastSeq: number;
        };
        expect(first.items.map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(first.lastSeq).toBe(3);
        const next = (await t.api('GET', `/events?after=${first.lastSeq}&limit=2`)).json() as {
          items: { seq: number }[];
          lastSeq: number;
        };
        expect(next.items.map((e) => e.seq)).toEqual([4, 5]);
        const newest = (await t.api('GET', '/events?order=desc&limit=1')).json() as {
          items: { seq: number }[];
          lastSeq: number;
        };
        const end = (await t.api('GET', `/events?after=${newest.lastSeq}`)).json() as {
          items: unknown[];
          lastSeq: number;
        };
        expect(end).toEqual({ items: [], lastSeq: newest.lastSeq });
        const older = (
          await t.api('GET', `/events?order=desc&limit=2&before=${newest.lastSeq}`)
        ).json() as {
          items: { seq: number }[];
        };
        expect(older.items.map((e) => e.seq)).toEqual([newest.lastSeq - 1, newest.lastSeq - 2]);
        const alice = idp.get('alice.smith@example.com')!;
        const about = (await t.api('GET', `/events?resource=${alice}`)).json() as {
          items: { resourceId: string; relatedId?: string; type: string }[];
        };
        expect(about.items[0]).toMatchObject({ resourceId: alice, type: 'user.created' });
        // Her own changes and the membership changes naming her: her page's "All changes".
        expect(about.items.every((e) => e.resourceId === alice || e.relatedId === alice)).toBe(
          true,
        );
        expect(about.items).toContainEqual(
          expect.objectContaining({ type: 'group.member_added', relatedId: alice }),
        );
        // A script with a viewer key follows it too.
        const key = await t.apiKey('viewer');
        expect(
          (await t.api('GET', '/events?after=0&limit=1', undefined, { as: key })).statusCode,
        ).toBe(200);
      });

      it('answers the overview', async () => {
        const response = await t.api('GET', '/overview');
        expect(response.json()).toMatchObject({
          users: (await users()).total,
          connections: 1,
          scimBaseUrl: 'https://gatehouse.test/scim/v2',
        });
        expect(
          (response.json() as { failedRequests24h: number }).failedRequests24h,
        ).toBeGreaterThanOrEqual(1);
      });
    });

    describe('bad requests get the contract’s error body, never a 500', () => {
      const raw = (
        method: 'GET' | 'POST' | 'PATCH',
        url: string,
        payload: string | undefined,
        contentType = 'application/json',
      ) =>
        t.app.inject({
          method,
          url: `/api/v1${url}`,
          headers: {
            cookie: `gatehouse_session=${t.admin.cookie}`,
            'x-csrf-token': t.admin.csrfToken,
            ...(payload !== undefined ? { 'content-type': contentType } : {}),
          },
          ...(payload !== undefined ? { payload } : {}),
        });

      it('malformed JSON, an empty body, a wrong content type, a huge body', async () => {
        expectApiError(await raw('POST', '/groups', '{"displayName":'), 400, 'invalid_request');
        expectApiError(await raw('POST', '/groups', ''), 400, 'invalid_request');
        expectApiError(
          await raw('POST', '/groups', 'displayName=x', 'text/plain'),
          415,
          'unsupported_media_type',
        );
        expectApiError(
          await raw(
            'POST',
            '/groups',
            JSON.stringify({ displayName: 'x'.repeat(2 * 1024 * 1024) }),
          ),
          413,
          'payload_too_large',
        );
        expectApiError(
          await raw('POST', '/groups', '{"__proto__":{"x":1},"displayName":"p"}'),
          400,
          'invalid_request',
        );
      });

      it("keeps a deprovisioned user's LOCAL memberships for their restore: no add, no remove", async () => {
        const created = await t.scim('POST', 'Users', oktaUser('hidden.member@example.com'));
        expect(created.statusCode, created.body).toBe(201);
        const member = (created.json() as { id: string }).id;
        const group = (
          await t.api('POST', '/groups', { displayName: 'Kept For Restore' })
        ).json() as {
          id: string;
        };
        const add = await t.api('POST', `/groups/${group.id}/members`, { memberId: member });
        expect(add.statusCode, add.body).toBe(201);
        const active = (value: boolean) =>
          t.scim('PATCH', `Users/${member}`, patch({ op: 'replace', path: 'active', value }));
        expect((await active(false)).statusCode).toBe(200);
        expectApiError(
          await t.api('DELETE', `/groups/${group.id}/members/${member}`),
          404,
          'not_found',
        );
        expect((await active(true)).statusCode).toBe(200);
        const members = (await t.api('GET', `/groups/${group.id}/members`)).json() as {
          items: { id: string; membershipOrigin: string }[];
        };
        expect(members.items.map((m) => [m.id, m.membershipOrigin])).toEqual([[member, 'LOCAL']]);
      });

      it('wrong types, unknown fields and missing fields name the field', async () => {
        const wrong = await t.api('POST', '/users', { userName: 42, active: 'yes' });
        expect(expectApiError(wrong, 400, 'invalid_request').details).toEqual({
          fields: { userName: 'must be string', active: 'must be boolean' },
        });
        const unknown = await t.api('PATCH', `/users/${t.admin.userId}`, { role: 'admin' });
        expect(expectApiError(unknown, 400, 'invalid_request').details).toEqual({
          fields: { role: 'is not a field of this request' },
        });
        // Named like the properties every JavaScript object has: fields all the same.
        for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf']) {
          const builtin = await t.api('POST', '/users', { userName: 'p1@example.com', [name]: 1 });
          const error = expectApiError(builtin, 400, 'invalid_request');
          expect(error.details, name).toEqual({
            fields: { [name]: 'is not a field of this request' },
          });
          expect(error.message, name).toContain(name);
        }
        const missing = await t.api('POST', '/groups', {});
        expect(expectApiError(missing, 400, 'invalid_request').details).toEqual({
          fields: { displayName: 'is required' },
        });
        expectApiError(await t.api('POST', '/groups', [1, 2]), 400, 'invalid_request');
        expectApiError(await t.api('POST', '/groups', 'null'), 400, 'invalid_request');
        expectApiError(await t.api('POST', '/users', { userName: '' }), 400, 'invalid_request');
        expectApiError(await t.api('POST', '/users', { userName: '   ' }), 400, 'invalid_request');
      });

      it('bad query parameters, unknown routes and over-long paths', async () => {
        for (const query of [
          'limit=0',
          'limit=201',
          'limit=ten',
          'sort=password',
          'order=up',
          'origin=SCIM',
          'offset=-1',
          'nonsense=1',
          'limit=1&limit=2',
        ]) {
          expectApiError(await t.api('GET', `/users?${query}`), 400, 'invalid_request');
        }
        expectApiError(await t.api('GET', '/nothing-here'), 404, 'not_found');
        expectApiError(
          await t.app.inject({ method: 'GET', url: '/api/v2/users' }),
          404,
          'not_found',
        );
        const long = await t.api('GET', `/users/${'x'.repeat(500)}`);
        expect(long.statusCode).toBeGreaterThanOrEqual(400);
        expect(long.statusCode).toBeLessThan(500);
        expect((long.json() as { error: { code: string } }).error.code).toBeDefined();
        expectApiError(await t.api('GET', '/users/%E0%A4%A'), 400, 'invalid_request');
      });

      it('integers in the query are plain decimal digits, within their range', async () => {
        for (const [path, name] of [
          ['/users', 'limit'],
          ['/users', 'offset'],
          ['/groups', 'limit'],
          ['/events', 'after'],
          ['/events', 'before'],
          [`/users/${t.admin.userId}/events`, 'limit'],
        ] as const) {
          for (const value of ['1e2', '0x10', '%205', '5%20', '5.0', '+5', '-0', '5_0', '٥', '']) {
            const response = await t.api('GET', `${path}?${name}=${value}`);
            const error = expectApiError(response, 400, 'invalid_request');
            expect(error.details, `${path}?${name}=${value}`).toEqual({
              fields: { [name]: 'must be a whole number in decimal digits (0-9)' },
            });
          }
          const plain = await t.api('GET', `${path}?${name}=5`);
          expect(plain.statusCode, `${path}?${name}=5: ${plain.body}`).toBe(200);
        }
        expect((await t.api('GET', '/users?limit=007&offset=0')).statusCode).toBe(200);
        // Past 2^53 - 1 a sequence number is not a number JavaScript holds exactly; 1e400 (and
        // its 401 digits) was Infinity, and a 500.
        const huge = await t.api('GET', `/events?after=${'9'.repeat(401)}`);
        expect(expectApiError(huge, 400, 'invalid_request').details).toEqual({
          fields: { after: 'must be <= 9007199254740991' },
        });
        expect((await t.api('GET', '/events?after=9007199254740991')).statusCode).toBe(200);
        const limit = await t.api('GET', `/users?limit=${'9'.repeat(401)}`);
        expect(expectApiError(limit, 400, 'invalid_request').details).toEqual({
          fields: { limit: 'must be <= 200' },
        });
      });
    });
  });
}

describe('serving the console', () => {
  const dialect = DIALECTS[0]!;

  it('serves the built console at / with a fallback to index.html for its pages', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-console-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
    const t = await startAdminApp(dialect, { consoleDir: dir });
    try {
      const html = { accept: 'text/html,application/xhtml+xml' };
      const home = await t.app.inject({ method: 'GET', url: '/', headers: html });
      expect(home.statusCode).toBe(200);
      expect(home.body).toContain('<title>console</title>');
      expect(home.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(home.headers['x-frame-options']).toBe('DENY');
      for (const page of ['/users', '/users/123?tab=groups', '/setup', '/groups/abc/members']) {
        const response = await t.app.inject({ method: 'GET', url: page, headers: html });
        expect(response.statusCode, page).toBe(200);
        expect(response.body).toContain('<title>console</title>');
        expect(response.headers['cache-control']).toBe('no-cache');
      }
      const asset = await t.app.inject({ method: 'GET', url: '/assets/app-1234.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toMatch(/immutable/);
      // The API, SCIM and the health check never fall back to the page.
      const api = await t.app.inject({ method: 'GET', url: '/api/v1/nothing', headers: html });
      expect(api.headers['content-type']).toMatch(/^application\/json/);
      const scim = await t.app.inject({ method: 'GET', url: '/scim/v2/Nothing', headers: html });
      expect(scim.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(
        (await t.app.inject({ method: 'GET', url: '/healthz', headers: html })).json(),
      ).toMatchObject({ status: 'ok' });
      // Not a page: a plain 404.
      const missing = await t.app.inject({ method: 'GET', url: '/assets/missing.js' });
      expect(missing.statusCode).toBe(404);
    } finally {
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to build the console when it is not built', async () => {
    const t = await startAdminApp(dialect);
    try {
      const home = await t.app.inject({
        method: 'GET',
        url: '/',
        headers: { accept: 'text/html' },
      });
      expect(home.statusCode).toBe(200);
      expect(home.body).toContain('npm run build');
    } finally {
      await t.close();
    }
  });

  it('sends the Secure cookie flag only when the public URL is https', async () => {
    const t = await startAdminApp(dialect, {
      env: { GATEHOUSE_PUBLIC_URL: 'http://localhost:8080' },
    });
    try {
      const response = await t.api(
        'POST',
        '/session',
        { userName: 'admin@example.com', password: ADMIN_PASSWORD },
        { as: null },
      );
      const cookie = response.cookies.find((c) => c.name === 'gatehouse_session')!;
      expect(cookie.secure).toBeUndefined();
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.sameSite).toBe('Lax');
    } finally {
      await t.close();
    }
  });
});
