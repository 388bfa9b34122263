/**
 * The platform's provisioning rules over SCIM (README, "Provisioning rules"): ownership between
 * connections, linking of LOCAL users and groups, origin-scoped membership changes,
 * deprovisioning with a retention window, retries, and per-connection rate limits.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../src/changes/events.ts';
import type { DirectoryContext } from '../src/directory/context.ts';
import {
  createGroup as createLocalGroup,
  membersOf,
  updateGroup,
} from '../src/directory/group.service.ts';
import { grantRole } from '../src/directory/roles.service.ts';
import { createUser as createLocalUser, listUsers } from '../src/directory/user.service.ts';
import { runMaintenance } from '../src/maintenance.ts';
import { listProvisioningLog } from '../src/provisioning/provisioning-log.ts';
import {
  createConnection,
  deleteConnection,
  updateConnectionSettings,
} from '../src/provisioning/connection.service.ts';
import { addLocalMember, removeLocalMember } from '../src/admin/groups.service.ts';
import { normalizeResource } from '../src/scim/resource.ts';
import { userResourceType } from '../src/scim/schema.ts';
import { DIALECTS } from './support/databases.ts';
import { GROUP_SCHEMA, json, oktaUser, patch, SCIM, startTestApp } from './support/app.ts';
import type { TestApp } from './support/app.ts';
import { expectScimError } from './support/scim-errors.ts';

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}x${randomUUID().slice(0, 8)}`;
const userName = () => `${unique('r')}.rules@example.com`;

const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    let t: TestApp;
    /** A second identity provider. */
    let other: { id: string; token: string };
    const local = (): DirectoryContext => ({
      db: t.database.db,
      dialect: t.database.dialect,
      actor: { kind: 'local', name: 'test' },
    });
    const as = (
      token: string,
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      body?: unknown,
    ) =>
      t.app.inject({
        method,
        url: `${SCIM}/${url}`,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const created = await createConnection(t.database.db, 'entra', 'test');
      other = { id: created.connection.id, token: created.token };
    });
    afterAll(() => t.close());

    async function scimUser(name = userName(), extra: Record<string, unknown> = {}) {
      const response = await t.scim('POST', 'Users', oktaUser(name, extra));
      expect(response.statusCode, response.body).toBe(201);
      return json(response) as { id: string; userName: string; meta: { version: string } };
    }

    async function scimGroup(displayName = unique('G'), members: string[] = []) {
      const response = await t.scim('POST', 'Groups', {
        schemas: [GROUP_SCHEMA],
        displayName,
        members: members.map((value) => ({ value })),
      });
      expect(response.statusCode, response.body).toBe(201);
      return json(response) as { id: string };
    }

    async function localUser(name = userName(), extra: Record<string, unknown> = {}) {
      const { data } = normalizeResource(userResourceType, {
        userName: name,
        name: { givenName: 'Local', familyName: 'Person' },
        ...extra,
      });
      return createLocalUser(local(), data);
    }

    async function row(id: string) {
      return t.database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    }

    async function platformUserIds(): Promise<string[]> {
      const page = await listUsers(local(), { offset: 0, limit: 10_000, hideDeprovisioned: true });
      return page.items.map((u) => u.id);
    }

    async function platformMembers(groupId: string) {
      const members = await membersOf(local(), [groupId], undefined, { hideDeprovisioned: true });
      return (members.get(groupId) ?? []).map((m) => m.id);
    }

    async function eventTypes(resourceId: string): Promise<string[]> {
      const events = await listEvents(t.database.db, { after: 0, limit: 100_000 });
      return events.filter((e) => e.resourceId === resourceId).map((e) => e.type);
    }

    describe('ownership', () => {
      it("another connection's writes to a user or group get 404; its reads succeed", async () => {
        const user = await scimUser();
        const group = await scimGroup(unique('Owned'), [user.id]);
        for (const [url, kind] of [
          [`Users/${user.id}`, 'User'],
          [`Groups/${group.id}`, 'Group'],
        ] as const) {
          expect((await as(other.token, 'GET', url)).statusCode).toBe(200);
          const replaced = await as(
            other.token,
            'PATCH',
            url,
            patch({ op: 'replace', path: 'externalId', value: 'stolen' }),
          );
          expectScimError(replaced, 404);
          expect(json(replaced).detail).toContain('another SCIM connection');
          expectScimError(await as(other.token, 'DELETE', url), 404);
          expect((await t.scim('GET', url)).statusCode, kind).toBe(200);
        }
        const put = await as(
          other.token,
          'PUT',
          `Users/${user.id}`,
          oktaUser(user.userName, { active: false }),
        );
        expectScimError(put, 404);
        expect((await t.scim('GET', `Users/${user.id}`)).json()).toMatchObject({ active: true });
        // The other connection can still find the user (Okta's import and match).
        const found = await as(
          other.token,
          'GET',
          `Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`,
        );
        expect(found.json()).toMatchObject({ totalResults: 1 });
      });
    });

    describe('linking LOCAL users and groups', () => {
      it('a create for the userName of a LOCAL user links it: 201, same id, origin IDP, local data kept', async () => {
        const name = userName();
        const existing = await localUser(name, { nickName: 'Kept' });
        const response = await t.scim('POST', 'Users', oktaUser(name.toUpperCase()));
        expect(response.statusCode, response.body).toBe(201);
        const body = json(response);
        expect(body.id).toBe(existing.id);
        expect(body.nickName).toBe('Kept');
        expect(body.externalId).toBe(oktaUser(name.toUpperCase()).externalId);
        const stored = await row(existing.id);
        expect(stored).toMatchObject({ origin: 'IDP', connection_id: t.connectionId });
        expect(await eventTypes(existing.id)).toContain('user.linked');
        // Linked once: the same create again is a retry, and a conflict.
        expectScimError(await t.scim('POST', 'Users', oktaUser(name)), 409, 'uniqueness');
      });

      it('a PUT or PATCH to a LOCAL user links it (Okta after import and match)', async () => {
        const byPut = await localUser();
        const put = await t.scim('PUT', `Users/${byPut.id}`, oktaUser(byPut.userName));
        expect(put.statusCode, put.body).toBe(200);
        expect(await row(byPut.id)).toMatchObject({ origin: 'IDP', connection_id: t.connectionId });

        const byPatch = await localUser();
        const patched = await t.scim(
          'PATCH',
          `Users/${byPatch.id}`,
          patch({ op: 'replace', value: { active: true } }),
        );
        expect(patched.statusCode, patched.body).toBe(200);
        expect(await row(byPatch.id)).toMatchObject({
          origin: 'IDP',
          connection_id: t.connectionId,
        });
        // Now it is this connection's: the other one cannot write it.
        expectScimError(
          await as(
            other.token,
            'PATCH',
            `Users/${byPatch.id}`,
            patch({ op: 'replace', value: { active: false } }),
          ),
          404,
        );
      });

      it('a console administrator is never linked: create 409 uniqueness, PUT/PATCH 403', async () => {
        const admin = await localUser();
        await grantRole(local(), admin.id, 'admin');
        const created = await t.scim('POST', 'Users', oktaUser(admin.userName));
        expectScimError(created, 409, 'uniqueness');
        expect(json(created).detail).toContain('administrator');
        expect(json(created).detail).toContain(admin.id);
        expectScimError(await t.scim('PUT', `Users/${admin.id}`, oktaUser(admin.userName)), 403);
        expectScimError(
          await t.scim(
            'PATCH',
            `Users/${admin.id}`,
            patch({ op: 'replace', value: { active: false } }),
          ),
          403,
        );
        expect(await row(admin.id)).toMatchObject({
          origin: 'LOCAL',
          connection_id: null,
          active: 1,
        });
        // A viewer is an ordinary user: linked.
        const viewer = await localUser();
        await grantRole(local(), viewer.id, 'viewer');
        expect((await t.scim('POST', 'Users', oktaUser(viewer.userName))).statusCode).toBe(201);
      });

      it('a connection that does not link local users gets 409 on create and 404 on writes', async () => {
        await updateConnectionSettings(t.database.db, other.id, { linkLocalUsers: false }, 'test');
        try {
          const user = await localUser();
          expectScimError(
            await as(other.token, 'POST', 'Users', oktaUser(user.userName)),
            409,
            'uniqueness',
          );
          const patched = await as(
            other.token,
            'PATCH',
            `Users/${user.id}`,
            patch({ op: 'replace', value: { active: false } }),
          );
          expectScimError(patched, 404);
          expect(json(patched).detail).toContain('does not link local users');
          expect(await row(user.id)).toMatchObject({ origin: 'LOCAL', active: 1 });
        } finally {
          await updateConnectionSettings(t.database.db, other.id, { linkLocalUsers: true }, 'test');
        }
      });

      it('a group create for the displayName of a LOCAL group links it and keeps its LOCAL memberships', async () => {
        const kept = await localUser();
        const both = await scimUser();
        const name = unique('LocalGroup');
        const group = await createLocalGroup(local(), { displayName: name }, [
          { value: kept.id },
          { value: both.id },
        ]);
        const pushed = await scimUser();
        const response = await t.scim('POST', 'Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: name,
          members: [{ value: pushed.id }, { value: both.id }],
        });
        expect(response.statusCode, response.body).toBe(201);
        expect(json(response).id).toBe(group.id);
        const members = (await membersOf(local(), [group.id])).get(group.id) ?? [];
        // Someone the admin added and the IdP pushes is held by both mappings.
        expect(members.map((m) => [m.id, m.origin, m.localMapping]).sort()).toEqual(
          [
            [kept.id, 'LOCAL', true],
            [both.id, 'IDP', true],
            [pushed.id, 'IDP', false],
          ].sort(),
        );
        expect(await eventTypes(group.id)).toEqual([
          'group.created',
          'group.member_added',
          'group.member_added',
          'group.linked',
          'group.member_added',
          'group.membership_updated',
        ]);
      });
    });

    describe('origin-scoped membership changes', () => {
      it("a deleted connection's mappings: the console may remove them, the connection that links the group next manages them", async () => {
        const gone = await createConnection(t.database.db, unique('gone'), 'test');
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const created = await as(gone.token, 'POST', 'Users', oktaUser(userName()));
          expect(created.statusCode, created.body).toBe(201);
          ids.push(json(created).id as string);
        }
        const [u1, u2, u3] = ids as [string, string, string];
        const pushed = await as(gone.token, 'POST', 'Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: unique('Orphaned'),
          members: ids.map((value) => ({ value })),
        });
        expect(pushed.statusCode, pushed.body).toBe(201);
        const group = json(pushed).id as string;
        await deleteConnection(t.database.db, gone.connection.id, 'test');
        const mappings = async () =>
          ((await membersOf(local(), [group])).get(group) ?? [])
            .map((m) => [m.id, m.origin, m.connectionId])
            .sort();
        expect(await mappings()).toEqual(ids.map((id) => [id, 'IDP', null]).sort());

        // No identity provider stands behind them: the console may remove one.
        await removeLocalMember(local(), group, u2);
        expect(await mappings()).toEqual([u1, u3].map((id) => [id, 'IDP', null]).sort());

        // Another connection writes the group (links it): its add takes a mapping over, its
        // member list replaces the orphaned ones.
        const added = await as(
          other.token,
          'PATCH',
          `Groups/${group}`,
          patch({ op: 'add', path: 'members', value: [{ value: u1 }] }),
        );
        expect(added.statusCode, added.body).toBe(204);
        expect(await mappings()).toEqual([
          [u1, 'IDP', other.id],
          [u3, 'IDP', null],
        ]);
        const replaced = await as(
          other.token,
          'PATCH',
          `Groups/${group}`,
          patch({ op: 'replace', path: 'members', value: [{ value: u1 }] }),
        );
        expect(replaced.statusCode, replaced.body).toBe(204);
        expect(await mappings()).toEqual([[u1, 'IDP', other.id]]);
        // Taking a mapping over changes none of the membership's mappings: no event says so.
        const events = await listEvents(t.database.db, { after: 0, limit: 100_000 });
        expect(
          events.filter((e) => e.resourceId === group && e.type === 'group.membership_updated'),
        ).toEqual([]);
      });

      it("a connection's member list takes over the orphaned mappings it names (PUT or POST that links)", async () => {
        for (const claim of ['PUT', 'POST'] as const) {
          const gone = await createConnection(t.database.db, unique('gone'), 'test');
          const ids: string[] = [];
          for (let i = 0; i < 3; i++) {
            const created = await as(gone.token, 'POST', 'Users', oktaUser(userName()));
            ids.push(json(created).id as string);
          }
          const [u1, u2, u3] = ids as [string, string, string];
          const displayName = unique('Claimed');
          const pushed = await as(gone.token, 'POST', 'Groups', {
            schemas: [GROUP_SCHEMA],
            displayName,
            members: ids.map((value) => ({ value })),
          });
          const group = json(pushed).id as string;
          // The console's LOCAL mapping beside the IdP's on u2.
          await addLocalMember(local(), group, u2);
          await deleteConnection(t.database.db, gone.connection.id, 'test');

          const body = {
            schemas: [GROUP_SCHEMA],
            displayName,
            members: [{ value: u1 }, { value: u2 }],
          };
          const response =
            claim === 'PUT'
              ? await as(other.token, 'PUT', `Groups/${group}`, body)
              : await as(other.token, 'POST', 'Groups', body);
          expect([200, 201], response.body).toContain(response.statusCode);
          expect(json(response).id).toBe(group);
          const members = ((await membersOf(local(), [group])).get(group) ?? [])
            .map((m) => [m.id, m.origin, m.connectionId, m.localMapping])
            .sort();
          expect(members, claim).toEqual(
            [
              [u1, 'IDP', other.id, false],
              [u2, 'IDP', other.id, true],
            ].sort(),
          );
          expect(ids).toContain(u3);
          // Now the connection's: the console removes its own mapping only.
          await expect(removeLocalMember(local(), group, u1)).rejects.toMatchObject({
            code: 'idp_owned',
          });
          await removeLocalMember(local(), group, u2);
          expect(
            ((await membersOf(local(), [group])).get(group) ?? []).map((m) => m.id).sort(),
            claim,
          ).toEqual([u1, u2].sort());
        }
      });

      it('a PUT, a replace and a remove from a connection leave LOCAL memberships in place', async () => {
        const [a, b, c] = [await scimUser(), await scimUser(), await scimUser()];
        const localMember = await localUser();
        const group = await scimGroup(unique('Scoped'), [a.id, b.id]);
        await updateGroup(local(), group.id, (current) => ({
          data: current.data,
          members: [{ kind: 'add', members: [{ value: localMember.id }] }],
        }));

        const put = await t.scim('PUT', `Groups/${group.id}`, {
          schemas: [GROUP_SCHEMA],
          displayName: (await t.scim('GET', `Groups/${group.id}`)).json().displayName,
          members: [{ value: c.id }],
        });
        expect(put.statusCode, put.body).toBe(200);
        expect((await platformMembers(group.id)).sort()).toEqual([c.id, localMember.id].sort());

        const replaced = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', path: 'members', value: [{ value: a.id }] }),
        );
        expect(replaced.statusCode, replaced.body).toBe(204);
        expect((await platformMembers(group.id)).sort()).toEqual([a.id, localMember.id].sort());

        // The IdP removing someone whose membership is LOCAL does not remove it.
        const removed = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'remove', path: `members[value eq "${localMember.id}"]` }),
        );
        expect(removed.statusCode).toBe(204);
        const emptied = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'remove', path: 'members' }),
        );
        expect(emptied.statusCode).toBe(204);
        expect(await platformMembers(group.id)).toEqual([localMember.id]);
      });
    });

    describe('deprovisioning (policy delete, the default)', () => {
      it('active=false takes the user off the platform; SCIM still reads it; active=true restores id and memberships', async () => {
        const user = await scimUser();
        const group = await scimGroup(unique('Team'), [user.id]);
        const off = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', value: { active: false } }),
        );
        expect(off.statusCode, off.body).toBe(200);
        expect(json(off).active).toBe(false);

        expect(await platformUserIds()).not.toContain(user.id);
        expect(await platformMembers(group.id)).toEqual([]);
        expect((await row(user.id))?.deprovisioned_at).not.toBeNull();
        const read = await t.scim('GET', `Users/${user.id}`);
        expect(read.statusCode).toBe(200);
        expect(read.json()).toMatchObject({ id: user.id, active: false });
        const lookup = await t.scim(
          'GET',
          `Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`,
        );
        expect(lookup.json()).toMatchObject({ totalResults: 1 });

        const on = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'active', value: true }),
        );
        expect(on.statusCode, on.body).toBe(200);
        expect(await platformUserIds()).toContain(user.id);
        expect(await platformMembers(group.id)).toEqual([user.id]);
        expect((await row(user.id))?.deprovisioned_at).toBeNull();
        expect(await eventTypes(user.id)).toEqual(
          expect.arrayContaining(['user.deprovisioned', 'user.restored']),
        );
      });

      it('an Okta AIW PUT with active=false deprovisions; a re-create with the same userName restores the same user', async () => {
        const user = await scimUser();
        const group = await scimGroup(unique('Aiw'), [user.id]);
        const put = await t.scim(
          'PUT',
          `Users/${user.id}`,
          oktaUser(user.userName, { active: false }),
        );
        expect(put.statusCode, put.body).toBe(200);
        expect(await platformUserIds()).not.toContain(user.id);

        const again = await t.scim('POST', 'Users', oktaUser(user.userName));
        expect(again.statusCode, again.body).toBe(201);
        expect(json(again)).toMatchObject({ id: user.id, active: true });
        // The answer is the user as a GET reads it: their groups back with them.
        expect(json(again).groups).toEqual([
          expect.objectContaining({ value: group.id, type: 'direct' }),
        ]);
        expect(json(again)).toEqual(json(await t.scim('GET', `Users/${user.id}`)));
        expect(await platformUserIds()).toContain(user.id);
        expect(await platformMembers(group.id)).toEqual([user.id]);
      });

      it('a re-create with the same externalId restores the same user, even under a new userName', async () => {
        const user = await scimUser(userName(), { externalId: unique('00u') });
        const externalId = (await t.scim('GET', `Users/${user.id}`)).json().externalId as string;
        await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'active', value: 'False' }),
        );
        expect(await platformUserIds()).not.toContain(user.id);
        const renamed = userName();
        const again = await t.scim('POST', 'Users', oktaUser(renamed, { externalId }));
        expect(again.statusCode, again.body).toBe(201);
        expect(json(again)).toMatchObject({ id: user.id, userName: renamed, active: true });
      });

      it('is purged when the retention window has passed, not before; DELETE purges at once', async () => {
        const kept = await scimUser();
        const due = await scimUser();
        await t.scim(
          'PATCH',
          `Users/${due.id}`,
          patch({ op: 'replace', value: { active: false } }),
        );
        await t.scim(
          'PATCH',
          `Users/${kept.id}`,
          patch({ op: 'replace', value: { active: false } }),
        );
        // Backdate one deprovisioning past the 30-day window.
        await t.database.db
          .updateTable('users')
          .set({ deprovisioned_at: new Date(Date.now() - 31 * DAY).toISOString() })
          .where('id', '=', due.id)
          .execute();
        const report = await runMaintenance(t.database, { provisioningLogRetentionDays: 30 });
        expect(report.purgedUsers).toBeGreaterThanOrEqual(1);
        expectScimError(await t.scim('GET', `Users/${due.id}`), 404);
        expect((await t.scim('GET', `Users/${kept.id}`)).statusCode).toBe(200);
        expect(await eventTypes(due.id)).toContain('user.deleted');

        const deleted = await t.scim('DELETE', `Users/${kept.id}`);
        expect(deleted.statusCode).toBe(204);
        expectScimError(await t.scim('GET', `Users/${kept.id}`), 404);
      });

      it('a connection with a shorter retention has its users purged sooner', async () => {
        await updateConnectionSettings(t.database.db, other.id, { retentionDays: 1 }, 'test');
        try {
          const created = await as(other.token, 'POST', 'Users', oktaUser(userName()));
          const id = json(created).id as string;
          await as(
            other.token,
            'PATCH',
            `Users/${id}`,
            patch({ op: 'replace', value: { active: false } }),
          );
          const in2Days = new Date(Date.now() + 2 * DAY);
          await runMaintenance(t.database, { provisioningLogRetentionDays: 30 }, in2Days);
          expect(await row(id)).toBeUndefined();
        } finally {
          await updateConnectionSettings(t.database.db, other.id, { retentionDays: 30 }, 'test');
        }
      });

      it('removing a membership never deletes a user', async () => {
        const user = await scimUser();
        const group = await scimGroup(unique('Leave'), [user.id]);
        const removed = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'remove', path: `members[value eq "${user.id}"]` }),
        );
        expect(removed.statusCode).toBe(204);
        expect(await platformUserIds()).toContain(user.id);
        expect((await row(user.id))?.deprovisioned_at).toBeNull();
      });
    });

    describe('deprovisioning (policy suspend)', () => {
      it('keeps the user listed as inactive, memberships in view', async () => {
        await updateConnectionSettings(
          t.database.db,
          other.id,
          { deprovisionPolicy: 'suspend' },
          'test',
        );
        try {
          const created = await as(other.token, 'POST', 'Users', oktaUser(userName()));
          const id = json(created).id as string;
          const group = await as(other.token, 'POST', 'Groups', {
            schemas: [GROUP_SCHEMA],
            displayName: unique('Suspended'),
            members: [{ value: id }],
          });
          const off = await as(
            other.token,
            'PATCH',
            `Users/${id}`,
            patch({ op: 'replace', value: { active: false } }),
          );
          expect(off.statusCode).toBe(200);
          expect(await platformUserIds()).toContain(id);
          expect(await platformMembers(json(group).id as string)).toEqual([id]);
          expect(await row(id)).toMatchObject({ active: 0, deprovisioned_at: null });
        } finally {
          await updateConnectionSettings(
            t.database.db,
            other.id,
            { deprovisionPolicy: 'delete' },
            'test',
          );
        }
      });
    });

    describe('retries', () => {
      it('a repeated create is 409 uniqueness naming the existing user', async () => {
        const user = await scimUser();
        const again = await t.scim('POST', 'Users', oktaUser(user.userName));
        expectScimError(again, 409, 'uniqueness');
        expect(json(again).detail).toContain(user.id);
      });

      it('repeated membership adds and removes are harmless and change nothing the second time', async () => {
        const user = await scimUser();
        const group = await scimGroup();
        const add = patch({ op: 'add', path: 'members', value: [{ value: user.id }] });
        expect((await t.scim('PATCH', `Groups/${group.id}`, add)).statusCode).toBe(204);
        const version = (await t.scim('GET', `Groups/${group.id}`)).json().meta.version;
        const events = (await eventTypes(group.id)).length;
        expect((await t.scim('PATCH', `Groups/${group.id}`, add)).statusCode).toBe(204);
        expect((await t.scim('GET', `Groups/${group.id}`)).json().meta.version).toBe(version);
        const remove = patch({ op: 'remove', path: `members[value eq "${user.id}"]` });
        expect((await t.scim('PATCH', `Groups/${group.id}`, remove)).statusCode).toBe(204);
        expect((await t.scim('PATCH', `Groups/${group.id}`, remove)).statusCode).toBe(204);
        expect((await eventTypes(group.id)).length).toBe(events + 1);
      });

      it('a PUT or PATCH that changes nothing keeps meta.version and appends no event', async () => {
        const user = await scimUser();
        const before = (await t.scim('GET', `Users/${user.id}`)).json();
        const events = (await eventTypes(user.id)).length;
        const put = await t.scim('PUT', `Users/${user.id}`, { ...before, password: 'ignored' });
        expect(put.statusCode).toBe(200);
        const same = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', value: { active: true } }),
        );
        expect(same.statusCode).toBe(200);
        expect(json(same).meta).toMatchObject({ version: before.meta.version });
        expect((await eventTypes(user.id)).length).toBe(events);
      });
    });
  });
}

describe('rate limits', () => {
  const dialect = DIALECTS[0]!;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { GATEHOUSE_SCIM_RATE_LIMIT: '25' });
  });
  afterAll(() => t.close());

  const burst = async (n: number): Promise<LightMyRequestResponse[]> => {
    const responses: LightMyRequestResponse[] = [];
    for (let i = 0; i < n; i++) responses.push(await t.scim('GET', 'Users?count=1'));
    return responses;
  };

  it('answers 429 with Retry-After and a SCIM error beyond the limit, and the log records it', async () => {
    const responses = await burst(60);
    const limited = responses.filter((r) => r.statusCode === 429);
    expect(responses.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(25);
    expect(limited.length).toBeGreaterThan(0);
    const first = limited[0]!;
    expect(Number(first.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectScimError(first, 429);
    expect(json(first).detail).toContain('25 per second');
    await t.app.provisioningLog.flush();
    const logged = await listProvisioningLog(t.database.db, { failed: true, limit: 1000 });
    expect(logged.filter((e) => e.status === 429)).toHaveLength(limited.length);
  });

  it("a connection's own limit replaces the server's", async () => {
    await updateConnectionSettings(t.database.db, t.connectionId, { rateLimit: 1000 }, 'test');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const responses = await burst(200);
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
  });

  it('refuses a limit below 25 requests per second', async () => {
    await expect(
      updateConnectionSettings(t.database.db, t.connectionId, { rateLimit: 10 }, 'test'),
    ).rejects.toThrow(/from 25/);
  });
});
