/**
 * Microsoft Entra ID's provisioning service, replayed from /work/shared/reference/idp-wire.md
 * §2. Where the `aadOptscim062020` flag changes the shapes (op casing, `active` as a string or
 * a boolean, several attributes in one path-less replace with dotted and URN keys, member
 * removal by value list or by filter path), the same scenario runs once per mode (§2.13: "test
 * both modes"). Shapes the flag does not change run once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, patch, startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import {
  client,
  expectList,
  expectOkOrNoContent,
  expectResource,
  expectScimError,
  expectUser,
  form,
  memberIds,
  unique,
} from './replay-support.ts';
import type { Resource, Send, Wire } from './replay-support.ts';

/**
 * [Doc] §2.1: requests in `application/scim+json`. [Uncited] §2.1: the User-Agent prefix SPs
 * detect Entra by; nothing here may depend on it.
 */
const ENTRA: Wire = {
  headers: { 'user-agent': 'Microsoft Azure AD SCIM provisioning' },
  bodyHeaders: { 'content-type': 'application/scim+json' },
};

const MS_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

type Op = 'add' | 'replace' | 'remove';

/** What differs between Entra's default (legacy) PATCH and the one under aadOptscim062020. */
interface Mode {
  readonly name: string;
  /** [Doc] §2.7 `"Add"`, `"Replace"`, `"Remove"` by default; §2.13 lower case with the flag. */
  op(op: Op): string;
  /** [Doc] §2.8 `"False"` by default, [Obs] `"false"` too; §2.13 a boolean with the flag. */
  readonly disable: readonly unknown[];
  /** [Obs] §2.8 `"True"` by default; §2.13 a boolean with the flag. */
  readonly enable: unknown;
  /** [Doc] §2.11 `path: members` + a value list by default; §2.13 the filter path with it. */
  removeMembers(ids: string[]): object[];
  /** [Doc] §2.7 one pathed operation each by default; §2.13 merged into a path-less replace. */
  replaceProfile(p: Profile): object[];
}

interface Profile {
  displayName: string;
  email: string;
  givenName: string;
  familyName: string;
  externalId: string;
  employeeNumber: string;
}

const WORK_EMAIL = 'emails[type eq "work"].value';
const EMPLOYEE_NUMBER = `${ENTERPRISE}:employeeNumber`;

const LEGACY: Mode = {
  name: 'default (legacy) PATCH',
  op: (op) => op[0]!.toUpperCase() + op.slice(1),
  disable: ['False', 'false'],
  enable: 'True',
  removeMembers: (ids) => [
    { op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) },
  ],
  replaceProfile: (p) => [
    { op: 'Replace', path: 'displayName', value: p.displayName },
    { op: 'Replace', path: WORK_EMAIL, value: p.email },
    { op: 'Replace', path: 'name.givenName', value: p.givenName },
    { op: 'Replace', path: 'name.familyName', value: p.familyName },
    { op: 'Replace', path: 'externalId', value: p.externalId },
    { op: 'Replace', path: EMPLOYEE_NUMBER, value: p.employeeNumber },
  ],
};

const FLAGGED: Mode = {
  name: 'aadOptscim062020 PATCH',
  op: (op) => op,
  disable: [false],
  enable: true,
  removeMembers: (ids) => ids.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })),
  replaceProfile: (p) => [
    { op: 'replace', path: WORK_EMAIL, value: p.email },
    {
      op: 'replace',
      value: {
        displayName: p.displayName,
        'name.givenName': p.givenName,
        'name.familyName': p.familyName,
        externalId: p.externalId,
        [EMPLOYEE_NUMBER]: p.employeeNumber,
      },
    },
  ],
};

/** [Doc] §2.5: the create body of the default mapping, with `meta` and empty `roles`. */
function entraUserBody(extra: Record<string, unknown> = {}) {
  const userName = `Test_User_${crypto.randomUUID()}`;
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: crypto.randomUUID(),
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: `${userName}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    ...extra,
  };
}

function entraClient(send: Send) {
  return {
    send,
    async createUser(extra: Record<string, unknown> = {}) {
      return expectUser(await send('POST', 'Users', entraUserBody(extra)), 201);
    },
    async getUser(id: string) {
      return expectUser(await send('GET', `Users/${id}`));
    },
    async patchUser(id: string, ...operations: object[]) {
      expectOkOrNoContent(await send('PATCH', `Users/${id}`, patch(...operations)));
    },
    /**
     * [Obs] §2.5 (Q&A 637791): the captured group create, core URI only and `members: []`.
     * (Microsoft's sample body, with a second schema URI, has a test of its own.)
     */
    async createGroup(displayName = unique('Entra Group ')) {
      const response = await send('POST', 'Groups', {
        schemas: [GROUP_SCHEMA],
        externalId: crypto.randomUUID(),
        displayName,
        members: [],
        meta: { resourceType: 'Group' },
      });
      return expectResource(response, 201);
    },
    /** [Doc] §2.6: Entra reads a group without its members. */
    async getGroup(id: string) {
      return expectResource(await send('GET', `Groups/${id}?excludedAttributes=members`));
    },
    async patchGroup(id: string, ...operations: object[]) {
      expectOkOrNoContent(await send('PATCH', `Groups/${id}`, patch(...operations)));
    },
    async members(id: string) {
      return memberIds(expectResource(await send('GET', `Groups/${id}`)));
    },
    /** [Doc] §2.4: Entra's lookups, form-encoded (`+` for spaces). */
    async findUsers(filter: string, extra = '') {
      return expectList(await send('GET', `Users?filter=${form(filter)}${extra}`));
    },
  };
}

/** The enterprise extension of a user, and a check that manager is `{value}` under `manager`. */
function managerOf(user: Resource): unknown {
  const extension = user[ENTERPRISE] as Record<string, unknown> | undefined;
  expect(extension, 'enterprise extension').toBeDefined();
  expect(Object.keys(extension!)).not.toContain('Manager');
  const manager = extension!.manager as Record<string, unknown> | undefined;
  expect(manager, 'manager').toBeDefined();
  expect(Array.isArray(manager), 'manager is an object, not an array').toBe(false);
  expect(typeof manager).toBe('object');
  return manager!.value;
}

/**
 * No attribute path stored as a literal key (§2.13: `"name.givenName"` is a path): a URN key
 * is one of the resource's schemas, and no other key holds a dot or a bracket.
 */
function expectNoLiteralPathKeys(user: Resource): void {
  for (const key of Object.keys(user)) {
    if (key.startsWith('urn:')) expect(user.schemas, `key ${key}`).toContain(key);
    else expect(key, 'a path stored as a literal key').not.toMatch(/[.[]/);
  }
  const extension = (user[ENTERPRISE] ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(extension)) expect(key).not.toMatch(/[.:[]/);
}

for (const dialect of DIALECTS) {
  describe(`Microsoft Entra ID (${dialect})`, () => {
    let t: TestApp;
    let entra: ReturnType<typeof entraClient>;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      entra = entraClient(client(t, ENTRA));
    });
    afterAll(() => t.close());

    describe('Test Connection', () => {
      // [Doc] §2.2 + [Obs] SCIMReferenceCode#63: a random GUID lookup expects 200 and an
      // empty ListResponse; a 404 fails the test.
      it('answers the random-GUID userName lookup with 200 and an empty ListResponse', async () => {
        const list = await entra.findUsers(`userName eq "${crypto.randomUUID()}"`);
        expect(list).toMatchObject({ totalResults: 0, Resources: [] });
      });

      // [Doc] §2.2 "a random user and group": with group sync, the group probe too.
      it('answers the random-GUID group probe with an empty ListResponse', async () => {
        const list = expectList(
          await entra.send(
            'GET',
            `Groups?excludedAttributes=members&filter=${form(`displayName eq "${crypto.randomUUID()}"`)}`,
          ),
        );
        expect(list).toMatchObject({ totalResults: 0, Resources: [] });
      });
    });

    describe('users', () => {
      // [Doc] §2.5: `meta` and empty `roles` in the body; 201 with `id`; `meta` is the SP's.
      it('creates a user from a body carrying meta and empty roles', async () => {
        const body = entraUserBody({ [ENTERPRISE]: { department: 'Finance' } });
        const response = await entra.send('POST', 'Users', body);
        const created = expectUser(response, 201);
        expect(created).toMatchObject({
          userName: body.userName,
          externalId: body.externalId,
          active: true,
          name: { givenName: 'givenName', familyName: 'familyName' },
          emails: [expect.objectContaining({ type: 'work', value: body.emails[0]!.value })],
        });
        const meta = created.meta as Record<string, unknown>;
        expect(meta.resourceType).toBe('User');
        expect(String(meta.location)).toContain(created.id);
        expect(created[ENTERPRISE]).toMatchObject({ department: 'Finance' });
        expect(await entra.getUser(created.id)).toMatchObject({ userName: body.userName });
      });

      // [Doc] §2.4: the lookups Entra sends, form-encoded, including the case-insensitive
      // userName match [Obs] §2.14 (the Validator filters in another case).
      it('finds a user by userName (any case), by externalId, and by work email', async () => {
        const created = await entra.createUser();
        const userName = created.userName as string;
        const email = (created.emails as { value: string }[])[0]!.value;
        for (const filter of [
          `userName eq "${userName}"`,
          `userName eq "${userName.toUpperCase()}"`,
          `externalId eq "${created.externalId as string}"`,
          `emails[type eq "work"].value eq "${email}"`,
        ]) {
          const list = await entra.findUsers(filter);
          expect(
            list.Resources.map((user) => user.id),
            filter,
          ).toEqual([created.id]);
        }
      });

      // [Doc] §2.4: Microsoft's older sample sends externalId unquoted (`externalId eq
      // jyoung`). [Inf] checklist §4: accept it, or refuse it with 400 invalidFilter; never
      // answer a silent empty list.
      it('answers the unquoted externalId lookup with the user or with 400 invalidFilter', async () => {
        const externalId = unique('jyoung');
        const created = await entra.createUser({ externalId });
        const response = await entra.send(
          'GET',
          `Users?filter=${form(`externalId eq ${externalId}`)}`,
        );
        if (response.statusCode === 400) {
          expectScimError(response, 400, 'invalidFilter');
        } else {
          const list = expectList(response);
          expect(list.Resources.map((user) => user.id)).toEqual([created.id]);
        }
      });

      // [Doc] §2.1: parameters in any order; the filter need not come first.
      it('reads a filter that is not the first query parameter', async () => {
        const created = await entra.createUser();
        const list = expectList(
          await entra.send(
            'GET',
            `Users?attributes=id,userName&filter=${form(`userName eq "${created.userName as string}"`)}`,
          ),
        );
        expect(list.Resources.map((user) => user.id)).toEqual([created.id]);
      });

      // [Obs] §2.5 (directory-scimple#1242, azure-docs#69234): a bare-string manager on
      // create; [Obs] §2.10: returned as `{"value": …}` under lower-case `manager`.
      it('accepts a bare-string manager on create and returns it as {value}', async () => {
        const boss = await entra.createUser();
        const created = await entra.createUser({ [ENTERPRISE]: { manager: boss.id } });
        expect(managerOf(created)).toBe(boss.id);
        expect(managerOf(await entra.getUser(created.id))).toBe(boss.id);
      });

      // [Obs] §2.10 (SCIM-SDK#686): current traffic, the URN path and a bare id string.
      // [Obs] §2.10 (azure-docs#11784): Entra re-sends the same manager PATCH; a no-op.
      it('sets the manager from a bare string on the URN path, twice, returned as {value}', async () => {
        const [first, second] = [await entra.createUser(), await entra.createUser()];
        const user = await entra.createUser();
        const setManager = (id: string) =>
          entra.patchUser(user.id, { op: 'add', path: `${ENTERPRISE}:manager`, value: id });
        await setManager(first.id);
        expect(managerOf(await entra.getUser(user.id))).toBe(first.id);
        await setManager(second.id);
        await setManager(second.id);
        const read = await entra.getUser(user.id);
        expect(managerOf(read)).toBe(second.id);
        expectNoLiteralPathKeys(read);
      });

      // [Doc] §2.10 (tutorial example 5): the legacy shape, path `manager` without the URN and
      // an array of {$ref, value}; stored in the enterprise extension, returned as {value}.
      it('sets the manager from the legacy array on path manager', async () => {
        const boss = await entra.createUser();
        const user = await entra.createUser();
        await entra.patchUser(user.id, {
          op: 'Add',
          path: 'manager',
          value: [{ $ref: `https://gatehouse.test/scim/v2/Users/${boss.id}`, value: boss.id }],
        });
        const read = await entra.getUser(user.id);
        expect(managerOf(read)).toBe(boss.id);
        expectNoLiteralPathKeys(read);
      });

      // [Doc] §2.4 (legacy tutorial): the manager check, `id eq … and manager eq …`, on a user
      // created with the manager in object form ([Obs] §2.10, the Validator's form).
      it('answers the manager check filter: a match for the manager, none for another', async () => {
        const boss = await entra.createUser();
        const other = await entra.createUser();
        const user = await entra.createUser({ [ENTERPRISE]: { manager: { value: boss.id } } });
        expect(managerOf(user)).toBe(boss.id);
        const match = await entra.findUsers(
          `id eq "${user.id}" and manager eq "${boss.id}"`,
          '&attributes=id',
        );
        expect(match.Resources.map((u) => u.id)).toEqual([user.id]);
        const none = await entra.findUsers(
          `id eq "${user.id}" and manager eq "${other.id}"`,
          '&attributes=id',
        );
        expect(none).toMatchObject({ totalResults: 0, Resources: [] });
      });

      // [Doc] §2.8: the tutorial's own sample is "Replace" with a boolean; "expect every
      // combination" of op casing and of string or boolean `active`.
      it('disables and enables with every combination of op casing and active spelling', async () => {
        const user = await entra.createUser();
        for (const op of ['Replace', 'replace']) {
          for (const [off, on] of [
            ['False', 'True'],
            ['false', 'true'],
            [false, true],
          ] as const) {
            await entra.patchUser(user.id, { op, path: 'active', value: off });
            expect((await entra.getUser(user.id)).active, `${op} ${String(off)}`).toBe(false);
            await entra.patchUser(user.id, { op, path: 'active', value: on });
            expect((await entra.getUser(user.id)).active, `${op} ${String(on)}`).toBe(true);
          }
        }
      });

      // [Doc] §2.9: DELETE /Users/{id} answers 204; afterwards GET is 404.
      it('deletes a user: 204, then 404 with a SCIM Error', async () => {
        const user = await entra.createUser();
        const response = await entra.send('DELETE', `Users/${user.id}`);
        expect(response.statusCode, response.body).toBe(204);
        expect(response.body).toBe('');
        expectScimError(await entra.send('GET', `Users/${user.id}`), 404);
      });
    });

    describe('groups', () => {
      // [Doc] §2.5: Microsoft's sample body carries a second, non-standard schema URI beside
      // the core one (and `meta`); Entra creates groups this way, so it must be accepted.
      it("creates a group from Microsoft's sample body with the ADSCIM schema URI", async () => {
        const displayName = unique('displayName ');
        const externalId = crypto.randomUUID();
        const created = expectResource(
          await entra.send('POST', 'Groups', {
            schemas: [GROUP_SCHEMA, MS_GROUP_SCHEMA],
            externalId,
            displayName,
            meta: { resourceType: 'Group' },
          }),
          201,
        );
        expect(created).toMatchObject({ displayName, externalId });
        expect(await entra.getGroup(created.id)).toMatchObject({ displayName, externalId });
      });

      // [Obs] §2.5 (Q&A 637791): the captured body, core URI only and `members: []`.
      it('creates a group from the captured body', async () => {
        const displayName = unique('Org Admin ');
        const created = await entra.createGroup(displayName);
        expect(created.displayName).toBe(displayName);
        expect(created.members ?? []).toEqual([]);
      });

      // [Doc] §2.6: `GET /Groups/{id}?excludedAttributes=members` has no `members` key, even
      // for a group with members ([Obs] the Validator fails an SP that returns it).
      it('leaves members out of GET /Groups/{id}?excludedAttributes=members', async () => {
        const user = await entra.createUser();
        const group = await entra.createGroup();
        await entra.patchGroup(group.id, {
          op: 'Add',
          path: 'members',
          value: [{ $ref: null, value: user.id }],
        });
        const read = await entra.getGroup(group.id);
        expect(read).not.toHaveProperty('members');
        expect(read.displayName).toBe(group.displayName);
      });

      // [Obs] §2.1 (Q&A 923479): the group match, `excludedAttributes` first, `+` for spaces;
      // [Obs] §2.14: case-insensitive on displayName.
      it('finds a group by displayName in any case, without members', async () => {
        const displayName = unique('Sales Team ');
        const group = await entra.createGroup(displayName);
        for (const name of [displayName, displayName.toUpperCase(), displayName.toLowerCase()]) {
          const list = expectList(
            await entra.send(
              'GET',
              `Groups?excludedAttributes=members&filter=${form(`displayName eq "${name}"`)}`,
            ),
          );
          expect(
            list.Resources.map((g) => g.id),
            name,
          ).toEqual([group.id]);
          expect(list.Resources[0]).not.toHaveProperty('members');
        }
      });

      // [Inf] Not in idp-wire.md; asked for by the brief, by analogy with the documented
      // manager check (§2.4, `eq` and `and` only): is this user a member of this group?
      it('answers id eq … and members[value eq …] with the group only when it has the member', async () => {
        const [inside, outside] = [await entra.createUser(), await entra.createUser()];
        const group = await entra.createGroup();
        await entra.patchGroup(group.id, {
          op: 'Add',
          path: 'members',
          value: [{ value: inside.id }],
        });
        const query = (userId: string) =>
          entra.send(
            'GET',
            `Groups?excludedAttributes=members&filter=${form(`id eq "${group.id}" and members[value eq "${userId}"]`)}`,
          );
        expect(expectList(await query(inside.id)).Resources.map((g) => g.id)).toEqual([group.id]);
        expect(expectList(await query(outside.id)).totalResults).toBe(0);
      });

      // [Doc] §2.4 (displayName must be unique for groups); [Obs] §2.14: the Validator's
      // duplicate create expects 409.
      it('answers 409 to a group with a displayName that exists', async () => {
        const group = await entra.createGroup();
        const response = await entra.send('POST', 'Groups', {
          schemas: [GROUP_SCHEMA],
          externalId: crypto.randomUUID(),
          displayName: group.displayName,
          members: [],
          meta: { resourceType: 'Group' },
        });
        expectScimError(response, 409, 'uniqueness');
      });

      // [Doc] §2.12: DELETE /Groups/{id} answers 204; then 404.
      it('deletes a group: 204, then 404', async () => {
        const group = await entra.createGroup();
        const response = await entra.send('DELETE', `Groups/${group.id}`);
        expect(response.statusCode, response.body).toBe(204);
        expectScimError(await entra.send('GET', `Groups/${group.id}`), 404);
      });
    });

    for (const mode of [LEGACY, FLAGGED]) {
      describe(mode.name, () => {
        // [Doc] §2.7 (legacy: one pathed operation per attribute) and §2.13 item 3 (flag: a
        // path-less replace with dotted and URN keys, value-filtered paths kept apart).
        it('updates several attributes, storing dotted and URN keys as paths', async () => {
          const user = await entra.createUser({ [ENTERPRISE]: { employeeNumber: '1' } });
          const profile: Profile = {
            displayName: 'Pvlo Bjfe',
            email: `${unique('testbcwqnm')}@test.microsoft.com`,
            givenName: 'Kkom',
            familyName: 'Unua',
            externalId: unique('Eqpj'),
            employeeNumber: 'Aklq',
          };
          await entra.patchUser(user.id, ...mode.replaceProfile(profile));
          const read = await entra.getUser(user.id);
          expect(read).toMatchObject({
            displayName: profile.displayName,
            externalId: profile.externalId,
            name: expect.objectContaining({
              givenName: profile.givenName,
              familyName: profile.familyName,
            }),
          });
          expect(read.emails).toEqual([
            expect.objectContaining({ type: 'work', value: profile.email }),
          ]);
          expect(read[ENTERPRISE]).toMatchObject({ employeeNumber: profile.employeeNumber });
          expect(read).not.toHaveProperty(['name.givenName']);
          expectNoLiteralPathKeys(read);
        });

        // [Doc] §2.7: adding an attribute that had no value; the rename of userName.
        it('adds nickName and renames userName', async () => {
          const user = await entra.createUser();
          const newName = `${crypto.randomUUID()}@testuser.com`;
          await entra.patchUser(
            user.id,
            { op: mode.op('add'), path: 'nickName', value: 'Babs' },
            { op: mode.op('replace'), path: 'userName', value: newName },
          );
          expect(await entra.getUser(user.id)).toMatchObject({
            nickName: 'Babs',
            userName: newName,
          });
          const list = await entra.findUsers(`userName eq "${newName}"`);
          expect(list.Resources.map((u) => u.id)).toEqual([user.id]);
        });

        // [Doc] §2.8 / §2.13 item 2: disable with `active` "False" (and [Obs] "false") or
        // false; re-enable with [Obs] "True" or true. The user stays readable, inactive.
        it('disables and re-enables a user', async () => {
          const user = await entra.createUser();
          for (const off of mode.disable) {
            await entra.patchUser(user.id, { op: mode.op('replace'), path: 'active', value: off });
            const disabled = await entra.getUser(user.id);
            expect(disabled.active, String(off)).toBe(false);
            expect(disabled.userName).toBe(user.userName);
            await entra.patchUser(user.id, {
              op: mode.op('replace'),
              path: 'active',
              value: mode.enable,
            });
            expect((await entra.getUser(user.id)).active).toBe(true);
          }
        });

        // [Doc] §2.11: add with `$ref: null`; [Inf] several members in one value list.
        // [Doc] §2.11 / §2.13 item 4: remove by value list (legacy), which must remove ONLY
        // the listed members ([Obs] vouch#1415), or by filter path (flag).
        it('adds members, then removes only the listed ones', async () => {
          const users = [
            await entra.createUser(),
            await entra.createUser(),
            await entra.createUser(),
            await entra.createUser(),
          ];
          const ids = users.map((u) => u.id);
          const group = await entra.createGroup();
          await entra.patchGroup(group.id, {
            op: mode.op('add'),
            path: 'members',
            value: ids.map((value) => ({ $ref: null, value })),
          });
          expect(await entra.members(group.id)).toEqual([...ids].sort());

          await entra.patchGroup(group.id, ...mode.removeMembers([ids[0]!, ids[1]!]));
          expect(await entra.members(group.id)).toEqual([ids[2]!, ids[3]!].sort());

          // [Doc] §2.11 gallery checklist: several membership changes in one request.
          await entra.patchGroup(group.id, ...mode.removeMembers([ids[2]!]), {
            op: mode.op('add'),
            path: 'members',
            value: [{ $ref: null, value: ids[0]! }],
          });
          expect(await entra.members(group.id)).toEqual([ids[0]!, ids[3]!].sort());
        });

        // [Doc] §2.12: the rename, `Replace` (or `replace`) on path displayName.
        it('renames a group', async () => {
          const group = await entra.createGroup();
          const renamed = unique('updatedDisplayName ');
          await entra.patchGroup(group.id, {
            op: mode.op('replace'),
            path: 'displayName',
            value: renamed,
          });
          const read = await entra.getGroup(group.id);
          expect(read.displayName).toBe(renamed);
          expect(read).not.toHaveProperty('members');
        });
      });
    }
  });
}
