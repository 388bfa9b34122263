/**
 * Requests racing each other. On PostgreSQL the app runs them on a pool of connections, so they
 * really overlap; on SQLite they interleave at every await. Either way the outcome must be the
 * one a serial execution would give: one winner of a uniqueness race (the others 409, never
 * 500), no lost membership update, and optimistic concurrency that lets exactly one writer win.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLocalMember, removeLocalMember } from '../src/admin/groups.service.ts';
import { mappingsOf } from '../src/admin/views.ts';
import { createGroup as createGroupAs } from '../src/directory/group.service.ts';
import { createConnection, deleteConnection } from '../src/provisioning/connection.service.ts';
import { createUser as createUserAs } from '../src/directory/user.service.ts';
import { DIALECTS } from './support/databases.ts';
import { GROUP_SCHEMA, json, oktaUser, patch, startTestApp } from './support/app.ts';
import type { TestApp } from './support/app.ts';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}x${randomUUID().slice(0, 8)}`;

/** The same name in a different mix of upper and lower case for each index. */
function caseVariant(name: string, index: number): string {
  return [...name]
    .map((ch, i) => ((index >> (i % 5)) & 1 ? ch.toUpperCase() : ch.toLowerCase()))
    .join('');
}

async function createUser(t: TestApp, userName = `${unique('c')}.user@example.com`) {
  const response = await t.scim('POST', 'Users', oktaUser(userName));
  expect(response.statusCode, response.body).toBe(201);
  return json(response).id as string;
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());
    /** The CLI's or the console's writes, made through the services. */
    const localContext = () =>
      ({
        db: t.database.db,
        dialect: t.database.dialect,
        actor: { kind: 'local', name: 'test' },
      }) as const;

    it('20 concurrent POST /Users of one userName (in different cases): one 201, nineteen 409', async () => {
      for (let round = 0; round < 3; round++) {
        const base = `${unique('race')}.user@example.com`;
        const names = Array.from({ length: 20 }, (_, i) => caseVariant(base, i));
        const responses = await Promise.all(
          names.map((name) => t.scim('POST', 'Users', oktaUser(name))),
        );
        const statuses = responses.map((r) => r.statusCode);
        expect(
          statuses.filter((s) => s === 201),
          JSON.stringify(statuses),
        ).toHaveLength(1);
        expect(
          statuses.filter((s) => s === 409),
          JSON.stringify(statuses),
        ).toHaveLength(19);
        for (const response of responses.filter((r) => r.statusCode === 409)) {
          const body = json(response);
          expect(body.schemas).toEqual([ERROR_SCHEMA]);
          expect(body.status).toBe('409');
          expect(body.scimType).toBe('uniqueness');
        }
        const list = json(
          await t.scim(
            'GET',
            `Users?filter=${encodeURIComponent(`userName eq "${base.toUpperCase()}"`)}`,
          ),
        );
        expect(list.totalResults).toBe(1);
      }
    });

    it('50 concurrent single-member PATCH adds to one group: all 50 members, version +50', async () => {
      const users: string[] = [];
      for (let i = 0; i < 50; i += 10) {
        users.push(...(await Promise.all(Array.from({ length: 10 }, () => createUser(t)))));
      }
      const created = await t.scim('POST', 'Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: unique('Crowd'),
        members: [],
      });
      expect(created.statusCode, created.body).toBe(201);
      const groupId = json(created).id as string;

      const responses = await Promise.all(
        users.map((id) =>
          t.scim(
            'PATCH',
            `Groups/${groupId}`,
            patch({ op: 'add', path: 'members', value: [{ value: id }] }),
          ),
        ),
      );
      const statuses = responses.map((r) => r.statusCode);
      expect(
        statuses.every((s) => s === 204 || s === 200),
        JSON.stringify(statuses),
      ).toBe(true);

      const group = await t.scim('GET', `Groups/${groupId}`);
      expect(group.statusCode).toBe(200);
      const body = json(group);
      const members = ((body.members as { value: string }[] | undefined) ?? []).map((m) => m.value);
      expect(members.sort()).toEqual([...users].sort());
      expect((body.meta as Record<string, unknown>).version).toBe('W/"51"');
      expect(group.headers.etag).toBe('W/"51"');
    });

    it('20 concurrent POST /Groups of one displayName (in different cases): one 201, nineteen 409', async () => {
      const base = unique('RaceGroup');
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.scim('POST', 'Groups', { schemas: [GROUP_SCHEMA], displayName: caseVariant(base, i) }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode);
      expect(
        statuses.filter((s) => s === 201),
        JSON.stringify(statuses),
      ).toHaveLength(1);
      expect(
        statuses.filter((s) => s === 409),
        JSON.stringify(statuses),
      ).toHaveLength(19);
      for (const response of responses.filter((r) => r.statusCode === 409)) {
        expect(json(response).scimType).toBe('uniqueness');
      }
    });

    it("10 concurrent creates of a LOCAL user's userName or group's displayName: one links it, nine 409", async () => {
      const local = localContext();
      for (let round = 0; round < 3; round++) {
        const userName = `${unique('link')}.user@example.com`;
        const user = await createUserAs(local, { userName });
        const users = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            t.scim(
              'POST',
              'Users',
              oktaUser(caseVariant(userName, i), { externalId: `ext-${i}`, title: `T${i}` }),
            ),
          ),
        );
        const statuses = users.map((r) => r.statusCode).sort();
        expect(statuses, JSON.stringify(statuses)).toEqual([201, ...Array(9).fill(409)]);
        const linked = json(users.find((r) => r.statusCode === 201)!);
        expect(linked.id).toBe(user.id);
        const stored = json(await t.scim('GET', `Users/${user.id}`));
        expect(stored.externalId).toBe(linked.externalId);
        expect((stored.meta as { version: string }).version).toBe('W/"2"');

        const displayName = unique('Linked Group ');
        const group = await createGroupAs(local, { displayName }, []);
        const groups = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            t.scim('POST', 'Groups', {
              schemas: [GROUP_SCHEMA],
              displayName: caseVariant(displayName, i),
              externalId: `g-${i}`,
            }),
          ),
        );
        const groupStatuses = groups.map((r) => r.statusCode).sort();
        expect(groupStatuses, JSON.stringify(groupStatuses)).toEqual([201, ...Array(9).fill(409)]);
        expect(json(groups.find((r) => r.statusCode === 201)!).id).toBe(group.id);
      }
    });

    it('adding A to B and B to A at the same time never makes a cycle', async () => {
      for (let round = 0; round < 10; round++) {
        const ids: string[] = [];
        for (const name of [unique('CycleA'), unique('CycleB')]) {
          const response = await t.scim('POST', 'Groups', {
            schemas: [GROUP_SCHEMA],
            displayName: name,
          });
          expect(response.statusCode, response.body).toBe(201);
          ids.push(json(response).id as string);
        }
        const [a, b] = ids as [string, string];
        const add = (group: string, member: string) =>
          t.scim(
            'PATCH',
            `Groups/${group}`,
            patch({ op: 'add', path: 'members', value: [{ value: member }] }),
          );
        const responses = await Promise.all([add(a, b), add(b, a)]);
        const statuses = responses.map((r) => r.statusCode).sort();
        expect(statuses, `round ${round}`).toEqual([204, 400]);
        const rows = await t.database.db
          .selectFrom('memberships')
          .select(['group_id', 'member_id'])
          .where('group_id', 'in', [a, b])
          .execute();
        expect(rows, `round ${round}`).toHaveLength(1);
      }
    });

    it('deleting a user while it is added to a group leaves no membership of a user that is gone', async () => {
      for (let round = 0; round < 10; round++) {
        const userId = await createUser(t);
        const created = await t.scim('POST', 'Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: unique('Gone'),
        });
        const groupId = json(created).id as string;
        const [added, deleted] = await Promise.all([
          t.scim(
            'PATCH',
            `Groups/${groupId}`,
            patch({ op: 'add', path: 'members', value: [{ value: userId }] }),
          ),
          t.scim('DELETE', `Users/${userId}`),
        ]);
        expect(deleted.statusCode).toBe(204);
        expect([204, 400]).toContain(added.statusCode);
        const rows = await t.database.db
          .selectFrom('memberships')
          .select('group_id')
          .where('member_id', '=', userId)
          .execute();
        expect(rows, `round ${round}: membership of deleted user ${userId}`).toEqual([]);
      }
    });

    it("the IdP's and the console's mappings of one membership, changed at once, each keep their own", async () => {
      const local = localContext();
      const mappings = async (groupId: string, userId: string) => {
        const row = await t.database.db
          .selectFrom('memberships')
          .select(['origin', 'local_mapping'])
          .where('group_id', '=', groupId)
          .where('member_id', '=', userId)
          .executeTakeFirst();
        return row ? mappingsOf(row.origin, Number(row.local_mapping) === 1) : [];
      };
      for (let round = 0; round < 10; round++) {
        const userId = await createUser(t);
        const created = await t.scim('POST', 'Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: unique('Both'),
          members: [{ value: userId }],
        });
        const groupId = json(created).id as string;
        // The IdP lets go while the console holds on: LOCAL alone is left, whatever the order.
        const [removed] = await Promise.all([
          t.scim(
            'PATCH',
            `Groups/${groupId}`,
            patch({ op: 'remove', path: `members[value eq "${userId}"]` }),
          ),
          addLocalMember(local, groupId, userId),
        ]);
        expect(removed.statusCode).toBe(204);
        expect(await mappings(groupId, userId), `round ${round}`).toEqual(['LOCAL']);
        // The IdP maps them again while the console lets go: IDP alone is left.
        const [added] = await Promise.all([
          t.scim(
            'PATCH',
            `Groups/${groupId}`,
            patch({ op: 'add', path: 'members', value: [{ value: userId }] }),
          ),
          removeLocalMember(local, groupId, userId).catch((error: unknown) => error),
        ]);
        expect(added.statusCode).toBe(204);
        expect(await mappings(groupId, userId), `round ${round}`).toEqual(['IDP']);
      }
    });

    it("the console's LOCAL add or removal of one member, four at once: one succeeds, the others are refused", async () => {
      const local = localContext();
      for (let round = 0; round < 3; round++) {
        const userId = await createUser(t);
        const group = await createGroupAs(local, { displayName: unique('Four') });
        const codes = async (results: PromiseSettledResult<unknown>[]) =>
          results
            .map((r) =>
              r.status === 'fulfilled' ? 'ok' : String((r.reason as { code?: string }).code),
            )
            .sort();
        const adds = await Promise.allSettled(
          Array.from({ length: 4 }, () => addLocalMember(local, group.id, userId)),
        );
        expect(await codes(adds), `round ${round}`).toEqual([
          'conflict',
          'conflict',
          'conflict',
          'ok',
        ]);
        const removes = await Promise.allSettled(
          Array.from({ length: 4 }, () => removeLocalMember(local, group.id, userId)),
        );
        expect(await codes(removes), `round ${round}`).toEqual([
          'not_found',
          'not_found',
          'not_found',
          'ok',
        ]);
      }
    });

    it("the console's removal of an orphaned mapping beside its takeover by a connection: as in one order or the other", async () => {
      const local = localContext();
      for (let round = 0; round < 5; round++) {
        const gone = await createConnection(t.database.db, unique('gone'), 'test');
        const userId = await createUser(t);
        const pushed = await t.app.inject({
          method: 'POST',
          url: '/scim/v2/Groups',
          headers: {
            authorization: `Bearer ${gone.token}`,
            'content-type': 'application/scim+json',
          },
          payload: JSON.stringify({
            schemas: [GROUP_SCHEMA],
            displayName: unique('Orphan'),
            members: [{ value: userId }],
          }),
        });
        const groupId = json(pushed).id as string;
        await deleteConnection(t.database.db, gone.connection.id, 'test');
        const [added, removed] = await Promise.allSettled([
          t.scim(
            'PATCH',
            `Groups/${groupId}`,
            patch({ op: 'add', path: 'members', value: [{ value: userId }] }),
          ),
          removeLocalMember(local, groupId, userId),
        ]);
        expect(added.status === 'fulfilled' && added.value.statusCode).toBe(204);
        const row = await t.database.db
          .selectFrom('memberships')
          .select(['origin', 'connection_id'])
          .where('group_id', '=', groupId)
          .where('member_id', '=', userId)
          .executeTakeFirst();
        // Removal first: the connection's add makes it again. Add first: the removal is refused.
        expect(row, `round ${round}`).toEqual({ origin: 'IDP', connection_id: t.connectionId });
        if (removed.status === 'rejected') {
          expect((removed.reason as { code?: string }).code).toBe('idp_owned');
        }
      }
    });

    it('concurrent PATCHes of one user with If-Match of the same version: one 200, the others 412', async () => {
      for (let round = 0; round < 3; round++) {
        const userId = await createUser(t);
        const titles = Array.from({ length: 10 }, (_, i) => `Title ${round}-${i}`);
        const responses = await Promise.all(
          titles.map((title) =>
            t.scim(
              'PATCH',
              `Users/${userId}`,
              patch({ op: 'replace', path: 'title', value: title }),
              {
                'if-match': 'W/"1"',
              },
            ),
          ),
        );
        const statuses = responses.map((r) => r.statusCode);
        expect(
          statuses.filter((s) => s === 200),
          JSON.stringify(statuses),
        ).toHaveLength(1);
        expect(
          statuses.filter((s) => s === 412),
          JSON.stringify(statuses),
        ).toHaveLength(9);
        const winner = responses.find((r) => r.statusCode === 200)!;
        const user = json(await t.scim('GET', `Users/${userId}`));
        expect(user.title).toBe(json(winner).title);
        expect((user.meta as Record<string, unknown>).version).toBe('W/"2"');
      }
    });
  });
}
