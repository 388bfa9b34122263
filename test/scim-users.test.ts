import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.ts';
import {
  ENTERPRISE,
  json,
  oktaUser,
  patch,
  PUBLIC_URL,
  startTestApp,
  USER_SCHEMA,
} from './support/app.ts';
import type { TestApp } from './support/app.ts';

type Resource = Record<string, unknown> & { id: string; meta: Record<string, string> };
type ListResponse = {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: Resource[];
};

for (const dialect of DIALECTS) {
  describe(`SCIM Users (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    async function create(
      userName: string,
      extra: Record<string, unknown> = {},
    ): Promise<Resource> {
      const response = await t.scim('POST', 'Users', oktaUser(userName, extra));
      expect(response.statusCode, response.body).toBe(201);
      return response.json() as Resource;
    }

    async function list(query: string): Promise<ListResponse> {
      const response = await t.scim('GET', `Users?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as ListResponse;
    }

    describe('create and read', () => {
      it('creates a user the Okta way: 201, Location, ETag, meta, and no password', async () => {
        const response = await t.scim('POST', 'Users', oktaUser('barbara.jensen@example.com'));
        expect(response.statusCode).toBe(201);
        expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
        const body = response.json() as Resource;
        expect(body.schemas).toEqual([USER_SCHEMA]);
        expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(response.headers.location).toBe(`${PUBLIC_URL}/scim/v2/Users/${body.id}`);
        expect(body.meta.location).toBe(response.headers.location);
        expect(body.meta.resourceType).toBe('User');
        expect(body.meta.version).toBe('W/"1"');
        expect(response.headers.etag).toBe('W/"1"');
        expect(body.meta.created).toBe(body.meta.lastModified);
        expect(body.userName).toBe('barbara.jensen@example.com');
        expect(body.active).toBe(true);
        expect(body).not.toHaveProperty('password');
        expect(response.body).not.toContain('Secret-123');

        const read = await t.scim('GET', `Users/${body.id}`);
        expect(read.statusCode).toBe(200);
        expect(read.json()).toEqual(body);
        expect(read.headers.etag).toBe('W/"1"');
      });

      it('records the writing connection as the IDP owner', async () => {
        const user = await create('owner.check@example.com');
        const row = await t.database.db
          .selectFrom('users')
          .selectAll()
          .where('id', '=', user.id)
          .executeTakeFirstOrThrow();
        expect(row.origin).toBe('IDP');
        expect(row.connection_id).toBe(t.connectionId);
      });

      it('refuses a second user with the same userName in any case: 409 uniqueness naming the first', async () => {
        const first = await create('Dup.User@example.com');
        const response = await t.scim('POST', 'Users', oktaUser('dup.user@EXAMPLE.com'));
        expect(response.statusCode).toBe(409);
        const error = json(response);
        expect(error).toMatchObject({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: '409',
          scimType: 'uniqueness',
        });
        expect(error.detail).toContain(first.id);
      });

      it('stores a user with 10,000 emails, past the bound values one insert may hold', async () => {
        const emails = Array.from({ length: 10_000 }, (_, i) => ({
          value: `many.${i}@example.com`,
          type: 'other',
        }));
        const user = await create('many.emails@example.com', { emails });
        expect(user.emails).toHaveLength(10_000);
        const found = await list(
          `filter=${encodeURIComponent('emails eq "many.9999@example.com"')}`,
        );
        expect(found.Resources.map((r) => r.id)).toEqual([user.id]);
        const replaced = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'emails', value: emails.slice(1) }),
        );
        expect(replaced.statusCode, replaced.body).toBe(200);
        const gone = await list(`filter=${encodeURIComponent('emails eq "many.0@example.com"')}`);
        expect(gone.totalResults).toBe(0);
      });

      it('keeps the enterprise extension and returns its schema', async () => {
        const user = await create('ext.user@example.com', {
          schemas: [USER_SCHEMA, ENTERPRISE],
          [ENTERPRISE]: { employeeNumber: '42', department: 'Data', manager: { value: 'boss-id' } },
        });
        expect(user.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
        expect(user[ENTERPRISE]).toEqual({
          employeeNumber: '42',
          department: 'Data',
          manager: { value: 'boss-id' },
        });
      });

      it('returns representations that the default projection would leave as they are', async () => {
        const { projectResource } = await import('../src/scim/resource.ts');
        const { userResourceType, groupResourceType } = await import('../src/scim/schema.ts');
        const user = await create('projection.check@example.com', {
          schemas: [USER_SCHEMA, ENTERPRISE],
          [ENTERPRISE]: { department: 'Data', manager: { value: 'boss' } },
          phoneNumbers: [{ value: '555', type: 'work' }],
        });
        const group = (
          await t.scim('POST', 'Groups', {
            displayName: 'Projection',
            members: [{ value: user.id }],
          })
        ).json() as Resource;
        const read = (await t.scim('GET', `Users/${user.id}`)).json() as Resource;
        expect(read.groups).toHaveLength(1);
        expect(projectResource(userResourceType, read, {})).toEqual(read);
        expect(projectResource(groupResourceType, group, {})).toEqual(group);
      });

      it('answers 404 in SCIM form for an unknown id', async () => {
        const response = await t.scim('GET', 'Users/00000000-0000-0000-0000-000000000000');
        expect(response.statusCode).toBe(404);
        expect(json(response)).toMatchObject({
          status: '404',
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        });
      });
    });

    describe('list and query', () => {
      let ids: string[];
      beforeAll(async () => {
        ids = [];
        for (const name of ['q.alpha', 'q.bravo', 'q.charlie', 'q.delta', 'q.echo']) {
          ids.push(
            (
              await create(`${name}@query.test`, {
                title: name === 'q.charlie' ? 'Chief' : undefined,
              })
            ).id,
          );
        }
      });

      it('answers the Okta connection test with a ListResponse of integers', async () => {
        const body = await list('startIndex=1&count=2');
        expect(body).toMatchObject({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
          startIndex: 1,
          itemsPerPage: 2,
        });
        expect(body.totalResults).toBeGreaterThanOrEqual(5);
        expect(body.Resources).toHaveLength(2);
      });

      it('finds a user by userName case-insensitively, with %20 or + for spaces', async () => {
        const okta = await list(
          `filter=userName%20eq%20%22Q.ALPHA@query.test%22&startIndex=1&count=100`,
        );
        expect(okta.Resources.map((r) => r.id)).toEqual([ids[0]]);
        const entra = await list(
          `excludedAttributes=members&filter=userName+eq+%22q.alpha%40query.test%22`,
        );
        expect(entra.totalResults).toBe(1);
      });

      it('reads list parameters whatever their case, and refuses one given twice', async () => {
        const found = await list(
          `Filter=${encodeURIComponent('userName eq "q.alpha@query.test"')}&StartIndex=1&COUNT=5&Attributes=userName&excludedattributes=emails`,
        );
        expect(found.totalResults).toBe(1);
        expect(found.Resources).toEqual([
          { schemas: [USER_SCHEMA], id: ids[0], userName: 'q.alpha@query.test' },
        ]);
        for (const query of ['filter=userName%20pr&Filter=userName%20pr', 'count=1&count=2']) {
          const response = await t.scim('GET', `Users?${query}`);
          expect(response.statusCode, query).toBe(400);
          expect(json(response).scimType).toBe('invalidValue');
          expect(json(response).detail).toMatch(/given more than once/);
        }
        // attributes given twice is one list (RFC 7644 §3.4.2.5 lists are comma-separated).
        const both = await list(
          `filter=${encodeURIComponent('userName eq "q.alpha@query.test"')}&attributes=userName&Attributes=externalId`,
        );
        expect(Object.keys(both.Resources[0]!).sort()).toEqual([
          'externalId',
          'id',
          'schemas',
          'userName',
        ]);
      });

      it('lists a user with their groups, and asks for groups only of users in some', async () => {
        const member = await create('listed.member@example.com');
        const loner = await create('listed.loner@example.com');
        const group = await t.scim('POST', 'Groups', {
          displayName: 'Listed',
          members: [{ value: member.id }],
        });
        expect(group.statusCode).toBe(201);
        const found = await list(
          `filter=${encodeURIComponent('userName eq "listed.member@example.com"')}`,
        );
        expect(found.Resources[0]!.groups).toEqual([
          expect.objectContaining({
            value: (group.json() as Resource).id,
            display: 'Listed',
            type: 'direct',
          }),
        ]);
        t.database.queries.length = 0;
        const alone = await list(
          `filter=${encodeURIComponent('userName eq "listed.loner@example.com"')}`,
        );
        expect(alone.Resources.map((r) => r.id)).toEqual([loner.id]);
        expect(alone.Resources[0]).not.toHaveProperty('groups');
        expect(t.database.queries.some((q) => q.includes('WITH RECURSIVE'))).toBe(false);
      });

      it('reads a user by id in one statement, asking for groups only of a user in some', async () => {
        // Okta reads a user by id before each PUT.
        const member = await create('read.member@example.com');
        const loner = await create('read.loner@example.com');
        const group = await t.scim('POST', 'Groups', {
          displayName: 'Read by id',
          members: [{ value: member.id }],
        });
        expect(group.statusCode).toBe(201);
        const read = async (id: string) => {
          t.database.queries.length = 0;
          const response = await t.scim('GET', `Users/${id}`);
          expect(response.statusCode, response.body).toBe(200);
          // Less the provisioning log's writes of the requests before, flushed first (t.scim).
          const queries = t.database.queries.filter(
            (q) => !/provisioning_log|^begin|^commit/.test(q),
          );
          return { body: response.json() as Resource, queries };
        };
        const alone = await read(loner.id);
        expect(alone.body.id).toBe(loner.id);
        expect(alone.body).not.toHaveProperty('groups');
        expect(alone.queries).toHaveLength(1);
        expect(alone.queries[0]).toMatch(/in_groups/);
        const grouped = await read(member.id);
        expect(grouped.body.groups).toEqual([
          expect.objectContaining({ value: (group.json() as Resource).id, type: 'direct' }),
        ]);
        expect(grouped.queries.some((q) => q.includes('WITH RECURSIVE'))).toBe(true);
        const missing = await t.scim('GET', `Users/${crypto.randomUUID()}`);
        expect(missing.statusCode).toBe(404);
      });

      it('answers a lookup that matches nothing with 200 and an empty list (Entra test connection)', async () => {
        const body = await list(`filter=userName+eq+%22${crypto.randomUUID()}%22`);
        expect(body).toMatchObject({ totalResults: 0, itemsPerPage: 0, Resources: [] });
      });

      it('filters with and/or/not, sub-attributes, value paths and presence', async () => {
        const names = async (filter: string) =>
          (await list(`filter=${encodeURIComponent(filter)}&sortBy=userName`)).Resources.map(
            (r) => r.userName,
          );
        expect(await names('userName sw "q." and title pr')).toEqual(['q.charlie@query.test']);
        expect(await names('userName sw "q." and not (title pr)')).toHaveLength(4);
        expect(await names('emails[type eq "work" and value ew "bravo@query.test"]')).toEqual([
          'q.bravo@query.test',
        ]);
        expect(
          await names(
            '(userName eq "q.alpha@query.test" or userName eq "q.echo@query.test") and active eq true',
          ),
        ).toEqual(['q.alpha@query.test', 'q.echo@query.test']);
        expect(await names('name.givenName eq "q" and name.familyName eq "delta"')).toEqual([
          'q.delta@query.test',
        ]);
        expect(await names(`emails.value co "CHARLIE"`)).toEqual(['q.charlie@query.test']);
      });

      it('rejects a filter it cannot evaluate with 400 invalidFilter, never an empty list', async () => {
        for (const filter of [
          'userName eq',
          'nosuch eq "x"',
          'userName xx "a"',
          'userName eq "a" and',
          '((userName pr)',
        ]) {
          const response = await t.scim('GET', `Users?filter=${encodeURIComponent(filter)}`);
          expect(response.statusCode, filter).toBe(400);
          expect(json(response).scimType, filter).toBe('invalidFilter');
          expect(String(json(response).detail).length).toBeGreaterThan(10);
        }
      });

      it('pages 1-based in a stable order; count=0 gives only the total', async () => {
        const all = await list('filter=userName%20sw%20%22q.%22&sortBy=userName&count=100');
        expect(all.totalResults).toBe(5);
        const seen: string[] = [];
        for (let start = 1; start <= 5; start += 2) {
          const page = await list(
            `filter=userName%20sw%20%22q.%22&sortBy=userName&startIndex=${start}&count=2`,
          );
          expect(page.startIndex).toBe(start);
          seen.push(...page.Resources.map((r) => r.id));
        }
        expect(seen).toEqual(all.Resources.map((r) => r.id));
        const counted = await list('filter=userName%20sw%20%22q.%22&count=0');
        expect(counted).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
        const descending = await list(
          'filter=userName%20sw%20%22q.%22&sortBy=userName&sortOrder=descending',
        );
        expect(descending.Resources.map((r) => r.id)).toEqual(
          [...all.Resources.map((r) => r.id)].reverse(),
        );
      });

      it('sorts by a multi-valued attribute by its primary value, or else the first, with no value last ascending and first descending', async () => {
        const sorter = await startTestApp(dialect);
        try {
          const made = new Map<string, string>();
          const users: [string, Record<string, unknown>][] = [
            [
              's.a',
              {
                emails: [
                  { value: 'zed@x.test', type: 'home' },
                  { value: 'Bob@x.test', primary: true },
                ],
                phoneNumbers: [{ value: '+3' }],
                addresses: [{ locality: 'Oslo' }],
                title: 'beta',
              },
            ],
            [
              's.b',
              {
                emails: [{ value: 'Carl@x.test' }, { value: 'aaron@x.test' }],
                phoneNumbers: [{ value: '+2' }, { value: '+9', primary: true }],
              },
            ],
            [
              's.c',
              {
                emails: [{ value: 'abe@x.test' }],
                addresses: [
                  { locality: 'bergen', primary: false },
                  { locality: 'Arendal', primary: true },
                ],
                title: 'Alpha',
              },
            ],
          ];
          for (const [name, extra] of users) {
            const response = await sorter.scim(
              'POST',
              'Users',
              oktaUser(`${name}@sort.test`, extra),
            );
            expect(response.statusCode, response.body).toBe(201);
            made.set(json(response).id as string, name);
          }
          const order = async (sortBy: string, sortOrder = 'ascending') => {
            const response = await sorter.scim(
              'GET',
              `Users?sortBy=${encodeURIComponent(sortBy)}&sortOrder=${sortOrder}`,
            );
            expect(response.statusCode, response.body).toBe(200);
            return (response.json() as ListResponse).Resources.map((r) => made.get(r.id));
          };
          for (const sortBy of ['emails', 'emails.value', 'EMAILS.VALUE']) {
            expect(await order(sortBy), sortBy).toEqual(['s.c', 's.a', 's.b']);
            expect(await order(sortBy, 'descending'), sortBy).toEqual(['s.b', 's.a', 's.c']);
          }
          expect(await order('phoneNumbers')).toEqual(['s.a', 's.b', 's.c']);
          expect(await order('phoneNumbers.value', 'descending')).toEqual(['s.c', 's.b', 's.a']);
          expect(await order('addresses.locality')).toEqual(['s.c', 's.a', 's.b']);
          expect(await order('addresses.locality', 'descending')).toEqual(['s.b', 's.a', 's.c']);
          expect(await order('title')).toEqual(['s.c', 's.a', 's.b']);
          expect(await order('title', 'descending')).toEqual(['s.b', 's.a', 's.c']);
        } finally {
          await sorter.close();
        }
      });

      it('walks the default order page by page without repeats, even when rows go meanwhile', async () => {
        const walker = await startTestApp(dialect);
        try {
          const made: string[] = [];
          for (let i = 0; i < 9; i++) {
            made.push(
              (
                (
                  await walker.scim('POST', 'Users', oktaUser(`walk${i}@example.com`))
                ).json() as Resource
              ).id,
            );
          }
          const page = async (start: number) =>
            (await walker.scim('GET', `Users?startIndex=${start}&count=3`)).json() as ListResponse;
          const first = await page(1);
          expect(first.totalResults).toBe(9);
          const second = await page(4);
          // A write shows in totalResults at once, and the walk goes on after the last row served.
          expect((await walker.scim('DELETE', `Users/${first.Resources[0]!.id}`)).statusCode).toBe(
            204,
          );
          const third = await page(7);
          expect(third.totalResults).toBe(8);
          const seen = [...first.Resources, ...second.Resources, ...third.Resources].map(
            (r) => r.id,
          );
          expect(new Set(seen).size).toBe(seen.length);
          expect(seen).toEqual(made);
          // Without a previous page to resume from, startIndex is a plain offset.
          const fresh = await startTestApp(dialect);
          try {
            for (let i = 0; i < 4; i++)
              await fresh.scim('POST', 'Users', oktaUser(`fresh${i}@example.com`));
            const jump = (
              await fresh.scim('GET', 'Users?startIndex=3&count=5')
            ).json() as ListResponse;
            expect(jump.Resources.map((r) => r.userName)).toEqual([
              'fresh2@example.com',
              'fresh3@example.com',
            ]);
          } finally {
            await fresh.close();
          }
        } finally {
          await walker.close();
        }
      });

      it('pages with cursors (RFC 9865): nextCursor on every page but the last, any instance', async () => {
        const first = await startTestApp(dialect);
        try {
          const made: string[] = [];
          for (let i = 0; i < 7; i++) {
            made.push(
              (
                (
                  await first.scim('POST', 'Users', oktaUser(`cur${i}@example.com`))
                ).json() as Resource
              ).id,
            );
          }
          await first.scim('POST', 'Users', oktaUser('other@elsewhere.test'));
          const filter = encodeURIComponent('userName sw "cur"');
          type CursorPage = {
            totalResults: number;
            itemsPerPage: number;
            nextCursor?: string;
            Resources: Resource[];
          };
          const seen: string[] = [];
          let cursor: string | undefined = '';
          let pages = 0;
          while (cursor !== undefined) {
            const response = await first.scim(
              'GET',
              `Users?filter=${filter}&count=3&cursor=${encodeURIComponent(cursor)}`,
            );
            expect(response.statusCode, response.body).toBe(200);
            const body = response.json() as CursorPage;
            expect(body.totalResults).toBe(7);
            expect(body.itemsPerPage).toBe(body.Resources.length);
            expect(body).not.toHaveProperty('startIndex');
            if (body.nextCursor !== undefined) expect(body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
            seen.push(...body.Resources.map((r) => r.id));
            cursor = body.nextCursor;
            pages++;
          }
          expect(pages).toBe(3);
          expect(seen).toEqual(made);

          // A cursor is a position, not server state: a search request takes it too.
          const second = (
            await first.scim('GET', `Users?filter=${filter}&count=3&cursor=`)
          ).json() as CursorPage;
          const search = await first.scim('POST', 'Users/.search', {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
            filter: 'userName sw "cur"',
            cursor: second.nextCursor,
            count: 3,
          });
          expect((search.json() as CursorPage).Resources.map((r) => r.id)).toEqual(
            made.slice(3, 6),
          );

          const errors: [string, string][] = [
            [`Users?filter=${filter}&cursor=not*base64`, 'invalidCursor'],
            [
              `Users?filter=${encodeURIComponent('userName sw "c"')}&cursor=${second.nextCursor}`,
              'invalidCursor',
            ],
            [`Users?cursor=&count=0`, 'invalidCount'],
            [`Users?cursor=&count=5000`, 'invalidCount'],
            [`Users?cursor=&startIndex=2`, 'invalidValue'],
            [`Users?cursor=&sortBy=userName`, 'invalidValue'],
          ];
          for (const [url, scimType] of errors) {
            const response = await first.scim('GET', url);
            expect(response.statusCode, url).toBe(400);
            expect(json(response).scimType, url).toBe(scimType);
          }
          const config = (
            await first.app.inject({ url: '/scim/v2/ServiceProviderConfig' })
          ).json() as {
            pagination: Record<string, unknown>;
          };
          expect(config.pagination).toMatchObject({
            cursor: true,
            index: true,
            defaultPaginationMethod: 'index',
          });
        } finally {
          await first.close();
        }
      });

      it('caps count at the advertised maximum and treats startIndex < 1 as 1', async () => {
        const small = await startTestApp(dialect, { GATEHOUSE_MAX_PAGE_SIZE: '2' });
        try {
          for (const n of ['a', 'b', 'c'])
            await small.scim('POST', 'Users', oktaUser(`${n}.cap@example.com`));
          const response = await small.scim('GET', 'Users?count=50&startIndex=-3');
          const body = response.json() as ListResponse;
          expect(body.itemsPerPage).toBe(2);
          expect(body.startIndex).toBe(1);
          const config = (
            await small.app.inject({ url: '/scim/v2/ServiceProviderConfig' })
          ).json() as { filter: { maxResults: number } };
          expect(config.filter.maxResults).toBe(2);
        } finally {
          await small.close();
        }
      });

      it('rejects non-integer paging and unknown sort orders with 400 invalidValue', async () => {
        for (const query of [
          'startIndex=abc',
          'count=1.5',
          'sortOrder=sideways',
          'sortBy=groups',
          'sortBy=name',
        ]) {
          const response = await t.scim('GET', `Users?${query}`);
          expect(response.statusCode, query).toBe(400);
          expect(json(response).scimType).toBe('invalidValue');
        }
      });

      it('projects attributes and excludedAttributes, keeping id and schemas', async () => {
        const only = await t.scim('GET', `Users/${ids[0]}?attributes=userName,name.familyName`);
        expect(only.json()).toEqual({
          schemas: [USER_SCHEMA],
          id: ids[0],
          userName: 'q.alpha@query.test',
          name: { familyName: 'alpha' },
        });
        const without = (
          await t.scim('GET', `Users/${ids[0]}?excludedAttributes=emails,meta,id`)
        ).json() as Resource;
        expect(without).not.toHaveProperty('emails');
        expect(without).not.toHaveProperty('meta');
        expect(without.id).toBe(ids[0]);
        const listed = await list(
          `filter=userName%20eq%20%22q.alpha@query.test%22&attributes=userName`,
        );
        expect(Object.keys(listed.Resources[0]!).sort()).toEqual(['id', 'schemas', 'userName']);
      });

      it('searches with POST /Users/.search and POST /.search', async () => {
        const response = await t.scim('POST', 'Users/.search', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: 'userName sw "q.b"',
          attributes: ['userName'],
          startIndex: 1,
          count: 10,
        });
        expect(response.statusCode).toBe(200);
        expect((response.json() as ListResponse).Resources).toEqual([
          { schemas: [USER_SCHEMA], id: ids[1], userName: 'q.bravo@query.test' },
        ]);
        const root = await t.scim('POST', '.search', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: 'userName eq "q.echo@query.test"',
        });
        expect(root.statusCode).toBe(200);
        expect((root.json() as ListResponse).totalResults).toBe(1);
      });
    });

    describe('replace (PUT)', () => {
      it('replaces the user, ignoring read-only attributes echoed back', async () => {
        const user = await create('put.user@example.com', { title: 'Engineer', nickName: 'Putty' });
        const { nickName: _dropped, ...rest } = user;
        const body = {
          ...rest,
          id: 'something-else',
          meta: { ...user.meta, version: 'W/"99"' },
          groups: [{ value: 'nope' }],
          emails: [
            { value: 'put.user@example.com', type: 'work', primary: true, display: 'Put User' },
          ],
          title: 'Principal',
          password: 'NewSecret-1',
        };
        const response = await t.scim('PUT', `Users/${user.id}`, body);
        expect(response.statusCode, response.body).toBe(200);
        const replaced = response.json() as Resource;
        expect(replaced.id).toBe(user.id);
        expect(replaced.title).toBe('Principal');
        expect(replaced.emails).toEqual([
          { value: 'put.user@example.com', type: 'work', primary: true },
        ]);
        expect(replaced).not.toHaveProperty('nickName');
        expect(replaced).not.toHaveProperty('password');
        expect(replaced.meta.version).toBe('W/"2"');
        expect(replaced.meta.created).toBe(user.meta.created);
      });

      it('keeps meta.version when a PUT changes nothing', async () => {
        const user = await create('noop.put@example.com');
        const response = await t.scim('PUT', `Users/${user.id}`, user);
        expect(response.statusCode).toBe(200);
        expect((response.json() as Resource).meta.version).toBe('W/"1"');
      });

      it('renaming onto a taken userName is 409', async () => {
        await create('taken.name@example.com');
        const user = await create('free.name@example.com');
        const response = await t.scim('PUT', `Users/${user.id}`, {
          ...user,
          userName: 'TAKEN.name@example.com',
        });
        expect(response.statusCode).toBe(409);
        expect(json(response).scimType).toBe('uniqueness');
      });
    });

    describe('PATCH', () => {
      it('deactivates the Okta way and reactivates', async () => {
        const user = await create('patch.active@example.com');
        const off = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', value: { active: false } }),
        );
        expect(off.statusCode, off.body).toBe(200);
        expect((off.json() as Resource).active).toBe(false);
        const on = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'Replace', path: 'active', value: 'True' }),
        );
        expect((on.json() as Resource).active).toBe(true);
        const inactive = await list(
          `filter=userName eq "patch.active@example.com" and active eq true`,
        );
        expect(inactive.totalResults).toBe(1);
      });

      it('creates a missing filtered target and updates a matching one', async () => {
        const user = await create('patch.email@example.com', { emails: [] });
        const add = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'emails[type eq "work"].value', value: 'Work@Example.com' }),
        );
        expect(add.statusCode, add.body).toBe(200);
        expect((add.json() as Resource).emails).toEqual([
          { type: 'work', value: 'Work@Example.com' },
        ]);
        const found = await list(
          `filter=${encodeURIComponent('emails[type eq "work"].value eq "work@example.com"')}`,
        );
        expect(found.Resources.map((r) => r.id)).toEqual([user.id]);
      });

      it('applies all operations or none', async () => {
        const user = await create('patch.atomic@example.com', { title: 'Before' });
        const response = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch(
            { op: 'replace', path: 'title', value: 'After' },
            { op: 'replace', path: 'nosuchattribute', value: 1 },
          ),
        );
        expect(response.statusCode).toBe(400);
        expect(json(response).scimType).toBe('invalidPath');
        const read = (await t.scim('GET', `Users/${user.id}`)).json() as Resource;
        expect(read.title).toBe('Before');
        expect(read.meta.version).toBe('W/"1"');
      });

      it('refuses changes to read-only attributes with 400 mutability', async () => {
        const user = await create('patch.readonly@example.com');
        const response = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'meta.created', value: 'x' }),
        );
        expect(response.statusCode).toBe(400);
        expect(json(response).scimType).toBe('mutability');
      });

      it('removes without a path: 400 noTarget', async () => {
        const user = await create('patch.nopath@example.com');
        const response = await t.scim('PATCH', `Users/${user.id}`, patch({ op: 'remove' }));
        expect(response.statusCode).toBe(400);
        expect(json(response).scimType).toBe('noTarget');
      });
    });

    describe('ETags', () => {
      it('honours If-Match and If-None-Match', async () => {
        const user = await create('etag.user@example.com');
        const stale = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'title', value: 'x' }),
          {
            'if-match': 'W/"7"',
          },
        );
        expect(stale.statusCode).toBe(412);
        expect(json(stale).status).toBe('412');
        const fresh = await t.scim(
          'PATCH',
          `Users/${user.id}`,
          patch({ op: 'replace', path: 'title', value: 'x' }),
          {
            'if-match': 'W/"1"',
          },
        );
        expect(fresh.statusCode).toBe(200);
        expect(fresh.headers.etag).toBe('W/"2"');
        const notModified = await t.scim('GET', `Users/${user.id}`, undefined, {
          'if-none-match': 'W/"2"',
        });
        expect(notModified.statusCode).toBe(304);
        const modified = await t.scim('GET', `Users/${user.id}`, undefined, {
          'if-none-match': 'W/"1"',
        });
        expect(modified.statusCode).toBe(200);
        const staleDelete = await t.scim('DELETE', `Users/${user.id}`, undefined, {
          'if-match': 'W/"1"',
        });
        expect(staleDelete.statusCode).toBe(412);
      });
    });

    describe('delete', () => {
      it('deletes a user: 204, then 404', async () => {
        const user = await create('delete.me@example.com');
        expect((await t.scim('DELETE', `Users/${user.id}`)).statusCode).toBe(204);
        expect((await t.scim('GET', `Users/${user.id}`)).statusCode).toBe(404);
        expect((await t.scim('DELETE', `Users/${user.id}`)).statusCode).toBe(404);
        expect((await list('filter=userName eq "delete.me@example.com"')).totalResults).toBe(0);
      });
    });
  });
}
