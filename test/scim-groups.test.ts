/**
 * SCIM Groups end to end (RFC 7643 §4.2, RFC 7644 §3): creation, uniqueness of displayName,
 * members and nested groups, PATCH in the shapes Okta and Entra ID send, PUT, projections that
 * must not read the membership table, filters, ETags, deletion, membership origin, and
 * membership changes whose cost does not depend on the group's size.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.ts';
import {
  GROUP_SCHEMA,
  PUBLIC_URL,
  SCIM,
  json,
  oktaUser,
  patch,
  startTestApp,
} from './support/app.ts';
import type { TestApp } from './support/app.ts';
import { expectScimError } from './support/scim-errors.ts';

const BASE = `${PUBLIC_URL}${SCIM}`;

interface MemberBody {
  value: string;
  display?: string;
  type?: string;
  $ref?: string;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${randomUUID().slice(0, 8)}`;

function groupBody(
  displayName: string,
  members?: readonly string[],
  extra: Record<string, unknown> = {},
) {
  return {
    schemas: [GROUP_SCHEMA],
    displayName,
    ...(members !== undefined ? { members: members.map((value) => ({ value })) } : {}),
    ...extra,
  };
}

async function createUser(t: TestApp, userName = `${unique('u')}.test@example.com`) {
  const response = await t.scim('POST', 'Users', oktaUser(userName));
  expect(response.statusCode, response.body).toBe(201);
  return { id: json(response).id as string, userName };
}

async function createUsers(t: TestApp, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, () => createUser(t)),
    );
    ids.push(...batch.map((u) => u.id));
  }
  return ids;
}

async function createGroup(
  t: TestApp,
  displayName = unique('group'),
  members: readonly string[] = [],
) {
  const response = await t.scim('POST', 'Groups', groupBody(displayName, members));
  expect(response.statusCode, response.body).toBe(201);
  return { id: json(response).id as string, displayName };
}

async function getGroup(t: TestApp, id: string) {
  const response = await t.scim('GET', `Groups/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return json(response);
}

function membersOf(body: Record<string, unknown>): MemberBody[] {
  return (body.members as MemberBody[] | undefined) ?? [];
}

async function memberIds(t: TestApp, groupId: string): Promise<string[]> {
  return membersOf(await getGroup(t, groupId))
    .map((m) => m.value)
    .sort();
}

async function lastSeq(t: TestApp): Promise<number> {
  const row = await t.database.db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

const addMembers = (...ids: string[]) =>
  patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) });
const removeMember = (id: string) => patch({ op: 'remove', path: `members[value eq "${id}"]` });
const filterUrl = (filter: string, extra = '') =>
  `Groups?filter=${encodeURIComponent(filter)}${extra}`;

/** The SQL a request ran, without the bearer-token look-up (and its last-used bookkeeping). */
function appQueries(t: TestApp): string[] {
  return t.database.queries.filter((q) => !/connection_tokens|"connections"/.test(q));
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    describe('POST /Groups', () => {
      it('creates a group (Okta shape) with Location, ETag, meta and the SCIM content type', async () => {
        const response = await t.scim('POST', 'Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: 'Eng',
          members: [],
        });
        expect(response.statusCode, response.body).toBe(201);
        expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
        const body = json(response);
        const id = body.id as string;
        expect(typeof id).toBe('string');
        expect(id).not.toBe('');
        const location = `${BASE}/Groups/${id}`;
        expect(response.headers.location).toBe(location);
        expect(response.headers.etag).toBe('W/"1"');
        expect(body.schemas).toEqual([GROUP_SCHEMA]);
        expect(body.displayName).toBe('Eng');
        const meta = body.meta as Record<string, unknown>;
        expect(meta.location).toBe(location);
        expect(meta.resourceType).toBe('Group');
        expect(meta.version).toBe('W/"1"');
        if ('members' in body) expect(body.members).toEqual([]);
      });

      it('refuses a displayName that differs only in case: 409 uniqueness', async () => {
        const name = unique('Team');
        await createGroup(t, name);
        const response = await t.scim('POST', 'Groups', groupBody(name.toLowerCase(), []));
        expectScimError(response, 409, 'uniqueness');
        const list = json(await t.scim('GET', filterUrl(`displayName eq "${name}"`)));
        expect(list.totalResults).toBe(1);
      });

      it('refuses "eng" after "Eng"', async () => {
        const response = await t.scim('POST', 'Groups', groupBody('eng', []));
        expectScimError(response, 409, 'uniqueness');
      });

      it('refuses a rename by PATCH or PUT to a name taken (in any case)', async () => {
        const taken = await createGroup(t, unique('Taken'));
        const other = await createGroup(t, unique('Other'));
        const byPatch = await t.scim(
          'PATCH',
          `Groups/${other.id}`,
          patch({ op: 'replace', path: 'displayName', value: taken.displayName.toUpperCase() }),
        );
        expectScimError(byPatch, 409, 'uniqueness');
        const byPut = await t.scim('PUT', `Groups/${other.id}`, groupBody(taken.displayName));
        expectScimError(byPut, 409, 'uniqueness');
        const after = await getGroup(t, other.id);
        expect(after.displayName).toBe(other.displayName);
        expect((after.meta as Record<string, unknown>).version).toBe('W/"1"');
      });

      it('creates a group with users and a nested group as members, each with value, display, type and $ref', async () => {
        const alice = await createUser(t);
        const bob = await createUser(t);
        const nested = await createGroup(t, unique('Nested'));
        const response = await t.scim(
          'POST',
          'Groups',
          groupBody(unique('Parent'), undefined, {
            members: [{ value: alice.id }, { value: bob.id, type: 'User' }, { value: nested.id }],
          }),
        );
        expect(response.statusCode, response.body).toBe(201);
        const id = json(response).id as string;
        const members = membersOf(await getGroup(t, id));
        const byId = new Map(members.map((m) => [m.value, m]));
        expect(members).toHaveLength(3);
        expect(byId.get(alice.id)).toEqual({
          value: alice.id,
          display: alice.userName,
          type: 'User',
          $ref: `${BASE}/Users/${alice.id}`,
        });
        expect(byId.get(bob.id)).toEqual({
          value: bob.id,
          display: bob.userName,
          type: 'User',
          $ref: `${BASE}/Users/${bob.id}`,
        });
        expect(byId.get(nested.id)).toEqual({
          value: nested.id,
          display: nested.displayName,
          type: 'Group',
          $ref: `${BASE}/Groups/${nested.id}`,
        });
      });
    });

    describe('unknown members', () => {
      it('POST: 400 invalidValue naming the id; the group is not created; no event', async () => {
        const alice = await createUser(t);
        const missing = randomUUID();
        const name = unique('Ghosts');
        const seq = await lastSeq(t);
        const response = await t.scim('POST', 'Groups', groupBody(name, [alice.id, missing]));
        const error = expectScimError(response, 400, 'invalidValue');
        expect(error.detail).toContain(missing);
        const list = json(await t.scim('GET', filterUrl(`displayName eq "${name}"`)));
        expect(list.totalResults).toBe(0);
        expect(await lastSeq(t)).toBe(seq);
        const rows = await t.database.db
          .selectFrom('memberships')
          .select('group_id')
          .where('member_id', '=', alice.id)
          .execute();
        expect(rows).toEqual([]);
      });

      it('PUT: 400 naming the id; neither the members nor the name change; no event', async () => {
        const [a, b] = await createUsers(t, 2);
        const group = await createGroup(t, unique('PutGhost'), [a!]);
        const missing = randomUUID();
        const seq = await lastSeq(t);
        const response = await t.scim(
          'PUT',
          `Groups/${group.id}`,
          groupBody(unique('Renamed'), [b!, missing]),
        );
        const error = expectScimError(response, 400, 'invalidValue');
        expect(error.detail).toContain(missing);
        const after = await getGroup(t, group.id);
        expect(after.displayName).toBe(group.displayName);
        expect(membersOf(after).map((m) => m.value)).toEqual([a]);
        expect((after.meta as Record<string, unknown>).version).toBe('W/"1"');
        expect(await lastSeq(t)).toBe(seq);
      });

      it('PATCH: 400 naming the id; the rename and the other members of the request are not applied; no event', async () => {
        const [a, b, c] = await createUsers(t, 3);
        const group = await createGroup(t, unique('PatchGhost'), [a!]);
        const missing = randomUUID();
        const seq = await lastSeq(t);
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch(
            { op: 'replace', path: 'displayName', value: unique('NotApplied') },
            { op: 'remove', path: `members[value eq "${a}"]` },
            { op: 'add', path: 'members', value: [{ value: b }, { value: missing }, { value: c }] },
          ),
        );
        const error = expectScimError(response, 400, 'invalidValue');
        expect(error.detail).toContain(missing);
        const after = await getGroup(t, group.id);
        expect(after.displayName).toBe(group.displayName);
        expect(membersOf(after).map((m) => m.value)).toEqual([a]);
        expect((after.meta as Record<string, unknown>).version).toBe('W/"1"');
        expect(await lastSeq(t)).toBe(seq);
      });

      it('PATCH replace members with an unknown id: 400; the current members stay', async () => {
        const [a, b] = await createUsers(t, 2);
        const group = await createGroup(t, unique('ReplaceGhost'), [a!]);
        const missing = randomUUID();
        const seq = await lastSeq(t);
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', path: 'members', value: [{ value: b }, { value: missing }] }),
        );
        const error = expectScimError(response, 400, 'invalidValue');
        expect(error.detail).toContain(missing);
        expect(await memberIds(t, group.id)).toEqual([a]);
        expect(await lastSeq(t)).toBe(seq);
      });
    });

    describe('nested groups', () => {
      it('refuses a cycle: A contains B, adding A to B is 400; adding A to A is 400', async () => {
        const b = await createGroup(t, unique('B'));
        const a = await createGroup(t, unique('A'), [b.id]);
        const seq = await lastSeq(t);
        expectScimError(
          await t.scim('PATCH', `Groups/${b.id}`, addMembers(a.id)),
          400,
          'invalidValue',
        );
        expectScimError(
          await t.scim('PATCH', `Groups/${a.id}`, addMembers(a.id)),
          400,
          'invalidValue',
        );
        expectScimError(
          await t.scim('PUT', `Groups/${b.id}`, groupBody(b.displayName, [a.id])),
          400,
          'invalidValue',
        );
        expect(await memberIds(t, b.id)).toEqual([]);
        expect(await memberIds(t, a.id)).toEqual([b.id]);
        expect(await lastSeq(t)).toBe(seq);
      });

      it('refuses an indirect cycle: A ⊃ B ⊃ C, adding A to C is 400', async () => {
        const c = await createGroup(t, unique('C'));
        const b = await createGroup(t, unique('B'), [c.id]);
        const a = await createGroup(t, unique('A'), [b.id]);
        expectScimError(
          await t.scim('PATCH', `Groups/${c.id}`, addMembers(a.id)),
          400,
          'invalidValue',
        );
        expect(await memberIds(t, c.id)).toEqual([]);
      });

      it('User.groups lists direct groups as "direct" and parents of nested groups as "indirect"', async () => {
        const user = await createUser(t);
        const direct = await createGroup(t, unique('Direct'), [user.id]);
        const parent = await createGroup(t, unique('Parent'), [direct.id]);
        const grandParent = await createGroup(t, unique('GrandParent'), [parent.id]);
        await createGroup(t, unique('Unrelated'));
        const response = await t.scim('GET', `Users/${user.id}`);
        expect(response.statusCode).toBe(200);
        const groups = (json(response).groups as MemberBody[]) ?? [];
        const byId = new Map(groups.map((g) => [g.value, g]));
        expect(groups).toHaveLength(3);
        expect(byId.get(direct.id)).toMatchObject({
          value: direct.id,
          display: direct.displayName,
          type: 'direct',
          $ref: `${BASE}/Groups/${direct.id}`,
        });
        expect(byId.get(parent.id)).toMatchObject({
          display: parent.displayName,
          type: 'indirect',
        });
        expect(byId.get(grandParent.id)).toMatchObject({
          display: grandParent.displayName,
          type: 'indirect',
        });
      });

      it('User.groups is read-only: POST and PUT with "groups" succeed and change no membership', async () => {
        const group = await createGroup(t, unique('ReadOnly'));
        const userName = `${unique('ro')}.user@example.com`;
        const created = await t.scim(
          'POST',
          'Users',
          oktaUser(userName, { groups: [{ value: group.id, display: group.displayName }] }),
        );
        expect(created.statusCode, created.body).toBe(201);
        const id = json(created).id as string;
        const replaced = await t.scim(
          'PUT',
          `Users/${id}`,
          oktaUser(userName, { groups: [{ value: group.id, type: 'direct' }] }),
        );
        expect(replaced.statusCode, replaced.body).toBe(200);
        expect(await memberIds(t, group.id)).toEqual([]);
        const user = json(await t.scim('GET', `Users/${id}`));
        expect((user.groups as unknown[] | undefined) ?? []).toEqual([]);
      });
    });

    describe('PATCH members', () => {
      it('add (Okta shape, with display) answers 204 and GET shows the member', async () => {
        const user = await createUser(t);
        const group = await createGroup(t);
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'add', path: 'members', value: [{ value: user.id, display: 'x' }] }),
        );
        expect(response.statusCode, response.body).toBe(204);
        const members = membersOf(await getGroup(t, group.id));
        expect(members).toEqual([
          {
            value: user.id,
            display: user.userName,
            type: 'User',
            $ref: `${BASE}/Users/${user.id}`,
          },
        ]);
      });

      it('a repeated add is harmless: no error, no duplicate', async () => {
        const user = await createUser(t);
        const group = await createGroup(t, unique('Repeat'), [user.id]);
        const response = await t.scim('PATCH', `Groups/${group.id}`, addMembers(user.id, user.id));
        expect([200, 204]).toContain(response.statusCode);
        const again = await t.scim('PATCH', `Groups/${group.id}`, addMembers(user.id));
        expect([200, 204]).toContain(again.statusCode);
        expect(await memberIds(t, group.id)).toEqual([user.id]);
      });

      it('remove members[value eq "id"] removes only that member; removing a non-member succeeds', async () => {
        const [a, b, c, outsider] = await createUsers(t, 4);
        const group = await createGroup(t, unique('Remove'), [a!, b!, c!]);
        const response = await t.scim('PATCH', `Groups/${group.id}`, removeMember(b!));
        expect(response.statusCode, response.body).toBe(204);
        expect(await memberIds(t, group.id)).toEqual([a, c].sort());
        const notMember = await t.scim('PATCH', `Groups/${group.id}`, removeMember(outsider!));
        expect([200, 204]).toContain(notMember.statusCode);
        const nobody = await t.scim('PATCH', `Groups/${group.id}`, removeMember(randomUUID()));
        expect([200, 204]).toContain(nobody.statusCode);
        const again = await t.scim('PATCH', `Groups/${group.id}`, removeMember(b!));
        expect([200, 204]).toContain(again.statusCode);
        expect(await memberIds(t, group.id)).toEqual([a, c].sort());
      });

      it('Entra ID\'s "Remove" with a value removes only the listed members', async () => {
        const [a, b, c] = await createUsers(t, 3);
        const group = await createGroup(t, unique('Entra'), [a!, b!, c!]);
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'Remove', path: 'members', value: [{ value: a }] }),
        );
        expect(response.statusCode, response.body).toBe(204);
        expect(await memberIds(t, group.id)).toEqual([b, c].sort());
      });

      it('replace members sets exactly the given members', async () => {
        const [a, b, c] = await createUsers(t, 3);
        const group = await createGroup(t, unique('Replace'), [a!, b!]);
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', path: 'members', value: [{ value: b }, { value: c }] }),
        );
        expect(response.statusCode, response.body).toBe(204);
        expect(await memberIds(t, group.id)).toEqual([b, c].sort());
      });

      it("Okta's remove and add in one request", async () => {
        const [a, b, c] = await createUsers(t, 3);
        const group = await createGroup(t, unique('Mixed'), [a!, b!]);
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch(
            { op: 'remove', path: `members[value eq "${a}"]` },
            { op: 'add', path: 'members', value: [{ value: c, display: 'c@example.com' }] },
          ),
        );
        expect(response.statusCode, response.body).toBe(204);
        expect(await memberIds(t, group.id)).toEqual([b, c].sort());
      });

      it("Okta's rename echoes the id: renamed; with another id: 400 mutability", async () => {
        const user = await createUser(t);
        const group = await createGroup(t, unique('OktaOld'), [user.id]);
        const newName = unique('OktaNew');
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', value: { id: group.id, displayName: newName } }),
        );
        expect(response.statusCode, response.body).toBe(200);
        expect(json(response).displayName).toBe(newName);
        expect((await getGroup(t, group.id)).displayName).toBe(newName);

        const other = await createGroup(t, unique('OktaOther'));
        const bad = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', value: { id: other.id, displayName: unique('Never') } }),
        );
        expectScimError(bad, 400, 'mutability');
        const after = await getGroup(t, group.id);
        expect(after.id).toBe(group.id);
        expect(after.displayName).toBe(newName);
      });

      it('a members PATCH with ?attributes=displayName answers 200 with the projected body', async () => {
        const user = await createUser(t);
        const group = await createGroup(t, unique('Projected'));
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}?attributes=displayName`,
          addMembers(user.id),
        );
        expect(response.statusCode, response.body).toBe(200);
        const body = json(response);
        expect(body.id).toBe(group.id);
        expect(body.displayName).toBe(group.displayName);
        expect(body).not.toHaveProperty('members');
        expect(response.headers.etag).toBe('W/"2"');
        expect(await memberIds(t, group.id)).toEqual([user.id]);
      });

      it('a PATCH changing only displayName answers 200 with the full group', async () => {
        const [a, b] = await createUsers(t, 2);
        const group = await createGroup(t, unique('Full'), [a!, b!]);
        const newName = unique('FullRenamed');
        const response = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', path: 'displayName', value: newName }),
        );
        expect(response.statusCode, response.body).toBe(200);
        const body = json(response);
        expect(body.id).toBe(group.id);
        expect(body.displayName).toBe(newName);
        expect(body.schemas).toEqual([GROUP_SCHEMA]);
        expect(
          membersOf(body)
            .map((m) => m.value)
            .sort(),
        ).toEqual([a, b].sort());
        const meta = body.meta as Record<string, unknown>;
        expect(meta.version).toBe('W/"2"');
        expect(meta.location).toBe(`${BASE}/Groups/${group.id}`);
        expect(response.headers.etag).toBe('W/"2"');
      });
    });

    describe('PUT /Groups/{id}', () => {
      it('with a members list replaces the members', async () => {
        const [a, b, c] = await createUsers(t, 3);
        const group = await createGroup(t, unique('Put'), [a!, b!]);
        const response = await t.scim(
          'PUT',
          `Groups/${group.id}`,
          groupBody(group.displayName, [b!, c!]),
        );
        expect(response.statusCode, response.body).toBe(200);
        expect(
          membersOf(json(response))
            .map((m) => m.value)
            .sort(),
        ).toEqual([b, c].sort());
        expect(await memberIds(t, group.id)).toEqual([b, c].sort());
      });

      it('without "members" leaves the members as they are', async () => {
        const [a, b] = await createUsers(t, 2);
        const group = await createGroup(t, unique('PutKeep'), [a!, b!]);
        const newName = unique('PutKeepRenamed');
        const response = await t.scim('PUT', `Groups/${group.id}`, groupBody(newName));
        expect(response.statusCode, response.body).toBe(200);
        const after = await getGroup(t, group.id);
        expect(after.displayName).toBe(newName);
        expect(
          membersOf(after)
            .map((m) => m.value)
            .sort(),
        ).toEqual([a, b].sort());
      });

      it('with "members": [] empties the group', async () => {
        const [a, b] = await createUsers(t, 2);
        const group = await createGroup(t, unique('PutEmpty'), [a!, b!]);
        const response = await t.scim(
          'PUT',
          `Groups/${group.id}`,
          groupBody(group.displayName, []),
        );
        expect(response.statusCode, response.body).toBe(200);
        expect(await memberIds(t, group.id)).toEqual([]);
      });
    });

    describe('excludedAttributes=members', () => {
      it('GET /Groups/{id} returns no members and never reads the membership table', async () => {
        const user = await createUser(t);
        const group = await createGroup(t, unique('Excluded'), [user.id]);
        // The check can see a membership query: the same GET without the projection runs one.
        t.database.queries.length = 0;
        expect(membersOf(await getGroup(t, group.id))).toHaveLength(1);
        expect(appQueries(t).some((q) => q.includes('memberships'))).toBe(true);

        t.database.queries.length = 0;
        const response = await t.scim('GET', `Groups/${group.id}?excludedAttributes=members`);
        const queries = appQueries(t);
        expect(response.statusCode, response.body).toBe(200);
        const body = json(response);
        expect(body.id).toBe(group.id);
        expect(body.displayName).toBe(group.displayName);
        expect(body).not.toHaveProperty('members');
        expect(queries.filter((q) => q.includes('memberships'))).toEqual([]);
        // One statement, less the provisioning log's writes of the requests before (t.scim).
        expect(queries.filter((q) => !/provisioning_log|^begin|^commit/.test(q))).toEqual([
          expect.stringMatching(/^select .* from "groups" where "groups"\."id" = (\?|\$1) /),
        ]);
      });

      it('GET /Groups?excludedAttributes=members&filter=displayName eq ... returns no members and never reads the membership table', async () => {
        const user = await createUser(t);
        const group = await createGroup(t, unique('ExcludedList'), [user.id]);
        t.database.queries.length = 0;
        const response = await t.scim(
          'GET',
          `Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${group.displayName}"`)}`,
        );
        const queries = t.database.queries.slice();
        expect(response.statusCode, response.body).toBe(200);
        const body = json(response);
        expect(body.totalResults).toBe(1);
        const resources = body.Resources as Record<string, unknown>[];
        expect(resources).toHaveLength(1);
        expect(resources[0]!.id).toBe(group.id);
        expect(resources[0]).not.toHaveProperty('members');
        expect(queries.filter((q) => q.includes('memberships'))).toEqual([]);
      });
    });

    describe('filters', () => {
      it('displayName eq is case-insensitive', async () => {
        const group = await createGroup(t, unique('CaseFilter'));
        const response = await t.scim(
          'GET',
          filterUrl(`displayName eq "${group.displayName.toLowerCase()}"`),
        );
        expect(response.statusCode, response.body).toBe(200);
        const body = json(response);
        expect(body.totalResults).toBe(1);
        expect((body.Resources as Record<string, unknown>[])[0]!.id).toBe(group.id);
      });

      it('members[value eq "<userId>"] finds exactly the groups the user is a direct member of', async () => {
        const [user, other] = await createUsers(t, 2);
        const g1 = await createGroup(t, unique('With1'), [user!, other!]);
        const g2 = await createGroup(t, unique('With2'), [user!]);
        await createGroup(t, unique('Without'), [other!]);
        const response = await t.scim('GET', filterUrl(`members[value eq "${user}"]`));
        expect(response.statusCode, response.body).toBe(200);
        const body = json(response);
        expect(body.totalResults).toBe(2);
        const ids = (body.Resources as Record<string, unknown>[]).map((r) => r.id).sort();
        expect(ids).toEqual([g1.id, g2.id].sort());
      });

      it('id eq "<gid>" and members[value eq "<uid>"] (Entra ID) tells whether the user is a member', async () => {
        const [member, outsider] = await createUsers(t, 2);
        const group = await createGroup(t, unique('EntraCheck'), [member!]);
        const hit = json(
          await t.scim(
            'GET',
            filterUrl(
              `id eq "${group.id}" and members[value eq "${member}"]`,
              '&excludedAttributes=members',
            ),
          ),
        );
        expect(hit.totalResults).toBe(1);
        expect((hit.Resources as Record<string, unknown>[])[0]!.id).toBe(group.id);
        const miss = json(
          await t.scim(
            'GET',
            filterUrl(
              `id eq "${group.id}" and members[value eq "${outsider}"]`,
              '&excludedAttributes=members',
            ),
          ),
        );
        expect(miss.totalResults).toBe(0);
      });

      it('externalId eq', async () => {
        const externalId = unique('00g-ext');
        const created = await t.scim(
          'POST',
          'Groups',
          groupBody(unique('External'), [], { externalId }),
        );
        expect(created.statusCode, created.body).toBe(201);
        await createGroup(t, unique('NoExternal'));
        const body = json(await t.scim('GET', filterUrl(`externalId eq "${externalId}"`)));
        expect(body.totalResults).toBe(1);
        const resource = (body.Resources as Record<string, unknown>[])[0]!;
        expect(resource.id).toBe(json(created).id);
        expect(resource.externalId).toBe(externalId);
      });
    });

    describe('ETags', () => {
      it('If-Match with a stale version: 412 on PATCH, PUT and DELETE; "*" matches', async () => {
        const group = await createGroup(t, unique('Etag'));
        const renamed = unique('EtagRenamed');
        const first = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', path: 'displayName', value: renamed }),
          { 'if-match': 'W/"1"' },
        );
        expect(first.statusCode, first.body).toBe(200);
        expect(first.headers.etag).toBe('W/"2"');

        const stalePatch = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', path: 'displayName', value: unique('Stale') }),
          { 'if-match': 'W/"1"' },
        );
        expectScimError(stalePatch, 412);
        expectScimError(
          await t.scim('PUT', `Groups/${group.id}`, groupBody(unique('Stale')), {
            'if-match': 'W/"1"',
          }),
          412,
        );
        expectScimError(
          await t.scim('DELETE', `Groups/${group.id}`, undefined, { 'if-match': 'W/"1"' }),
          412,
        );
        const still = await getGroup(t, group.id);
        expect(still.displayName).toBe(renamed);
        expect((still.meta as Record<string, unknown>).version).toBe('W/"2"');

        const starPatch = await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', path: 'displayName', value: unique('Star') }),
          { 'if-match': '*' },
        );
        expect(starPatch.statusCode, starPatch.body).toBe(200);
        expect(starPatch.headers.etag).toBe('W/"3"');
        const current = await t.scim('PUT', `Groups/${group.id}`, groupBody(unique('Current')), {
          'if-match': 'W/"3"',
        });
        expect(current.statusCode, current.body).toBe(200);
        const starDelete = await t.scim('DELETE', `Groups/${group.id}`, undefined, {
          'if-match': '*',
        });
        expect(starDelete.statusCode).toBe(204);
      });

      it('If-None-Match with the current ETag answers 304; with a stale one 200', async () => {
        const group = await createGroup(t, unique('NoneMatch'));
        const notModified = await t.scim('GET', `Groups/${group.id}`, undefined, {
          'if-none-match': 'W/"1"',
        });
        expect(notModified.statusCode).toBe(304);
        expect(notModified.body).toBe('');
        await t.scim(
          'PATCH',
          `Groups/${group.id}`,
          patch({ op: 'replace', path: 'displayName', value: unique('NM') }),
        );
        const modified = await t.scim('GET', `Groups/${group.id}`, undefined, {
          'if-none-match': 'W/"1"',
        });
        expect(modified.statusCode).toBe(200);
        expect(modified.headers.etag).toBe('W/"2"');
      });
    });

    describe('DELETE /Groups/{id}', () => {
      it("deletes: 204, then 404; gone from its members' groups and from its parent group", async () => {
        const user = await createUser(t);
        const child = await createGroup(t, unique('Child'), [user.id]);
        const parent = await createGroup(t, unique('ParentDel'), [child.id, user.id]);
        const before = json(await t.scim('GET', `Users/${user.id}`));
        expect(((before.groups as MemberBody[]) ?? []).map((g) => g.value).sort()).toEqual(
          [child.id, parent.id].sort(),
        );

        const response = await t.scim('DELETE', `Groups/${child.id}`);
        expect(response.statusCode, response.body).toBe(204);
        expect(response.body).toBe('');
        expectScimError(await t.scim('GET', `Groups/${child.id}`), 404);
        expectScimError(await t.scim('DELETE', `Groups/${child.id}`), 404);

        const user2 = json(await t.scim('GET', `Users/${user.id}`));
        const groups = (user2.groups as MemberBody[]) ?? [];
        expect(groups.map((g) => g.value)).toEqual([parent.id]);
        expect(groups[0]!.type).toBe('direct');
        expect(await memberIds(t, parent.id)).toEqual([user.id]);
      });

      it('a user in no other group lists no groups after its only group is deleted', async () => {
        const user = await createUser(t);
        const group = await createGroup(t, unique('Only'), [user.id]);
        expect((await t.scim('DELETE', `Groups/${group.id}`)).statusCode).toBe(204);
        const body = json(await t.scim('GET', `Users/${user.id}`));
        expect((body.groups as unknown[] | undefined) ?? []).toEqual([]);
        const list = json(await t.scim('GET', filterUrl(`members[value eq "${user.id}"]`)));
        expect(list.totalResults).toBe(0);
      });
    });

    it('memberships a SCIM connection makes have origin IDP and its connection id', async () => {
      const [a, b, c] = await createUsers(t, 3);
      const nested = await createGroup(t, unique('OriginNested'));
      const group = await createGroup(t, unique('Origin'), [a!]);
      expect(
        (await t.scim('PATCH', `Groups/${group.id}`, addMembers(b!, nested.id))).statusCode,
      ).toBe(204);
      expect(
        (
          await t.scim(
            'PUT',
            `Groups/${group.id}`,
            groupBody(group.displayName, [a!, b!, c!, nested.id]),
          )
        ).statusCode,
      ).toBe(200);
      const rows = await t.database.db
        .selectFrom('memberships')
        .selectAll()
        .where('group_id', '=', group.id)
        .execute();
      expect(rows).toHaveLength(4);
      for (const row of rows) {
        expect(row.origin).toBe('IDP');
        expect(row.connection_id).toBe(t.connectionId);
      }
      expect(rows.map((r) => r.member_id).sort()).toEqual([a, b, c, nested.id].sort());
      expect(Object.fromEntries(rows.map((r) => [r.member_id, r.member_type]))).toEqual({
        [a!]: 'User',
        [b!]: 'User',
        [c!]: 'User',
        [nested.id]: 'Group',
      });
    });

    describe('membership changes cost O(members changed)', () => {
      const SIZE = 3000;

      /** The SQL one PATCH runs (bearer auth aside), and its status. */
      async function measure(groupId: string, body: unknown) {
        t.database.queries.length = 0;
        const response = await t.scim('PATCH', `Groups/${groupId}`, body);
        return { status: response.statusCode, queries: appQueries(t) };
      }

      /** A query reading or deleting memberships without naming the member(s): O(group size). */
      function wholeGroupQueries(queries: readonly string[]): string[] {
        return queries.filter(
          (q) =>
            /\bmemberships\b/i.test(q) &&
            !/^\s*insert\b/i.test(q) &&
            !/member_id"?\s*(=|in\b)/i.test(q),
        );
      }

      it('a single add or remove runs the same queries on a 3000-member group as on a 10-member group', async () => {
        const users = await createUsers(t, SIZE + 4);
        const big = users.slice(0, SIZE);
        const small = users.slice(0, 10);
        const [newForSmall, newForBig] = users.slice(SIZE, SIZE + 2);

        const smallGroup = await createGroup(t, unique('Small'));
        const bigGroup = await createGroup(t, unique('Big'));
        expect(
          (await t.scim('PATCH', `Groups/${smallGroup.id}`, addMembers(...small))).statusCode,
        ).toBe(204);
        const built = await t.scim('PATCH', `Groups/${bigGroup.id}`, addMembers(...big));
        expect(built.statusCode, built.body).toBe(204);
        const count = await t.database.db
          .selectFrom('memberships')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('group_id', '=', bigGroup.id)
          .executeTakeFirstOrThrow();
        expect(Number(count.n)).toBe(SIZE);

        const addSmall = await measure(smallGroup.id, addMembers(newForSmall!));
        const addBig = await measure(bigGroup.id, addMembers(newForBig!));
        expect(addSmall.status).toBe(204);
        expect(addBig.status).toBe(204);
        expect(addBig.queries.length).toBe(addSmall.queries.length);
        expect(wholeGroupQueries(addBig.queries)).toEqual([]);

        const removeSmall = await measure(smallGroup.id, removeMember(small[4]!));
        const removeBig = await measure(bigGroup.id, removeMember(big[1500]!));
        expect(removeSmall.status).toBe(204);
        expect(removeBig.status).toBe(204);
        expect(removeBig.queries.length).toBe(removeSmall.queries.length);
        expect(wholeGroupQueries(removeBig.queries)).toEqual([]);

        // Entra ID's shape of a single remove, too.
        const entra = (id: string) =>
          patch({ op: 'Remove', path: 'members', value: [{ value: id }] });
        const entraSmall = await measure(smallGroup.id, entra(small[5]!));
        const entraBig = await measure(bigGroup.id, entra(big[1501]!));
        expect(entraBig.status).toBe(204);
        expect(entraBig.queries.length).toBe(entraSmall.queries.length);
        expect(wholeGroupQueries(entraBig.queries)).toEqual([]);

        const after = await t.database.db
          .selectFrom('memberships')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('group_id', '=', bigGroup.id)
          .executeTakeFirstOrThrow();
        expect(Number(after.n)).toBe(SIZE + 1 - 2);
      }, 180_000);
    });
  });
}
