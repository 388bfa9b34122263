import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from './errors.ts';
import { applyPatch, jsonEqual, parsePatchRequest } from './patch.ts';
import type { JsonObject } from './resource.ts';
import { normalizeResource, projectResource } from './resource.ts';
import type { ResourceTypeDefinition } from './schema.ts';
import { SCHEMA, groupResourceType, userResourceType } from './schema.ts';

const ENTERPRISE = SCHEMA.enterpriseUser;
const ID = 'c0ffee00-0000-4000-8000-000000000001';

/** Calls `fn`; a throw must be a 4xx ScimError (anything else is a bug in the interpreter). */
function returnsOrRejects<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const nonBlank = fc.string({ minLength: 1 }).filter((s) => s.trim() !== '');

const email = fc.record(
  {
    value: fc.string(),
    type: fc.constantFrom('work', 'home', 'other'),
    display: fc.string(),
  },
  { requiredKeys: ['value'] },
);

/** Valid stored Users: generated as bodies, then normalised (so they are the stored form). */
const userData: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      userName: nonBlank,
      active: fc.boolean(),
      title: fc.string(),
      displayName: fc.string(),
      name: fc.record({ givenName: fc.string(), familyName: fc.string() }, { requiredKeys: [] }),
      emails: fc.array(email, { maxLength: 4 }),
      primaryEmail: fc.boolean(),
      [ENTERPRISE]: fc.record(
        { employeeNumber: fc.string(), manager: fc.record({ value: nonBlank }) },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['userName'] },
  )
  .map(({ primaryEmail, emails, ...body }) => {
    // RFC 7643 §2.4: at most one primary value.
    const marked = emails?.map((e, i) => (i === 0 && primaryEmail ? { ...e, primary: true } : e));
    return normalizeResource(userResourceType, { ...body, emails: marked }).data;
  });

const groupData: fc.Arbitrary<JsonObject> = fc
  .record({ displayName: nonBlank, externalId: fc.string() }, { requiredKeys: ['displayName'] })
  .map((body) => normalizeResource(groupResourceType, body).data);

const knownPaths = [
  'userName',
  'title',
  'displayName',
  'active',
  'externalId',
  'name',
  'name.givenName',
  'emails',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[type eq "home" and primary eq true].display',
  'emails[value co "@"].primary',
  'emails[not (type eq "work")]',
  'phoneNumbers[type eq "mobile"].value',
  'addresses[type eq "work"].streetAddress',
  'x509Certificates',
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:manager.value`,
  `${ENTERPRISE}:employeeNumber`,
  ENTERPRISE,
  `${SCHEMA.user}:nickName`,
  'id',
  'meta',
  'meta.created',
  'groups',
  'schemas',
  'password',
  'members',
  'members[value eq "a"]',
  'members[value eq "a" or value eq "b"]',
  'members[type eq "User"]',
  'members.value',
  'foo',
  'name.foo',
  'emails[',
  'emails.value',
];

const path = fc.oneof(fc.constantFrom(...knownPaths), fc.string());

const member = fc.record(
  {
    value: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.string()),
    type: fc.constantFrom('user', 'Group', 'x'),
    display: fc.string(),
  },
  { requiredKeys: [] },
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('True', 'false', '', 'x@y.com', ID, null),
  fc.array(member, { maxLength: 3 }),
  fc.array(email, { maxLength: 3 }),
  fc.dictionary(path, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  email,
);

const operation = fc.record(
  {
    op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'delete'),
    path,
    value,
  },
  { requiredKeys: ['op'] },
);

/**
 * Operations that fit the schema, in RFC 7644 form, so that runs get past validation and change
 * things. (Vendor shapes are dialects.property.test.ts's.)
 */
const setOp = fc.constantFrom('add', 'replace');
const stringPath = fc.constantFrom(
  'title',
  'displayName',
  'nickName',
  'name.givenName',
  'emails[type eq "work"].value',
  'addresses[type eq "home"].locality',
  `${ENTERPRISE}:employeeNumber`,
  `${ENTERPRISE}:manager`,
);
const plausibleOperation = fc.oneof(
  fc.record({ op: setOp, path: stringPath, value: fc.string() }),
  fc.record({ op: setOp, path: fc.constant('active'), value: fc.boolean() }),
  fc.record({ op: setOp, path: fc.constant('emails'), value: fc.array(email, { maxLength: 2 }) }),
  fc.record({
    op: setOp,
    path: fc.constantFrom('emails[type eq "home"].primary', 'emails[type eq "work"].primary'),
    value: fc.boolean(),
  }),
  fc.record({
    op: setOp,
    path: fc.constant('name'),
    value: fc.record({ givenName: fc.string(), middleName: fc.string() }, { requiredKeys: [] }),
  }),
  fc.record({
    op: setOp,
    value: fc.record(
      {
        title: fc.string(),
        name: fc.record({ familyName: fc.string() }),
        [ENTERPRISE]: fc.record(
          { division: fc.string(), costCenter: fc.string() },
          { requiredKeys: [] },
        ),
        active: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ op: fc.constant('remove'), path: fc.constantFrom(...knownPaths) }),
);

const operations = fc.array(fc.oneof({ arbitrary: plausibleOperation, weight: 3 }, operation), {
  maxLength: 5,
});

/** Runs a PATCH body the way the HTTP layer does, returning undefined when it is rejected. */
function tryPatch(resourceType: ResourceTypeDefinition, data: JsonObject, ops: unknown) {
  return returnsOrRejects(() =>
    applyPatch(
      resourceType,
      { id: ID, data },
      parsePatchRequest({ schemas: [SCHEMA.patchOp], Operations: ops }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('robustness: arbitrary input returns or throws a 4xx ScimError', () => {
  it('normalizeResource', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        returnsOrRejects(() => normalizeResource(userResourceType, body));
        returnsOrRejects(() => normalizeResource(groupResourceType, body));
      }),
    );
  });

  it('normalizeResource with plausible keys', () => {
    fc.assert(
      fc.property(fc.dictionary(path, value, { maxKeys: 6 }), (body) => {
        returnsOrRejects(() => normalizeResource(userResourceType, body));
        returnsOrRejects(() => normalizeResource(groupResourceType, body));
      }),
    );
  });

  it('parsePatchRequest', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 4 }), (body, ops) => {
        returnsOrRejects(() => parsePatchRequest(body));
        returnsOrRejects(() => parsePatchRequest({ schemas: [SCHEMA.patchOp], Operations: ops }));
      }),
    );
  });

  it('applyPatch on Users and Groups', () => {
    fc.assert(
      fc.property(userData, groupData, operations, (user, group, ops) => {
        tryPatch(userResourceType, user, ops);
        tryPatch(groupResourceType, group, ops);
      }),
      { numRuns: 500 },
    );
  });
});

describe('atomicity and purity', () => {
  it('never changes its input, whether it succeeds or fails', () => {
    fc.assert(
      fc.property(userData, operations, (data, ops) => {
        const snapshot = structuredClone(data);
        tryPatch(userResourceType, data, ops);
        expect(data).toEqual(snapshot);
      }),
      { numRuns: 500 },
    );
  });

  it('fails as a whole: a bad operation after good ones leaves nothing applied', () => {
    fc.assert(
      fc.property(userData, operations, (data, ops) => {
        const snapshot = structuredClone(data);
        const bad = { op: 'replace', path: 'active', value: 'neither' };
        expect(tryPatch(userResourceType, data, [...ops, bad])).toBeUndefined();
        expect(data).toEqual(snapshot);
      }),
    );
  });
});

describe('the result of a PATCH is a valid stored form', () => {
  it('normalising it again changes nothing', () => {
    fc.assert(
      fc.property(userData, operations, (data, ops) => {
        const result = tryPatch(userResourceType, data, ops);
        if (!result) return;
        expect(normalizeResource(userResourceType, result.data).data).toEqual(result.data);
        expect(result.data).not.toHaveProperty('password');
        expect(result.changed).toBe(
          !jsonEqual(result.data, data) || result.memberChanges.length > 0,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('never stores members in Group data', () => {
    fc.assert(
      fc.property(groupData, operations, (data, ops) => {
        const result = tryPatch(groupResourceType, data, ops);
        if (result)
          expect(Object.keys(result.data).map((k) => k.toLowerCase())).not.toContain('members');
      }),
    );
  });

  it('normalizeResource is idempotent', () => {
    fc.assert(
      fc.property(fc.dictionary(path, value, { maxKeys: 6 }), nonBlank, (body, userName) => {
        const once = returnsOrRejects(() =>
          normalizeResource(userResourceType, { ...body, userName }),
        );
        if (!once) return;
        expect(normalizeResource(userResourceType, once.data).data).toEqual(once.data);
      }),
    );
  });
});

describe('replace then read', () => {
  /** A path, how to read it back, and the path-less value (RFC 7644 §3.5.2.3) that sets it. */
  const simple: [string, (data: JsonObject) => unknown, (text: string) => JsonObject][] = [
    ['displayName', (d) => d.displayName, (t) => ({ displayName: t })],
    ['title', (d) => d.title, (t) => ({ title: t })],
    ['nickName', (d) => d.nickName, (t) => ({ nickName: t })],
    ['externalId', (d) => d.externalId, (t) => ({ externalId: t })],
    [
      'name.givenName',
      (d) => (d.name as JsonObject | undefined)?.givenName,
      (t) => ({ name: { givenName: t } }),
    ],
    [
      `${ENTERPRISE}:employeeNumber`,
      (d) => (d[ENTERPRISE] as JsonObject | undefined)?.employeeNumber,
      (t) => ({ [ENTERPRISE]: { employeeNumber: t } }),
    ],
  ];

  it('reads back the string a replace wrote, with a path or without one', () => {
    fc.assert(
      fc.property(
        userData,
        fc.constantFrom(...simple),
        fc.string(),
        (data, [attr, read, pathlessValue], text) => {
          const withPath = tryPatch(userResourceType, data, [
            { op: 'replace', path: attr, value: text },
          ]);
          const pathless = tryPatch(userResourceType, data, [
            { op: 'replace', value: pathlessValue(text) },
          ]);
          expect(withPath && read(withPath.data)).toBe(text);
          expect(pathless?.data).toEqual(withPath?.data);
        },
      ),
    );
  });

  it('reads back a userName that is not blank', () => {
    fc.assert(
      fc.property(userData, nonBlank, (data, userName) => {
        const result = tryPatch(userResourceType, data, [
          { op: 'replace', path: 'USERNAME', value: userName },
        ]);
        expect(result?.data.userName).toBe(userName);
      }),
    );
  });

  it('reads back a boolean; a string is refused (Entra ID\'s "False" is a dialect)', () => {
    fc.assert(
      fc.property(userData, fc.boolean(), fc.boolean(), (data, active, asString) => {
        const sent = asString ? (active ? 'True' : 'False') : active;
        const result = tryPatch(userResourceType, data, [
          { op: 'replace', path: 'active', value: sent },
        ]);
        expect(result?.data.active).toBe(asString ? undefined : active);
      }),
    );
  });
});

describe('Group members', () => {
  const ids = fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 8 });

  it('adding a member twice asks for the same member twice, and nothing else', () => {
    fc.assert(
      fc.property(groupData, fc.string({ minLength: 1 }), (data, id) => {
        const add = { op: 'add', path: 'members', value: [{ value: id }] };
        const result = tryPatch(groupResourceType, data, [add, add]);
        const once = { kind: 'add', members: [{ value: id }] };
        expect(result?.memberChanges).toEqual([once, once]);
        expect(result?.data).toEqual(data);
      }),
    );
  });

  it('one add carries each distinct member once', () => {
    fc.assert(
      fc.property(groupData, ids, (data, values) => {
        const value = values.map((v) => ({ value: v }));
        const result = tryPatch(groupResourceType, data, [{ op: 'add', path: 'members', value }]);
        const added = result?.memberChanges.flatMap((c) => (c.kind === 'add' ? c.members : []));
        expect(added?.map((m) => m.value)).toEqual([...new Set(values)]);
      }),
    );
  });

  it('a remove with a value never empties the group: the core refuses it', () => {
    // dialects.property.test.ts: the dialects turn it into a filter that removes only those.
    fc.assert(
      fc.property(
        groupData,
        fc.array(fc.string({ minLength: 1 }), { maxLength: 8 }),
        (data, values) => {
          const value = values.map((v) => ({ value: v }));
          const result = tryPatch(groupResourceType, data, [
            { op: 'remove', path: 'members', value },
          ]);
          expect(result).toBeUndefined();
        },
      ),
    );
  });

  it('a value filter of or-ed equalities removes exactly those ids', () => {
    fc.assert(
      fc.property(groupData, ids, (data, values) => {
        const filter = values.map((v) => `value eq ${JSON.stringify(v)}`).join(' or ');
        const result = tryPatch(groupResourceType, data, [
          { op: 'remove', path: `members[${filter}]` },
        ]);
        expect(result?.memberChanges).toEqual([{ kind: 'remove', ids: [...new Set(values)] }]);
      }),
    );
  });
});

describe('projectResource', () => {
  it('always returns id and schemas, never password, and drops what is excluded', () => {
    const names = fc.array(fc.oneof(fc.constantFrom(...knownPaths), fc.string()), { maxLength: 5 });
    fc.assert(
      fc.property(
        userData,
        names,
        fc.option(names, { nil: undefined }),
        (data, excluded, attributes) => {
          const resource = { schemas: [SCHEMA.user], id: ID, password: 'p', ...data };
          const output = projectResource(userResourceType, resource, {
            excludedAttributes: excluded,
            ...(attributes ? { attributes } : {}),
          });
          expect(output.id).toBe(ID);
          expect(output.schemas).toEqual([SCHEMA.user]);
          expect(output).not.toHaveProperty('password');
          for (const name of excluded) {
            // `id` and `schemas` are returned always, whatever their case in the list.
            const lower = name.toLowerCase();
            if (
              lower !== 'id' &&
              lower !== 'schemas' &&
              !name.includes('.') &&
              !name.includes(':')
            ) {
              expect(Object.keys(output).map((k) => k.toLowerCase())).not.toContain(
                name.toLowerCase(),
              );
            }
          }
        },
      ),
    );
  });
});
