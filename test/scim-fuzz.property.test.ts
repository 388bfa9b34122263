/**
 * "No input makes the server answer 500": random requests of every kind against the real app on
 * both databases. Each must get a 2xx or a 4xx in SCIM's Error format, and the directory must
 * stay consistent afterwards (every membership names a user or group that exists).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.ts';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, startTestApp, USER_SCHEMA } from './support/app.ts';
import type { TestApp } from './support/app.ts';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Attribute names and paths that real clients use, with some that do not exist. */
const path = fc.constantFrom(
  'userName',
  'displayName',
  'title',
  'active',
  'name.givenName',
  'name',
  'emails',
  'emails[type eq "work"].value',
  'emails[type eq "work"]',
  'emails[value co "@"]',
  'phoneNumbers[type eq "mobile"].value',
  'addresses[type eq "work"].locality',
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:employeeNumber`,
  'members',
  'members[value eq "x"]',
  'members[type eq "Group"]',
  'id',
  'meta.created',
  'groups',
  'password',
  'nosuch',
  'emails[',
  '',
);

const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constantFrom('True', 'False', 'x@example.com', null),
  fc.integer(),
  fc.double({ noNaN: false }),
);

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(path, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const operation = fc.record(
  {
    op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'copy', ''),
    path,
    value,
  },
  { requiredKeys: ['op'] },
);

const userBody = fc.record(
  {
    schemas: fc.constantFrom([USER_SCHEMA], [USER_SCHEMA, ENTERPRISE], ['urn:nope'], 'x'),
    userName: fc.oneof(fc.string({ maxLength: 12 }), scalar),
    active: scalar,
    name: value,
    emails: value,
    displayName: scalar,
    [ENTERPRISE]: value,
    groups: value,
    id: scalar,
  },
  { requiredKeys: [] },
);

const groupBody = fc.record(
  {
    schemas: fc.constantFrom([GROUP_SCHEMA], ['urn:nope']),
    displayName: fc.oneof(fc.string({ maxLength: 12 }), scalar),
    members: fc.oneof(
      value,
      fc.array(fc.record({ value: fc.oneof(fc.string({ maxLength: 5 }), scalar), type: scalar }), {
        maxLength: 3,
      }),
    ),
  },
  { requiredKeys: [] },
);

const query = fc.constantFrom(
  '',
  '?attributes=userName,name.givenName',
  '?excludedAttributes=members,groups',
  '?attributes=',
  '?attributes=urn:nope:x',
);

type Request = { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown };

for (const dialect of DIALECTS) {
  describe(`random requests never get a 5xx (${dialect})`, () => {
    let t: TestApp;
    const ids: string[] = [];

    beforeAll(async () => {
      t = await startTestApp(dialect);
      for (const name of ['a', 'b']) {
        const user = await t.scim('POST', 'Users', { userName: `${name}@example.com` });
        ids.push((user.json() as { id: string }).id);
      }
      const group = await t.scim('POST', 'Groups', {
        displayName: 'G',
        members: [{ value: ids[0] }],
      });
      ids.push((group.json() as { id: string }).id);
    });
    afterAll(() => t.close());

    const target = () => fc.constantFrom(...ids, 'missing-id');
    const request: () => fc.Arbitrary<Request> = () =>
      fc.oneof(
        fc.record({
          method: fc.constant('POST' as const),
          url: fc.constant('Users'),
          body: userBody,
        }),
        fc.record({
          method: fc.constant('POST' as const),
          url: fc.constant('Groups'),
          body: groupBody,
        }),
        fc
          .tuple(target(), userBody, query)
          .map(([id, body, q]) => ({ method: 'PUT' as const, url: `Users/${id}${q}`, body })),
        fc
          .tuple(target(), groupBody, query)
          .map(([id, body, q]) => ({ method: 'PUT' as const, url: `Groups/${id}${q}`, body })),
        fc
          .tuple(
            fc.constantFrom('Users', 'Groups'),
            target(),
            fc.array(operation, { maxLength: 4 }),
            query,
          )
          .map(([kind, id, ops, q]) => ({
            method: 'PATCH' as const,
            url: `${kind}/${id}${q}`,
            body: { schemas: [PATCH_OP], Operations: ops },
          })),
        fc
          .tuple(fc.constantFrom('Users', 'Groups'), fc.string({ maxLength: 40 }), query)
          .map(([kind, filter, q]) => ({
            method: 'GET' as const,
            url: `${kind}${q || '?'}&filter=${encodeURIComponent(filter)}`,
          })),
        fc
          .tuple(
            fc.constantFrom('Users', 'Groups'),
            fc.string({ maxLength: 12 }),
            fc.string({ maxLength: 6 }),
          )
          .map(([kind, sortBy, count]) => ({
            method: 'GET' as const,
            url: `${kind}?sortBy=${encodeURIComponent(sortBy)}&count=${encodeURIComponent(count)}`,
          })),
        fc
          .tuple(
            fc.constantFrom('Users', 'Groups'),
            fc.string({ maxLength: 30 }),
            fc.string({ maxLength: 5 }),
          )
          .map(([kind, cursor, count]) => ({
            method: 'GET' as const,
            url: `${kind}?cursor=${encodeURIComponent(cursor)}&count=${encodeURIComponent(count)}`,
          })),
        fc.record({
          method: fc.constant('POST' as const),
          url: fc.constantFrom('.search', 'Users/.search'),
          body: fc.record(
            { schemas: value, filter: value, count: value, attributes: value },
            { requiredKeys: [] },
          ),
        }),
      );

    it('answers every request with a 2xx or a SCIM 4xx', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(request(), { minLength: 1, maxLength: 5 }), async (requests) => {
          for (const r of requests) {
            const response = await t.scim(r.method, r.url, r.body);
            const label = `${r.method} ${r.url} ${JSON.stringify(r.body)?.slice(0, 300)} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
            expect(response.statusCode, label).toBeLessThan(500);
            if (response.statusCode >= 400) {
              expect((response.json() as { schemas: string[] }).schemas, label).toEqual([ERROR]);
            }
          }
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
      );
      // Whatever happened, no membership names a user or group that is gone.
      const dangling = await t.database.db
        .selectFrom('memberships as m')
        .leftJoin('users as u', 'u.id', 'm.member_id')
        .leftJoin('groups as g', 'g.id', 'm.member_id')
        .select('m.member_id')
        .where((eb) => eb.and([eb('u.id', 'is', null), eb('g.id', 'is', null)]))
        .execute();
      expect(dangling).toEqual([]);
    }, 240_000);
  });
}
