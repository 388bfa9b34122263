/**
 * Okta's SCIM 2.0 client, replayed from /work/shared/reference/idp-wire.md §1: the three kinds
 * of Okta app (OIN template apps: PUT for profile, PATCH for (de)activation and password; App
 * Integration Wizard apps: GET then a full PUT for everything; Okta Integration Wizard apps:
 * PATCH), the connection test, import paging, Group Push, and the SPEC test suite's shapes.
 * Okta never sends DELETE /Users/{id} (§1.7), so nothing here deletes a user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { GROUP_SCHEMA, USER_SCHEMA, patch, startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import {
  client,
  expectList,
  expectOkOrNoContent,
  expectResource,
  expectScimError,
  expectScimJson,
  expectUser,
  memberIds,
  pct,
  unique,
} from './replay-support.ts';
import type { Resource, Send, Wire } from './replay-support.ts';

/** Live provisioning traffic: headers of a captured Okta PUT. [Doc] User-Agent; [Obs] the rest. */
const OKTA: Wire = {
  headers: {
    'user-agent': 'Okta SCIM Client 1.0.0',
    accept: 'application/scim+json',
    'accept-charset': 'utf-8',
    'accept-encoding': 'gzip,deflate',
    connection: 'Keep-Alive',
  },
  bodyHeaders: { 'content-type': 'application/scim+json; charset=utf-8' },
};

/** Okta's SPEC/CRUD review suites (§1.12): another User-Agent, same charset headers. [Doc] */
const OKTA_SPEC_SUITE: Wire = {
  headers: { 'user-agent': 'OKTA SCIM Integration', 'accept-charset': 'utf-8' },
  bodyHeaders: { 'content-type': 'application/scim+json; charset=utf-8' },
};

const NOT_AN_ID = '00000000-0000-0000-0000-000000000000';

/** The requests an Okta app sends, as small verbs. */
function oktaClient(send: Send) {
  return {
    send,
    /** §1.4 step 1: the lookup on userName, `%20` for spaces, filter → startIndex → count. */
    async lookup(userName: string) {
      return expectList(
        await send(
          'GET',
          `Users?filter=${pct(`userName eq "${userName}"`)}&startIndex=1&count=100`,
        ),
      );
    },
    /** §1.4 step 2: Okta's create body, with its meaningless `password` placeholder. */
    async createUser(userName: string, extra: Record<string, unknown> = {}) {
      const response = await send('POST', 'Users', oktaCreateBody(userName, extra));
      return expectUser(response, 201);
    },
    async getUser(id: string) {
      return expectUser(await send('GET', `Users/${id}`));
    },
    /** §1.6: GET the user, change what Okta maps, PUT the whole object back. */
    async getThenPut(id: string, change: (user: Resource) => Record<string, unknown>) {
      const current = await this.getUser(id);
      return expectUser(await send('PUT', `Users/${id}`, change(current)));
    },
    async createGroup(displayName: string) {
      const response = await send('POST', 'Groups', {
        schemas: [GROUP_SCHEMA],
        displayName,
        members: [],
      });
      return expectResource(response, 201);
    },
    async getGroup(id: string) {
      return expectResource(await send('GET', `Groups/${id}`));
    },
    /** §1.9: the path-less "rename" that carries the group's own id, sent with every push. */
    async renamePatch(id: string, displayName: string) {
      expectOkOrNoContent(
        await send('PATCH', `Groups/${id}`, patch({ op: 'replace', value: { id, displayName } })),
      );
    },
  };
}

function oktaCreateBody(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: `00u${unique('jl29u0le5T6Aj')}`,
    groups: [],
    password: '1mz050nq',
    active: true,
    ...extra,
  };
}

const member = (user: Resource) => ({ value: user.id, display: user.userName as string });

for (const dialect of DIALECTS) {
  describe(`Okta (${dialect})`, () => {
    // §1.2: the connection test has to be seen on an empty directory, so it has its own app.
    describe('Test Connector Configuration on an empty, then a non-empty directory', () => {
      let t: TestApp;
      let okta: ReturnType<typeof oktaClient>;
      beforeAll(async () => {
        t = await startTestApp(dialect);
        okta = oktaClient(client(t, OKTA));
      });
      afterAll(() => t.close());

      // [Doc] §1.2: `GET /Users?startIndex=1&count=2`, constant; 200 and integer paging numbers.
      // [Doc] §1.2 empty-directory pitfall: the empty case must still be a well-formed list.
      it('answers GET /Users?startIndex=1&count=2 with an empty ListResponse of integers', async () => {
        const list = expectList(await okta.send('GET', 'Users?startIndex=1&count=2'));
        expect(list).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0 });
        expect(list.Resources).toEqual([]);
      });

      // [Doc] §1.2 (SCIM 1.1 reference): the second constant call of the test.
      it('answers GET /Groups?startIndex=1&count=100 on an empty directory', async () => {
        const list = expectList(await okta.send('GET', 'Groups?startIndex=1&count=100'));
        expect(list).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0 });
      });

      // [Doc] §1.2: the non-empty case; Okta's Runscope step asserts Resources is not empty.
      it('returns at most two users, each with id, userName and active, once some exist', async () => {
        for (const name of ['first', 'second', 'third']) {
          await okta.createUser(`${name}.user@okta.local`);
        }
        await okta.createGroup('Connection Test Group');
        const list = expectList(await okta.send('GET', 'Users?startIndex=1&count=2'));
        expect(list).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 2 });
        for (const user of list.Resources) {
          expect(typeof user.userName).toBe('string');
          expect(typeof user.active).toBe('boolean');
        }
        const groups = expectList(await okta.send('GET', 'Groups?startIndex=1&count=100'));
        expect(groups.totalResults).toBe(1);
        expect(groups.Resources[0]!.displayName).toBe('Connection Test Group');
      });
    });

    describe('on one directory', () => {
      let t: TestApp;
      let okta: ReturnType<typeof oktaClient>;
      beforeAll(async () => {
        t = await startTestApp(dialect);
        okta = oktaClient(client(t, OKTA));
      });
      afterAll(() => t.close());

      describe('OIN template app: PUT for profile, PATCH for activation and password', () => {
        // [Doc] §1.4: lookup, nothing found (200, totalResults 0), create, 201 with the full
        // user; `password` is a placeholder that must never come back.
        it('looks the user up, finds nothing, creates it, and never returns the password', async () => {
          const userName = `${unique('test.user')}@okta.local`;
          const none = await okta.lookup(userName);
          expect(none).toMatchObject({ totalResults: 0, Resources: [] });

          const response = await okta.send('POST', 'Users', oktaCreateBody(userName));
          const created = expectUser(response, 201);
          expect(created).toMatchObject({
            userName,
            active: true,
            name: { givenName: 'Test', familyName: 'User' },
            emails: [expect.objectContaining({ primary: true, value: userName, type: 'work' })],
            displayName: 'Test User',
            locale: 'en-US',
          });
          expect((created.meta as Record<string, unknown>).resourceType).toBe('User');
          expect(created).not.toHaveProperty('password');
          expect(response.body).not.toContain('1mz050nq');

          const read = await okta.getUser(created.id);
          expect(read).not.toHaveProperty('password');
          expect(read.userName).toBe(userName);
        });

        // [Doc] §1.4: a lookup that finds the user links to its `id` instead of creating.
        it('finds an existing user by the lookup, so Okta links instead of creating', async () => {
          const userName = `${unique('linked.user')}@okta.local`;
          const created = await okta.createUser(userName);
          const found = await okta.lookup(userName);
          expect(found.totalResults).toBe(1);
          expect(found.Resources[0]!.id).toBe(created.id);
          expect(found.Resources[0]!.active).toBe(true);
        });

        // [Doc] §1.4 step 4, §1.11: a repeated create is refused with 409 and a SCIM Error.
        it('answers a repeated POST for the same userName with 409 uniqueness', async () => {
          const userName = `${unique('repeat.user')}@okta.local`;
          await okta.createUser(userName);
          expectScimError(
            await okta.send('POST', 'Users', oktaCreateBody(userName)),
            409,
            'uniqueness',
          );
        });

        // [Doc] §1.6: PUT flow, GET then the whole object with Okta's values merged in.
        // [Obs] §1.6 (mock-scim): the SP's own `id`, `meta` and `emails[].display` come back.
        it('updates the profile by GET then PUT of the merged body, echoing id and meta', async () => {
          const userName = `${unique('profile.user')}@okta.local`;
          const created = await okta.createUser(userName);
          const updated = await okta.getThenPut(created.id, (current) => ({
            ...current,
            name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
            emails: [{ primary: true, value: userName, type: 'work', display: userName }],
            groups: [],
          }));
          expect(updated.id).toBe(created.id);
          const read = await okta.getUser(created.id);
          expect(read).toMatchObject({
            userName,
            active: true,
            name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
            emails: [expect.objectContaining({ value: userName, type: 'work', primary: true })],
          });
        });

        // [Doc] §1.7: deactivation is a PATCH with no path and `{"active": false}`; the user
        // stays readable with active false; reactivation is the same with true.
        it('deactivates and reactivates with path-less replace of {active}', async () => {
          const created = await okta.createUser(`${unique('leaver')}@okta.local`);
          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Users/${created.id}`,
              patch({ op: 'replace', value: { active: false } }),
            ),
          );
          expect((await okta.getUser(created.id)).active).toBe(false);

          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Users/${created.id}`,
              patch({ op: 'replace', value: { active: true } }),
            ),
          );
          const read = await okta.getUser(created.id);
          expect(read.active).toBe(true);
          expect(read.userName).toBe(created.userName);
        });

        // [Inf] §1.8: the password PATCH body is undocumented; by analogy with deactivation a
        // path-less replace, and also the pathed form. Accepted, never stored or returned.
        it('accepts a password sync path-less and pathed, and never returns it', async () => {
          const created = await okta.createUser(`${unique('password.user')}@okta.local`);
          for (const operation of [
            { op: 'replace', value: { password: 'N3w-Secret-1' } },
            { op: 'replace', path: 'password', value: 'N3w-Secret-2' },
          ]) {
            const response = await okta.send('PATCH', `Users/${created.id}`, patch(operation));
            expectOkOrNoContent(response);
            expect(response.body).not.toContain('N3w-Secret');
          }
          const read = await okta.getUser(created.id);
          expect(read).not.toHaveProperty('password');
          expect(read).toMatchObject({ userName: created.userName, active: true });
        });

        // [Doc] §1.5, §1.11: an unknown id is a 404 with an Error body on GET, PUT and PATCH.
        it('answers 404 with a SCIM Error for an unknown id on GET, PUT and PATCH', async () => {
          expectScimError(await okta.send('GET', `Users/${NOT_AN_ID}`), 404);
          expectScimError(
            await okta.send('PUT', `Users/${NOT_AN_ID}`, oktaCreateBody('ghost@okta.local')),
            404,
          );
          expectScimError(
            await okta.send(
              'PATCH',
              `Users/${NOT_AN_ID}`,
              patch({ op: 'replace', value: { active: false } }),
            ),
            404,
          );
        });
      });

      describe('App Integration Wizard app: GET then full PUT for everything', () => {
        // [Obs] §1.7 (mock-scim): AIW deactivation is GET then PUT with active false.
        // [Doc] §1.1/§1.6: AIW apps send every user update, activation included, as PUT.
        it('deactivates and reactivates by GET then PUT', async () => {
          const created = await okta.createUser(`${unique('aiw.leaver')}@okta.local`);
          await okta.getThenPut(created.id, (current) => ({ ...current, active: false }));
          const inactive = await okta.getUser(created.id);
          expect(inactive.active).toBe(false);
          expect(inactive.userName).toBe(created.userName);

          await okta.getThenPut(created.id, (current) => ({ ...current, active: true }));
          expect((await okta.getUser(created.id)).active).toBe(true);
        });

        // [3P] §1.6 (Delinea): a PUT body lacking `active` must not suspend the user.
        it('keeps an active user active when the PUT body has no active', async () => {
          const created = await okta.createUser(`${unique('aiw.noactive')}@okta.local`);
          await okta.getThenPut(created.id, (current) => {
            const { active: _active, ...rest } = current;
            return { ...rest, title: 'Engineer' };
          });
          const read = await okta.getUser(created.id);
          expect(read.active).toBe(true);
          expect(read.title).toBe('Engineer');
        });

        // [Doc] §1.6: the PUT carries what the SP returned, `groups` included; a read-only
        // attribute echoed back changes nothing (checklist §4, "Ignore read-only input").
        it('ignores groups echoed back in a user PUT', async () => {
          const created = await okta.createUser(`${unique('aiw.member')}@okta.local`);
          const group = await okta.createGroup(unique('AIW Echo '));
          expect(
            (
              await okta.send('PUT', `Groups/${group.id}`, {
                schemas: [GROUP_SCHEMA],
                displayName: group.displayName,
                members: [member(created)],
              })
            ).statusCode,
          ).toBe(200);
          await okta.getThenPut(created.id, (current) => ({
            ...current,
            groups: [],
            title: 'Analyst',
          }));
          expect(memberIds(await okta.getGroup(group.id))).toEqual([created.id]);
        });

        // [Uncited → Inf] §1.9: lookup by displayName, POST, GET, PUT, with no PATCH at all.
        // [Doc] §1.9: create with `members: []`; AIW membership and rename are full PUTs.
        it('pushes a group: lookup, POST, then PUTs with the full member list and renames', async () => {
          const [ann, bob, cy] = [
            await okta.createUser(`${unique('ann')}@okta.local`),
            await okta.createUser(`${unique('bob')}@okta.local`),
            await okta.createUser(`${unique('cy')}@okta.local`),
          ];
          const name = unique('AIW Group ');
          const none = expectList(
            await okta.send(
              'GET',
              `Groups?filter=${pct(`displayName eq "${name}"`)}&startIndex=1&count=100`,
            ),
          );
          expect(none.totalResults).toBe(0);
          const group = await okta.createGroup(name);
          const read = await okta.getGroup(group.id);

          const put = async (displayName: string, users: Resource[]) => {
            const response = await okta.send('PUT', `Groups/${group.id}`, {
              ...read,
              displayName,
              members: users.map(member),
            });
            expect(response.statusCode, response.body).toBe(200);
            expectScimJson(response);
          };
          await put(name, [ann!, bob!]);
          expect(memberIds(await okta.getGroup(group.id))).toEqual([ann!.id, bob!.id].sort());

          await put(`${name} renamed`, [bob!, cy!]);
          const after = await okta.getGroup(group.id);
          expect(after.displayName).toBe(`${name} renamed`);
          expect(after.id).toBe(group.id);
          expect(memberIds(after)).toEqual([bob!.id, cy!.id].sort());
        });
      });

      describe('Okta Integration Wizard app: PATCH for every update', () => {
        // [Inf] §1.6: the OIW profile PATCH is undocumented; accept a path-less replace with
        // a value object. [3P] §1.6 (onyx): `emails[primary eq true].value` as the path.
        it('updates the profile by path-less replace and by emails[primary eq true].value', async () => {
          const created = await okta.createUser(`${unique('oiw.user')}@okta.local`);
          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Users/${created.id}`,
              patch({
                op: 'replace',
                value: {
                  name: { givenName: 'Olive', familyName: 'Wizard' },
                  displayName: 'Olive Wizard',
                },
              }),
            ),
          );
          const newEmail = `${unique('olive')}@okta.local`;
          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Users/${created.id}`,
              patch({ op: 'replace', path: 'emails[primary eq true].value', value: newEmail }),
            ),
          );
          const read = await okta.getUser(created.id);
          expect(read).toMatchObject({
            userName: created.userName,
            displayName: 'Olive Wizard',
            name: { givenName: 'Olive', familyName: 'Wizard' },
            active: true,
          });
          expect(read.emails).toEqual([
            expect.objectContaining({ primary: true, type: 'work', value: newEmail }),
          ]);
        });
      });

      describe('Group Push with PATCH (OIN)', () => {
        // [Doc] §1.9: create with `members: []` answers 201 with id, displayName, members and
        // meta.resourceType "Group".
        it('creates a group with members: [] and answers 201 with id and meta', async () => {
          const name = unique('Test SCIMv2 ');
          const response = await okta.send('POST', 'Groups', {
            schemas: [GROUP_SCHEMA],
            displayName: name,
            members: [],
          });
          const group = expectResource(response, 201);
          expect(group.displayName).toBe(name);
          expect((group.meta as Record<string, unknown>).resourceType).toBe('Group');
          expect(group.members ?? []).toEqual([]);
        });

        // [Doc] §1.9: a membership update (add with `display`), and with it the rename PATCH
        // whose value carries the group's own id: accepted, the id unchanged.
        it('adds a member, followed by the rename PATCH that carries the group id', async () => {
          const user = await okta.createUser(`${unique('pushed')}@okta.local`);
          const name = unique('Push Group ');
          const group = await okta.createGroup(name);
          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Groups/${group.id}`,
              patch({ op: 'add', path: 'members', value: [member(user)] }),
            ),
          );
          await okta.renamePatch(group.id, name);
          const read = await okta.getGroup(group.id);
          expect(read.id).toBe(group.id);
          expect(read.displayName).toBe(name);
          expect(read.members).toEqual([expect.objectContaining({ value: user.id })]);
        });

        // [Doc] §1.9: the rename itself, path-less with `id` in the value.
        it('renames a group by path-less replace carrying its id', async () => {
          const group = await okta.createGroup(unique('Before '));
          const renamed = unique('After ');
          await okta.renamePatch(group.id, renamed);
          const read = await okta.getGroup(group.id);
          expect(read).toMatchObject({ id: group.id, displayName: renamed });
        });

        // [Doc] §1.9: one request mixes a remove by `members[value eq "…"]` and an add.
        it('applies a remove by filter path and an add in one PATCH', async () => {
          const [ann, bob, cy] = [
            await okta.createUser(`${unique('mix.ann')}@okta.local`),
            await okta.createUser(`${unique('mix.bob')}@okta.local`),
            await okta.createUser(`${unique('mix.cy')}@okta.local`),
          ];
          const name = unique('Mixed ');
          const group = await okta.createGroup(name);
          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Groups/${group.id}`,
              patch({ op: 'add', path: 'members', value: [member(ann!), member(bob!)] }),
            ),
          );
          await okta.renamePatch(group.id, name);
          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Groups/${group.id}`,
              patch(
                { op: 'remove', path: `members[value eq "${ann!.id}"]` },
                { op: 'add', path: 'members', value: [member(cy!)] },
              ),
            ),
          );
          await okta.renamePatch(group.id, name);
          expect(memberIds(await okta.getGroup(group.id))).toEqual([bob!.id, cy!.id].sort());
        });

        // [Doc] §1.9: a full push replaces the whole member list.
        it('replaces all members with replace on path members', async () => {
          const [ann, bob, cy] = [
            await okta.createUser(`${unique('rep.ann')}@okta.local`),
            await okta.createUser(`${unique('rep.bob')}@okta.local`),
            await okta.createUser(`${unique('rep.cy')}@okta.local`),
          ];
          const group = await okta.createGroup(unique('Replaced '));
          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Groups/${group.id}`,
              patch({ op: 'add', path: 'members', value: [member(ann!), member(bob!)] }),
            ),
          );
          expectOkOrNoContent(
            await okta.send(
              'PATCH',
              `Groups/${group.id}`,
              patch({ op: 'replace', path: 'members', value: [member(bob!), member(cy!)] }),
            ),
          );
          expect(memberIds(await okta.getGroup(group.id))).toEqual([bob!.id, cy!.id].sort());
        });

        // [Doc] §1.10 two mechanisms (deactivation, and removal from a pushed group);
        // [Inf] §1.10 their order is not guaranteed, so both orders are replayed.
        for (const order of ['deactivate first', 'remove first'] as const) {
          it(`handles a user leaving an assigning, pushed group (${order})`, async () => {
            const stays = await okta.createUser(`${unique('stays')}@okta.local`);
            const leaves = await okta.createUser(`${unique('leaves')}@okta.local`);
            const name = unique('Assigning ');
            const group = await okta.createGroup(name);
            expectOkOrNoContent(
              await okta.send(
                'PATCH',
                `Groups/${group.id}`,
                patch({ op: 'add', path: 'members', value: [member(stays), member(leaves)] }),
              ),
            );
            const deactivate = async () =>
              expectOkOrNoContent(
                await okta.send(
                  'PATCH',
                  `Users/${leaves.id}`,
                  patch({ op: 'replace', value: { active: false } }),
                ),
              );
            const remove = async () => {
              expectOkOrNoContent(
                await okta.send(
                  'PATCH',
                  `Groups/${group.id}`,
                  patch({ op: 'remove', path: `members[value eq "${leaves.id}"]` }),
                ),
              );
              await okta.renamePatch(group.id, name);
            };
            if (order === 'deactivate first') {
              await deactivate();
              await remove();
            } else {
              await remove();
              await deactivate();
            }
            expect(memberIds(await okta.getGroup(group.id))).toEqual([stays.id]);
            expect((await okta.getUser(leaves.id)).active).toBe(false);
          });
        }

        // [Doc] §1.9: "Unlink pushed group" → "Delete the group": 204, no body; then 404.
        it('deletes a pushed group: 204 with no body, then 404', async () => {
          const group = await okta.createGroup(unique('Unlinked '));
          const response = await okta.send('DELETE', `Groups/${group.id}`);
          expect(response.statusCode, response.body).toBe(204);
          expect(response.body).toBe('');
          expectScimError(await okta.send('GET', `Groups/${group.id}`), 404);
        });
      });

      describe('import with paging', () => {
        // [Doc] §1.3: count=100 pages from startIndex 1, 101, …, until totalResults; the SP
        // returns the same order whatever startIndex and count are.
        it('pages more than 100 users with count=100 in a stable order', async () => {
          const created = new Set<string>();
          for (let batch = 0; batch < 5; batch++) {
            const users = await Promise.all(
              Array.from({ length: 22 }, () => okta.createUser(`${unique('import')}@okta.local`)),
            );
            for (const user of users) created.add(user.id);
          }
          const seen: Resource[] = [];
          let total = Infinity;
          for (let startIndex = 1; startIndex <= total; startIndex += 100) {
            const page = expectList(
              await okta.send('GET', `Users?startIndex=${startIndex}&count=100`),
            );
            if (total !== Infinity) expect(page.totalResults).toBe(total);
            total = page.totalResults;
            expect(page.startIndex).toBe(startIndex);
            expect(page.itemsPerPage).toBe(Math.min(100, total - startIndex + 1));
            for (const user of page.Resources) expect(typeof user.active).toBe('boolean');
            seen.push(...page.Resources);
          }
          expect(total).toBeGreaterThan(100);
          const ids = seen.map((user) => user.id);
          expect(new Set(ids).size).toBe(ids.length);
          expect(ids).toHaveLength(total);
          for (const id of created) expect(ids).toContain(id);

          const shifted = expectList(await okta.send('GET', 'Users?startIndex=51&count=100'));
          expect(shifted.Resources.map((user) => user.id)).toEqual(ids.slice(50, 150));
          const small = expectList(await okta.send('GET', 'Users?startIndex=100&count=2'));
          expect(small.Resources.map((user) => user.id)).toEqual(ids.slice(99, 101));
        });

        // [Doc] §1.3: groups are imported with the same form.
        it('imports groups with GET /Groups?startIndex=1&count=100', async () => {
          const group = await okta.createGroup(unique('Imported '));
          const page = expectList(await okta.send('GET', 'Groups?startIndex=1&count=100'));
          expect(page.startIndex).toBe(1);
          expect(page.itemsPerPage).toBeLessThanOrEqual(100);
          expect(page.Resources.map((g) => g.id)).toContain(group.id);
        });
      });

      describe("Okta's SPEC test suite", () => {
        let spec: Send;
        beforeAll(() => {
          spec = client(t, OKTA_SPEC_SUITE);
        });

        // [Doc] §1.12: the first SPEC step, `count` before `startIndex`.
        it('answers GET /Users?count=1&startIndex=1 with exactly one user', async () => {
          await okta.createUser(`${unique('spec.first')}@okta.local`);
          const list = expectList(await spec('GET', 'Users?count=1&startIndex=1'));
          expect(list).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
          expect(list.totalResults).toBeGreaterThanOrEqual(1);
          expect(list.Resources[0]).toMatchObject({ userName: expect.any(String) });
        });

        // [Doc] §1.12: a userName filter for a random user finds nothing.
        it('finds nothing for a random userName', async () => {
          const list = expectList(
            await spec(
              'GET',
              `Users?filter=${pct(`userName eq "${crypto.randomUUID()}@example.com"`)}&startIndex=1&count=100`,
            ),
          );
          expect(list).toMatchObject({ totalResults: 0, Resources: [] });
        });

        // [Doc] §1.12: the upper-cased userName still matches (userName is caseExact false).
        it('finds a user by its upper-cased userName', async () => {
          const userName = `${unique('spec.case')}@okta.local`;
          const created = await okta.createUser(userName);
          const list = expectList(
            await spec(
              'GET',
              `Users?filter=${pct(`userName eq "${userName.toUpperCase()}"`)}&startIndex=1&count=100`,
            ),
          );
          expect(list.Resources.map((user) => user.id)).toEqual([created.id]);
        });

        // [Doc] §1.12: 404 for a user id that does not exist.
        it('answers 404 for an unknown user id', async () => {
          expectScimError(await spec('GET', `Users/${crypto.randomUUID()}`), 404);
        });

        // [Doc] §1.4 step 4, run by the CRUD suite's headers: a repeated create is 409.
        it('answers 409 to a repeated POST', async () => {
          const userName = `${unique('spec.dup')}@okta.local`;
          expectUser(await spec('POST', 'Users', oktaCreateBody(userName)), 201);
          expectScimError(await spec('POST', 'Users', oktaCreateBody(userName)), 409, 'uniqueness');
        });
      });
    });
  });
}
