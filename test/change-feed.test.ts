/**
 * The change feed (src/changes/events.ts): every SCIM write appends its events, in order, in the
 * transaction of the write; a write that changes nothing appends nothing and keeps the version;
 * a write that fails appends nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../src/changes/events.ts';
import type { Event } from '../src/changes/events.ts';
import { DIALECTS } from './support/databases.ts';
import { GROUP_SCHEMA, json, oktaUser, patch, startTestApp } from './support/app.ts';
import type { TestApp } from './support/app.ts';

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}x${randomUUID().slice(0, 8)}`;

const groupBody = (displayName: string, members?: readonly string[]) => ({
  schemas: [GROUP_SCHEMA],
  displayName,
  ...(members !== undefined ? { members: members.map((value) => ({ value })) } : {}),
});

async function lastSeq(t: TestApp): Promise<number> {
  const row = await t.database.db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

async function eventsAfter(t: TestApp, after: number): Promise<Event[]> {
  return listEvents(t.database.db, { after, limit: 10_000 });
}

async function createUser(t: TestApp, userName = `${unique('f')}.feed@example.com`) {
  const body = oktaUser(userName);
  const response = await t.scim('POST', 'Users', body);
  expect(response.statusCode, response.body).toBe(201);
  return { id: json(response).id as string, userName, body };
}

async function createGroup(t: TestApp, displayName: string, members: readonly string[] = []) {
  const response = await t.scim('POST', 'Groups', groupBody(displayName, members));
  expect(response.statusCode, response.body).toBe(201);
  return json(response).id as string;
}

const versionOf = (body: Record<string, unknown>) => (body.meta as Record<string, unknown>).version;

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    it('appends one event per change, in order, with increasing seq and the connection as actor', async () => {
      const start = await lastSeq(t);
      const actor = `connection:${t.connectionId}`;

      // Users: created, updated, deleted.
      const user = await createUser(t);
      const updated = await t.scim(
        'PATCH',
        `Users/${user.id}`,
        patch(
          { op: 'replace', path: 'title', value: 'Engineer' },
          { op: 'replace', path: 'displayName', value: 'Feed User' },
        ),
      );
      expect(updated.statusCode, updated.body).toBe(200);
      expect((await t.scim('DELETE', `Users/${user.id}`)).statusCode).toBe(204);

      // Groups: created with members, a member removed, renamed, deleted.
      const m1 = await createUser(t);
      const m2 = await createUser(t);
      const groupName = unique('FeedGroup');
      const groupId = await createGroup(t, groupName, [m1.id, m2.id]);
      const removed = await t.scim(
        'PATCH',
        `Groups/${groupId}`,
        patch({ op: 'remove', path: `members[value eq "${m1.id}"]` }),
      );
      expect(removed.statusCode, removed.body).toBe(204);
      const newName = unique('FeedRenamed');
      const renamed = await t.scim(
        'PATCH',
        `Groups/${groupId}`,
        patch({ op: 'replace', path: 'displayName', value: newName }),
      );
      expect(renamed.statusCode, renamed.body).toBe(200);
      const added = await t.scim(
        'PATCH',
        `Groups/${groupId}`,
        patch({ op: 'add', path: 'members', value: [{ value: m1.id }] }),
      );
      expect(added.statusCode, added.body).toBe(204);
      expect((await t.scim('DELETE', `Groups/${groupId}`)).statusCode).toBe(204);

      const events = await eventsAfter(t, start);
      expect(events.map((e) => [e.type, e.resourceId])).toEqual([
        ['user.created', user.id],
        ['user.updated', user.id],
        ['user.deleted', user.id],
        ['user.created', m1.id],
        ['user.created', m2.id],
        ['group.created', groupId],
        ['group.member_added', groupId],
        ['group.member_added', groupId],
        ['group.member_removed', groupId],
        ['group.updated', groupId],
        ['group.member_added', groupId],
        ['group.deleted', groupId],
      ]);
      for (let i = 1; i < events.length; i++)
        expect(events[i]!.seq).toBeGreaterThan(events[i - 1]!.seq);
      expect(events[0]!.seq).toBeGreaterThan(start);
      for (const event of events) {
        expect(event.actor).toBe(actor);
        expect(event.resourceType).toBe(event.type.startsWith('user.') ? 'User' : 'Group');
        expect(typeof event.occurredAt).toBe('string');
      }

      const [, userUpdated] = events;
      expect(userUpdated!.summary.changed).toEqual(['displayName', 'title']);
      const memberAdded = events.filter((e) => e.type === 'group.member_added');
      expect(
        memberAdded
          .slice(0, 2)
          .map((e) => e.summary.memberId)
          .sort(),
      ).toEqual([m1.id, m2.id].sort());
      expect(memberAdded[2]!.summary.memberId).toBe(m1.id);
      // A membership change involves its member: the member's history finds it.
      expect(memberAdded.every((e) => e.relatedId === e.summary.memberId)).toBe(true);
      const involving = await listEvents(t.database.db, { involving: m1.id, limit: 100 });
      expect(involving.map((e) => e.type)).toEqual([
        'user.created',
        'group.member_added',
        'group.member_removed',
        'group.member_added',
      ]);
      expect(events.find((e) => e.type === 'group.member_removed')!.summary.memberId).toBe(m1.id);
      const groupUpdated = events.find((e) => e.type === 'group.updated')!;
      expect(groupUpdated.summary.changed).toEqual(['displayName']);
    });

    it('a PUT of a user changing two attributes lists both in summary.changed', async () => {
      const user = await createUser(t);
      const start = await lastSeq(t);
      const response = await t.scim('PUT', `Users/${user.id}`, {
        ...user.body,
        title: 'Boss',
        locale: 'fr-FR',
      });
      expect(response.statusCode, response.body).toBe(200);
      const events = await eventsAfter(t, start);
      expect(events.map((e) => e.type)).toEqual(['user.updated']);
      expect(events[0]!.summary.changed).toEqual(['locale', 'title']);
    });

    describe('a write that changes nothing keeps the version and appends nothing', () => {
      it('PUT of a user with the body it was created with', async () => {
        const user = await createUser(t);
        const start = await lastSeq(t);
        const response = await t.scim('PUT', `Users/${user.id}`, user.body);
        expect(response.statusCode, response.body).toBe(200);
        expect(versionOf(json(response))).toBe('W/"1"');
        expect(response.headers.etag).toBe('W/"1"');
        expect(await eventsAfter(t, start)).toEqual([]);
      });

      it('PATCH of a user replacing an attribute with its own value', async () => {
        const user = await createUser(t);
        const start = await lastSeq(t);
        const response = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'displayName', value: user.body.displayName }),
        );
        expect(response.statusCode, response.body).toBe(200);
        expect(versionOf(json(response))).toBe('W/"1"');
        expect(await eventsAfter(t, start)).toEqual([]);
      });

      it('PUT of a group with the same name and members', async () => {
        const m = await createUser(t);
        const name = unique('Same');
        const groupId = await createGroup(t, name, [m.id]);
        const start = await lastSeq(t);
        const response = await t.scim('PUT', `Groups/${groupId}`, groupBody(name, [m.id]));
        expect(response.statusCode, response.body).toBe(200);
        expect(versionOf(json(response))).toBe('W/"1"');
        expect(await eventsAfter(t, start)).toEqual([]);
      });

      it('PATCH of a group renaming it to its own name', async () => {
        const name = unique('SameName');
        const groupId = await createGroup(t, name);
        const start = await lastSeq(t);
        const response = await t.scim(
          'PATCH',
          `Groups/${groupId}`,
          patch({ op: 'replace', path: 'displayName', value: name }),
        );
        expect(response.statusCode, response.body).toBe(200);
        expect(versionOf(json(response))).toBe('W/"1"');
        expect(await eventsAfter(t, start)).toEqual([]);
      });

      it('PATCH adding a member the group already has, or removing one it does not have', async () => {
        const [m, outsider] = [await createUser(t), await createUser(t)];
        const groupId = await createGroup(t, unique('SameMembers'), [m.id]);
        const start = await lastSeq(t);
        const add = await t.scim(
          'PATCH',
          `Groups/${groupId}`,
          patch({ op: 'add', path: 'members', value: [{ value: m.id }] }),
        );
        expect([200, 204]).toContain(add.statusCode);
        const remove = await t.scim(
          'PATCH',
          `Groups/${groupId}`,
          patch({ op: 'remove', path: `members[value eq "${outsider.id}"]` }),
        );
        expect([200, 204]).toContain(remove.statusCode);
        for (const response of [add, remove]) {
          if (response.statusCode === 204) expect(response.headers.etag).toBe('W/"1"');
          else expect(versionOf(json(response))).toBe('W/"1"');
        }
        expect(await eventsAfter(t, start)).toEqual([]);
        const group = json(await t.scim('GET', `Groups/${groupId}`));
        expect(versionOf(group)).toBe('W/"1"');
      });

      it('PATCH replacing the members with the members it has', async () => {
        const [a, b] = [await createUser(t), await createUser(t)];
        const groupId = await createGroup(t, unique('SameReplace'), [a.id, b.id]);
        const start = await lastSeq(t);
        const response = await t.scim(
          'PATCH',
          `Groups/${groupId}`,
          patch({ op: 'replace', path: 'members', value: [{ value: a.id }, { value: b.id }] }),
        );
        expect([200, 204]).toContain(response.statusCode);
        expect(await eventsAfter(t, start)).toEqual([]);
        const group = json(await t.scim('GET', `Groups/${groupId}`));
        expect(versionOf(group)).toBe('W/"1"');
        const members = (group.members as { value: string }[]).map((x) => x.value).sort();
        expect(members).toEqual([a.id, b.id].sort());
      });
    });

    describe('a write that fails appends nothing', () => {
      it('409: a userName or displayName taken, a rename to a taken name', async () => {
        const user = await createUser(t);
        const taken = unique('Taken');
        await createGroup(t, taken);
        const otherId = await createGroup(t, unique('Other'));
        const start = await lastSeq(t);
        expect(
          (await t.scim('POST', 'Users', oktaUser(user.userName.toUpperCase()))).statusCode,
        ).toBe(409);
        expect((await t.scim('POST', 'Groups', groupBody(taken.toLowerCase()))).statusCode).toBe(
          409,
        );
        const rename = await t.scim(
          'PATCH',
          `Groups/${otherId}`,
          patch({ op: 'replace', path: 'displayName', value: taken }),
        );
        expect(rename.statusCode).toBe(409);
        expect(await eventsAfter(t, start)).toEqual([]);
      });

      it('400: an unknown member in POST, PUT and PATCH', async () => {
        const m = await createUser(t);
        const name = unique('Unknown');
        const groupId = await createGroup(t, name);
        const missing = randomUUID();
        const start = await lastSeq(t);
        expect(
          (await t.scim('POST', 'Groups', groupBody(unique('Never'), [m.id, missing]))).statusCode,
        ).toBe(400);
        expect(
          (
            await t.scim(
              'PUT',
              `Groups/${groupId}`,
              groupBody(unique('NotRenamed'), [m.id, missing]),
            )
          ).statusCode,
        ).toBe(400);
        const patched = await t.scim(
          'PATCH',
          `Groups/${groupId}`,
          patch(
            { op: 'replace', path: 'displayName', value: unique('NotRenamed') },
            { op: 'add', path: 'members', value: [{ value: m.id }, { value: missing }] },
          ),
        );
        expect(patched.statusCode).toBe(400);
        expect(await eventsAfter(t, start)).toEqual([]);
      });

      it('412: a stale If-Match', async () => {
        const user = await createUser(t);
        const start = await lastSeq(t);
        const response = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'title', value: 'Never' }),
          { 'if-match': 'W/"7"' },
        );
        expect(response.statusCode).toBe(412);
        expect(await eventsAfter(t, start)).toEqual([]);
      });
    });
  });
}
