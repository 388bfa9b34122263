/**
 * The other SCIM clients of /work/shared/reference/idp-wire.md §3 (OneLogin, JumpCloud,
 * authentik, PingFederate/PingOne, the Keycloak extension, Rippling), and Microsoft's SCIM
 * Validator (§2.16), one `describe` each. Only what differs from Okta and Entra is replayed.
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
  expectScimJson,
  expectUser,
  form,
  memberIds,
  unique,
} from './replay-support.ts';
import type { Resource, Send, Wire } from './replay-support.ts';

/** A core user body, as most of these clients build it. */
function userBody(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Given', familyName: 'Family' },
    emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}

/** Small verbs every client here uses, over its own headers. */
function verbs(send: Send) {
  return {
    send,
    async createUser(body: Record<string, unknown>) {
      return expectUser(await send('POST', 'Users', body), 201);
    },
    async getUser(id: string) {
      return expectUser(await send('GET', `Users/${id}`));
    },
    async createGroup(body: Record<string, unknown>) {
      return expectResource(await send('POST', 'Groups', body), 201);
    },
    async getGroup(id: string) {
      return expectResource(await send('GET', `Groups/${id}`));
    },
    async patch(url: string, ...operations: object[]) {
      expectOkOrNoContent(await send('PATCH', url, patch(...operations)));
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`other SCIM clients (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    describe('OneLogin', () => {
      // [Inf] §3 OneLogin: the access log shows `application/json`; expect it, not scim+json.
      const ONELOGIN: Wire = {
        headers: { accept: 'application/json' },
        bodyHeaders: { 'content-type': 'application/json' },
      };
      let onelogin: ReturnType<typeof verbs>;
      beforeAll(() => {
        onelogin = verbs(client(t, ONELOGIN));
      });

      // [3P] §3 OneLogin (keepnetlabs): templates quote booleans, `"active": "{$user.active}"`.
      it('creates a user from a template body with "active": "true"', async () => {
        const userName = unique('onelogin-test-user');
        const created = await onelogin.createUser(userBody(userName, { active: 'true' }));
        expect(created.active).toBe(true);
        expect((await onelogin.getUser(created.id)).active).toBe(true);
      });

      // [Obs] §3 OneLogin (authentik#11249): `filter=userName+eq+%22…%22&` with a trailing `&`.
      it('looks a user up with a trailing & in the query', async () => {
        const userName = unique('onelogin-test-user');
        const created = await onelogin.createUser(userBody(userName, { active: 'true' }));
        const list = expectList(
          await onelogin.send('GET', `Users?filter=${form(`userName eq "${userName}"`)}&`),
        );
        expect(list.Resources.map((user) => user.id)).toEqual([created.id]);
      });

      // [Obs] §3 OneLogin (authentik#11249): user updates are PUT, to `/Users/{id}?` with a
      // trailing `?`. [3P] quoted booleans; [3P] (Living Security) unassigning sets inactive.
      it('updates by PUT /Users/{id}? and deactivates with "active": "false"', async () => {
        const userName = unique('onelogin-test-user');
        const created = await onelogin.createUser(userBody(userName, { active: 'true' }));
        const updated = expectUser(
          await onelogin.send(
            'PUT',
            `Users/${created.id}?`,
            userBody(userName, { active: 'true', title: 'Engineer' }),
          ),
        );
        expect(updated.title).toBe('Engineer');
        expectScimJson(
          await onelogin.send(
            'PUT',
            `Users/${created.id}?`,
            userBody(userName, { active: 'false', title: 'Engineer' }),
          ),
        );
        const read = await onelogin.getUser(created.id);
        expect(read).toMatchObject({ userName, title: 'Engineer', active: false });
      });

      // [Obs] §3 OneLogin (authentik#11249): adding a user to a group is a PATCH on
      // /Groups/{id}; [Inf] the operation shape is not captured, so the RFC form.
      it('adds a user to a group by PATCH with an application/json body', async () => {
        const user = await onelogin.createUser(userBody(unique('onelogin-member')));
        const group = await onelogin.createGroup({
          schemas: [GROUP_SCHEMA],
          displayName: unique('OneLogin Group '),
        });
        await onelogin.patch(`Groups/${group.id}`, {
          op: 'add',
          path: 'members',
          value: [{ value: user.id }],
        });
        expect(memberIds(await onelogin.getGroup(group.id))).toEqual([user.id]);
      });
    });

    describe('JumpCloud', () => {
      // [Inf] §3 JumpCloud: its headers are not documented; SCIM's content type.
      const JUMPCLOUD: Wire = {
        headers: {},
        bodyHeaders: { 'content-type': 'application/scim+json' },
      };
      let jumpcloud: ReturnType<typeof verbs>;
      beforeAll(() => {
        jumpcloud = verbs(client(t, JUMPCLOUD));
      });

      // [Doc] §3 JumpCloud: Test Connection creates a test user and a test group from the
      // admin's test email, then deletes both; the SP handles the whole cycle at setup.
      it('survives the destructive Test Connection: create then delete a user and a group', async () => {
        const email = `${unique('scim-test')}@example.com`;
        const user = await jumpcloud.createUser(
          userBody(email, { emails: [{ value: email, type: 'work', primary: true }] }),
        );
        const group = await jumpcloud.createGroup({
          schemas: [GROUP_SCHEMA],
          displayName: unique('JumpCloud Test Group '),
        });
        for (const url of [`Groups/${group.id}`, `Users/${user.id}`]) {
          const response = await jumpcloud.send('DELETE', url);
          expect(response.statusCode, `${url}: ${response.body}`).toBe(204);
          expectScimError(await jumpcloud.send('GET', url), 404);
        }
      });

      // [3P] §3 JumpCloud (uni-moni): member PATCH in Entra's legacy shape, `path: members`
      // and a value list with no filter; a removal takes out only the listed member.
      it('removes only the listed member with path members and a value list', async () => {
        const [ann, bob] = [
          await jumpcloud.createUser(userBody(unique('jc-ann'))),
          await jumpcloud.createUser(userBody(unique('jc-bob'))),
        ];
        const group = await jumpcloud.createGroup({
          schemas: [GROUP_SCHEMA],
          displayName: unique('JumpCloud Group '),
        });
        await jumpcloud.patch(`Groups/${group.id}`, {
          op: 'add',
          path: 'members',
          value: [{ value: ann.id }, { value: bob.id }],
        });
        await jumpcloud.patch(`Groups/${group.id}`, {
          op: 'remove',
          path: 'members',
          value: [{ value: ann.id }],
        });
        expect(memberIds(await jumpcloud.getGroup(group.id))).toEqual([bob.id]);
      });
    });

    describe('authentik', () => {
      // [Obs] §3 authentik (source): Bearer token, scim+json Accept and Content-Type.
      const AUTHENTIK: Wire = {
        headers: { accept: 'application/scim+json' },
        bodyHeaders: { 'content-type': 'application/scim+json' },
      };
      let authentik: ReturnType<typeof verbs>;
      beforeAll(() => {
        authentik = verbs(client(t, AUTHENTIK));
      });

      // [Obs] §3 authentik (source): reads /ServiceProviderConfig first and behaves by
      // `patch.supported`, `filter.supported` and `bulk.maxOperations` (the PATCH chunk size).
      it('reads /ServiceProviderConfig: patch and filter supported, an integer maxOperations', async () => {
        const response = await authentik.send('GET', 'ServiceProviderConfig');
        expect(response.statusCode, response.body).toBe(200);
        expectScimJson(response);
        const config = response.json() as Record<string, Record<string, unknown>>;
        expect(config.patch!.supported).toBe(true);
        expect(config.filter!.supported).toBe(true);
        expect(Number.isInteger(config.bulk!.maxOperations)).toBe(true);
      });

      // [Obs] §3 authentik (source): user updates are always a full PUT.
      it('updates a user with a full PUT', async () => {
        const userName = unique('ak-user');
        const created = await authentik.createUser(userBody(userName));
        const updated = expectUser(
          await authentik.send(
            'PUT',
            `Users/${created.id}`,
            userBody(userName, {
              name: { givenName: 'Renamed', familyName: 'Family', formatted: 'Renamed Family' },
              displayName: 'Renamed Family',
            }),
          ),
        );
        expect(updated.id).toBe(created.id);
        expect(await authentik.getUser(created.id)).toMatchObject({
          userName,
          displayName: 'Renamed Family',
          name: { givenName: 'Renamed' },
          active: true,
        });
      });

      // [Obs] §3 authentik (source): on 409 it looks the user up by
      // `filter=userName+eq+%22…%22` and links to what it finds.
      it('answers 409 on create, then the lookup finds the existing user', async () => {
        const userName = unique('ak-existing');
        const existing = await authentik.createUser(userBody(userName));
        expectScimError(await authentik.send('POST', 'Users', userBody(userName)), 409);
        const list = expectList(
          await authentik.send('GET', `Users?filter=${form(`userName eq "${userName}"`)}`),
        );
        expect(list.Resources.map((user) => user.id)).toEqual([existing.id]);
      });

      // [Obs] §3 authentik (source): POST with no members, then one add per member (chunks of
      // `bulk.maxOperations`); removal in the legacy form, `path: members` + a value list.
      it('pushes members one add at a time and removes one in the legacy form', async () => {
        const users = [
          await authentik.createUser(userBody(unique('ak-m'))),
          await authentik.createUser(userBody(unique('ak-m'))),
          await authentik.createUser(userBody(unique('ak-m'))),
        ];
        const group = await authentik.createGroup({
          schemas: [GROUP_SCHEMA],
          displayName: unique('authentik Group '),
          externalId: crypto.randomUUID(),
        });
        for (const user of users) {
          await authentik.patch(`Groups/${group.id}`, {
            op: 'add',
            path: 'members',
            value: [{ value: user.id }],
          });
        }
        expect(memberIds(await authentik.getGroup(group.id))).toEqual(
          users.map((u) => u.id).sort(),
        );
        await authentik.patch(`Groups/${group.id}`, {
          op: 'remove',
          path: 'members',
          value: [{ value: users[0]!.id }],
        });
        expect(memberIds(await authentik.getGroup(group.id))).toEqual(
          [users[1]!.id, users[2]!.id].sort(),
        );
      });

      // [Obs] §3 authentik (source): a group update is a path-less replace of the whole group
      // as authentik models it (`schemas`, `id`, `externalId`, `displayName`; `members` left
      // out), then GET /Groups/{id} to diff the members, which the replace must not touch.
      it('updates a group by a path-less replace of the whole group, keeping its members', async () => {
        const user = await authentik.createUser(userBody(unique('ak-keep')));
        const externalId = crypto.randomUUID();
        const group = await authentik.createGroup({
          schemas: [GROUP_SCHEMA],
          displayName: unique('authentik Group '),
          externalId,
        });
        await authentik.patch(`Groups/${group.id}`, {
          op: 'add',
          path: 'members',
          value: [{ value: user.id }],
        });
        const renamed = unique('authentik Renamed ');
        await authentik.patch(`Groups/${group.id}`, {
          op: 'replace',
          value: { schemas: [GROUP_SCHEMA], displayName: renamed, externalId, id: group.id },
        });
        const read = await authentik.getGroup(group.id);
        expect(read).toMatchObject({ id: group.id, displayName: renamed, externalId });
        expect(memberIds(read)).toEqual([user.id]);
      });
    });

    describe('PingFederate / PingOne', () => {
      // [Uncited] §3 Ping: third-party code recognises PingFederate by `Apache-HttpClient`.
      const PING: Wire = {
        headers: { 'user-agent': 'Apache-HttpClient/4.5.13 (Java/11.0.20)' },
        bodyHeaders: { 'content-type': 'application/scim+json' },
      };
      let ping: ReturnType<typeof verbs>;
      beforeAll(() => {
        ping = verbs(client(t, PING));
      });

      // [Doc] §3 Ping (GitHub EMU provisioner): `GET /Users/0` before every run expects 404;
      // [Inf] the generic provisioner may probe alike.
      it('answers the GET /Users/0 probe with 404 and a SCIM Error', async () => {
        expectScimError(await ping.send('GET', 'Users/0'), 404);
      });

      // [Doc] §3 Ping: an option provisions already-disabled users, `active: false` on create;
      // users are matched on userName by default.
      it('creates a user with active false, which stays inactive and findable', async () => {
        const userName = unique('ping-user');
        const created = await ping.createUser(userBody(userName, { active: false }));
        expect(created.active).toBe(false);
        expect((await ping.getUser(created.id)).active).toBe(false);
        const list = expectList(
          await ping.send('GET', `Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`),
        );
        expect(list.Resources.map((user) => user.id)).toEqual([created.id]);
      });
    });

    describe('Keycloak (scim-for-keycloak extension)', () => {
      const KEYCLOAK: Wire = {
        headers: {},
        bodyHeaders: { 'content-type': 'application/scim+json' },
      };
      let keycloak: ReturnType<typeof verbs>;
      beforeAll(() => {
        keycloak = verbs(client(t, KEYCLOAK));
      });

      // [Obs] §3 Keycloak (scim-for-keycloak#172): the reconcile path sends a path-less
      // replace whose value is a JSON *string*, followed by the membership changes.
      // [Inf] checklist §4: parse it, or reject it clearly; a rejection is atomic.
      it('parses a path-less replace whose value is a JSON string, or rejects the whole PATCH', async () => {
        const user = await keycloak.createUser(userBody(unique('kc-user')));
        const externalId = crypto.randomUUID();
        const displayName = unique('example/developers ');
        const group = await keycloak.createGroup({ schemas: [GROUP_SCHEMA], displayName });
        const renamed = `${displayName} reconciled`;
        const response = await keycloak.send(
          'PATCH',
          `Groups/${group.id}`,
          patch(
            {
              op: 'replace',
              value: JSON.stringify({ schemas: [GROUP_SCHEMA], externalId, displayName: renamed }),
            },
            { op: 'add', path: 'members', value: [{ value: user.id }] },
          ),
        );
        const read = await keycloak.getGroup(group.id);
        if (response.statusCode === 400) {
          const error = expectScimError(response, 400);
          // Atomic: neither the rename nor the member add was applied.
          expect(read.displayName).toBe(displayName);
          expect(memberIds(read)).toEqual([]);
          // Clear: the refusal is about the value's form, not some other attribute.
          expect(['invalidValue', 'invalidSyntax'], String(error.detail)).toContain(error.scimType);
        } else {
          expectOkOrNoContent(response);
          expect(read).toMatchObject({ displayName: renamed, externalId });
          expect(memberIds(read)).toEqual([user.id]);
        }
      });

      // [Obs] §3 Keycloak (scim-for-keycloak#134, #172): the normal group update removes with
      // `members[value eq "…"]` and adds with `members`.
      it('removes by members[value eq …] and adds by members in one PATCH', async () => {
        const [ann, bob, cy] = [
          await keycloak.createUser(userBody(unique('kc-ann'))),
          await keycloak.createUser(userBody(unique('kc-bob'))),
          await keycloak.createUser(userBody(unique('kc-cy'))),
        ];
        const group = await keycloak.createGroup({
          schemas: [GROUP_SCHEMA],
          displayName: unique('Keycloak Group '),
          members: [{ value: ann.id }, { value: bob.id }],
        });
        await keycloak.patch(
          `Groups/${group.id}`,
          { op: 'remove', path: `members[value eq "${ann.id}"]` },
          { op: 'add', path: 'members', value: [{ value: cy.id }] },
        );
        expect(memberIds(await keycloak.getGroup(group.id))).toEqual([bob.id, cy.id].sort());
      });
    });

    describe('Rippling', () => {
      const RIPPLING: Wire = {
        headers: {},
        bodyHeaders: { 'content-type': 'application/scim+json' },
      };
      let rippling: ReturnType<typeof verbs>;
      beforeAll(() => {
        rippling = verbs(client(t, RIPPLING));
      });

      // [3P] §3 Rippling (authn.sh, unverified): the connection test reads the config.
      it('answers the GET /ServiceProviderConfig probe', async () => {
        const response = await rippling.send('GET', 'ServiceProviderConfig');
        expect(response.statusCode, response.body).toBe(200);
        expectScimJson(response);
      });

      // [Inf] §3 Rippling: without "Use PATCH to edit Groups", group edits are PUT.
      it('edits a group by PUT with its full member list', async () => {
        const [ann, bob, cy] = [
          await rippling.createUser(userBody(unique('rp-ann'))),
          await rippling.createUser(userBody(unique('rp-bob'))),
          await rippling.createUser(userBody(unique('rp-cy'))),
        ];
        const displayName = unique('Rippling Dept ');
        const group = await rippling.createGroup({ schemas: [GROUP_SCHEMA], displayName });
        const put = async (name: string, members: Resource[]) => {
          const response = await rippling.send('PUT', `Groups/${group.id}`, {
            schemas: [GROUP_SCHEMA],
            displayName: name,
            members: members.map((m) => ({ value: m.id })),
          });
          expect(response.statusCode, response.body).toBe(200);
          expectScimJson(response);
        };
        await put(displayName, [ann, bob]);
        expect(memberIds(await rippling.getGroup(group.id))).toEqual([ann.id, bob.id].sort());
        await put(`${displayName} (renamed)`, [cy]);
        const read = await rippling.getGroup(group.id);
        expect(read.displayName).toBe(`${displayName} (renamed)`);
        expect(memberIds(read)).toEqual([cy.id]);
      });
    });

    describe('Microsoft SCIM Validator', () => {
      // [Obs] §2.1 (SCIMServer gap analysis): the Validator sends `; charset=utf-8`.
      const VALIDATOR: Wire = {
        headers: {},
        bodyHeaders: { 'content-type': 'application/scim+json; charset=utf-8' },
      };
      let validator: ReturnType<typeof verbs>;
      beforeAll(() => {
        validator = verbs(client(t, VALIDATOR));
      });
      // [Obs] §2.16: random upper-case strings and realistic emails.
      // Upper-case letters only, like the validator's; digits become letters one for one, so
      // two values never collide.
      const randomUpper = () =>
        unique('V')
          .toUpperCase()
          .replace(/[0-9]/g, (d) => 'ABCDEFGHIJ'[Number(d)]!)
          .replace(/[^A-Z]/g, 'Q');
      const validatorUser = (extra: Record<string, unknown> = {}) =>
        userBody(`${randomUpper().toLowerCase()}@abernathypadberg.uk`, {
          schemas: [USER_SCHEMA, ENTERPRISE],
          externalId: randomUpper(),
          ...extra,
        });

      // [Inf] Not in idp-wire.md; asked for by the brief: a PATCH whose `Operations` is empty
      // changes nothing and succeeds. (RFC 7644 §3.5.2 asks for "one or more" operations.)
      it('answers a PATCH with empty Operations with 200 or 204 and changes nothing', async () => {
        const created = await validator.createUser(validatorUser());
        const before = await validator.getUser(created.id);
        expectOkOrNoContent(
          await validator.send('PATCH', `Users/${created.id}`, {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [],
          }),
        );
        const after = await validator.getUser(created.id);
        const { meta: _before, ...beforeData } = before;
        const { meta: _after, ...afterData } = after;
        expect(afterData).toEqual(beforeData);
      });

      // [Obs] §2.16: the Validator's disable uses lower-case ops and a boolean.
      it('disables a user with {"op":"replace","path":"active","value":false}', async () => {
        const created = await validator.createUser(validatorUser());
        await validator.patch(`Users/${created.id}`, {
          op: 'replace',
          path: 'active',
          value: false,
        });
        expect((await validator.getUser(created.id)).active).toBe(false);
      });

      // [Obs] §2.10, §2.16: manager add and replace with `{"value": …}` on the URN path, and
      // remove with the URN path; the manager then disappears from the extension.
      it('adds, replaces and removes the manager through the URN path', async () => {
        const [first, second] = [
          await validator.createUser(validatorUser()),
          await validator.createUser(validatorUser()),
        ];
        const user = await validator.createUser(
          validatorUser({ [ENTERPRISE]: { department: 'KMYVNUJVVZWC' } }),
        );
        const path = `${ENTERPRISE}:manager`;
        await validator.patch(`Users/${user.id}`, { op: 'add', path, value: { value: first.id } });
        expect((await validator.getUser(user.id))[ENTERPRISE]).toMatchObject({
          manager: { value: first.id },
        });
        await validator.patch(`Users/${user.id}`, {
          op: 'replace',
          path,
          value: { value: second.id },
        });
        expect((await validator.getUser(user.id))[ENTERPRISE]).toMatchObject({
          manager: { value: second.id },
        });
        await validator.patch(`Users/${user.id}`, { op: 'remove', path });
        const read = await validator.getUser(user.id);
        expect(read[ENTERPRISE]).toEqual({ department: 'KMYVNUJVVZWC' });
        expect(Object.keys(read).filter((key) => key.startsWith(`${ENTERPRISE}:`))).toEqual([]);
      });

      // [Obs] §2.16 (SCIMServer gap analysis, failure #1): value-filtered paths on emails,
      // phoneNumbers and addresses; checklist §4: create the element when it is missing.
      it('replaces through value-filtered paths, creating missing elements', async () => {
        const created = await validator.createUser(validatorUser());
        const email = `${randomUpper().toLowerCase()}@millszboncak.ca`;
        await validator.patch(
          `Users/${created.id}`,
          { op: 'replace', path: 'emails[type eq "work"].value', value: email },
          { op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '07-272-0828' },
          {
            op: 'replace',
            path: 'addresses[type eq "work"].streetAddress',
            value: '2809 Johns Walk',
          },
          { op: 'replace', path: 'addresses[type eq "work"].locality', value: 'KMYVNUJVVZWC' },
        );
        const read = await validator.getUser(created.id);
        expect(read.emails).toEqual([expect.objectContaining({ type: 'work', value: email })]);
        expect(read.phoneNumbers).toEqual([
          expect.objectContaining({ type: 'work', value: '07-272-0828' }),
        ]);
        expect(read.addresses).toEqual([
          expect.objectContaining({
            type: 'work',
            streetAddress: '2809 Johns Walk',
            locality: 'KMYVNUJVVZWC',
          }),
        ]);
        expect(Object.keys(read).filter((key) => key.includes('['))).toEqual([]);
      });

      // [Obs] §2.16 (failure #2): userName renamed by a path-less replace.
      it('renames userName with a path-less replace', async () => {
        const created = await validator.createUser(validatorUser());
        const renamed = `${randomUpper().toLowerCase()}@hermann.uk`;
        await validator.patch(`Users/${created.id}`, {
          op: 'replace',
          value: { userName: renamed },
        });
        expect((await validator.getUser(created.id)).userName).toBe(renamed);
      });

      // [Obs] §2.12, §2.16: group path-less replace with {externalId}, then {displayName};
      // member add, and remove by filter path.
      it('updates a group by path-less replace and changes its members', async () => {
        const user = await validator.createUser(validatorUser());
        const group = await validator.createGroup({
          schemas: [GROUP_SCHEMA],
          displayName: randomUpper(),
          externalId: crypto.randomUUID(),
        });
        const externalId = crypto.randomUUID();
        const displayName = randomUpper();
        await validator.patch(`Groups/${group.id}`, { op: 'replace', value: { externalId } });
        await validator.patch(`Groups/${group.id}`, { op: 'replace', value: { displayName } });
        expect(await validator.getGroup(group.id)).toMatchObject({ externalId, displayName });

        await validator.patch(`Groups/${group.id}`, {
          op: 'add',
          path: 'members',
          value: [{ value: user.id }],
        });
        expect(memberIds(await validator.getGroup(group.id))).toEqual([user.id]);
        await validator.patch(`Groups/${group.id}`, {
          op: 'remove',
          path: `members[value eq "${user.id}"]`,
        });
        expect(memberIds(await validator.getGroup(group.id))).toEqual([]);
      });
    });
  });
}
