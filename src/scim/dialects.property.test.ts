import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DialectName, RequestToNormalize } from './dialects.ts';
import { DIALECT_NAMES, PROFILES, normalizeFilter, normalizeRequest } from './dialects.ts';
import { ScimError } from './errors.ts';
import { parseFilter } from './filter.ts';
import type { PatchResult } from './patch.ts';
import { applyPatch, parsePatchRequest } from './patch.ts';
import type { JsonObject } from './resource.ts';
import { isJsonObject, normalizeResource } from './resource.ts';
import { SCHEMA, groupResourceType, userResourceType } from './schema.ts';

const ENTERPRISE = SCHEMA.enterpriseUser;
const ID = 'c0ffee00-0000-4000-8000-000000000001';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Calls `fn`; a throw must be a 4xx ScimError. Returns undefined when it throws. */
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
// Arbitraries: any JSON, and vendor-flavoured bodies
// ---------------------------------------------------------------------------------------------

const dialect = fc.constantFrom(...DIALECT_NAMES);
const resourceType = fc.constantFrom<'User' | 'Group'>('User', 'Group');
const operation = fc.constantFrom<'create' | 'replace' | 'patch'>('create', 'replace', 'patch');

const vendorKey = fc.constantFrom(
  'userName',
  'active',
  'name',
  'name.givenName',
  'emails',
  'members',
  'id',
  'displayName',
  'schemas',
  'Operations',
  'op',
  'path',
  'value',
  ENTERPRISE,
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:manager.value`,
  `${SCHEMA.user}:title`,
  'urn:scim:schemas:extension:enterprise:2.0',
  'emails[type eq "work"].value',
  'emails[type eq "work"].primary',
  '__proto__',
);
const vendorScalar = fc.constantFrom(
  'True',
  'False',
  '',
  'Add',
  'Remove',
  'members',
  'manager',
  '',
  ' ',
  ID,
  '{"displayName":"x","id":"c0ffee00-0000-4000-8000-000000000001"}',
  'urn:scim:schemas:core:2.0',
  null,
);

/** JSON with the keys and values the normalisations look for, nested anyhow. */
const vendorJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 1 }),
    vendorScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(vendorKey, fc.string({ maxLength: 6 })), tie('value'), { maxKeys: 5 }),
  ),
})).value;

const vendorOperation = fc.record(
  {
    op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'REMOVE', 'x'),
    path: fc.oneof(
      vendorKey,
      fc.constantFrom('', ' ', 'manager', 'members', 'emails', 'emails[type eq "work"]', 'x['),
    ),
    value: vendorJson,
  },
  { requiredKeys: [] },
);

const anyBody = fc.oneof(
  fc.jsonValue(),
  vendorJson,
  fc.record(
    {
      schemas: fc.oneof(fc.constant([SCHEMA.patchOp]), vendorJson),
      Operations: fc.oneof(fc.array(vendorOperation, { maxLength: 6 }), vendorJson),
    },
    { requiredKeys: [] },
  ),
);

const anyRequest = fc.record({
  resourceType,
  operation,
  id: fc.constantFrom(ID, undefined),
  body: anyBody,
});

// ---------------------------------------------------------------------------------------------
// Arbitraries: requests already in RFC 7644 form
// ---------------------------------------------------------------------------------------------

const text = fc.string({ maxLength: 12 });
const email = fc.record(
  { value: text, type: fc.constantFrom('work', 'home', 'True'), primary: fc.boolean() },
  { requiredKeys: ['value'] },
);
const manager = fc.record({ value: text, $ref: text }, { requiredKeys: ['value'] });
const rfcUserAttributes = fc.record(
  {
    userName: text,
    active: fc.boolean(),
    title: fc.oneof(text, fc.constantFrom('True', 'false', 'a.b')),
    name: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
    emails: fc.array(email, { maxLength: 3 }),
    roles: fc.array(fc.record({ value: text, primary: fc.boolean() }), { maxLength: 2 }),
    [ENTERPRISE]: fc.record({ employeeNumber: text, manager }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const rfcUserBody = fc
  .tuple(rfcUserAttributes, fc.boolean())
  .map(([body, withSchemas]) =>
    withSchemas
      ? { schemas: [SCHEMA.user, ...(ENTERPRISE in body ? [ENTERPRISE] : [])], ...body }
      : body,
  );
const member = fc.record(
  { value: text, type: fc.constantFrom('User', 'Group') },
  { requiredKeys: ['value'] },
);
const rfcGroupBody = fc.record(
  {
    schemas: fc.constant([SCHEMA.group]),
    displayName: text,
    externalId: text,
    members: fc.array(member, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

const rfcUserOperation = fc.oneof(
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    path: fc.constantFrom('title', 'name.givenName', 'displayName', `${ENTERPRISE}:employeeNumber`),
    value: text,
  }),
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    path: fc.constant('active'),
    value: fc.boolean(),
  }),
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    path: fc.constant(`${ENTERPRISE}:manager`),
    value: manager,
  }),
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    path: fc.constant('emails'),
    value: fc.array(email, { maxLength: 2 }),
  }),
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    path: fc.constant('emails[type eq "work"]'),
    value: email,
  }),
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    path: fc.constant('emails[type eq "work"].primary'),
    value: fc.boolean(),
  }),
  fc.record({ op: fc.constantFrom('add', 'replace'), value: rfcUserAttributes }),
  fc.record({
    op: fc.constant('remove'),
    path: fc.constantFrom('title', 'emails', 'emails[type eq "home"]', `${ENTERPRISE}:manager`),
  }),
);
const rfcGroupOperation = fc.oneof(
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    path: fc.constant('members'),
    value: fc.array(member, { maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant('remove'),
    path: fc.constantFrom('members', 'members[value eq "a" or value eq "b"]'),
  }),
  fc.record({
    op: fc.constant('replace'),
    value: fc.record({ displayName: text, externalId: text }, { requiredKeys: [] }),
  }),
);
const rfcPatch = (ops: fc.Arbitrary<unknown>) =>
  fc.array(ops, { maxLength: 5 }).map((Operations) => ({ schemas: [SCHEMA.patchOp], Operations }));

const rfcRequest: fc.Arbitrary<RequestToNormalize> = fc.oneof(
  fc.record({
    resourceType: fc.constant('User' as const),
    operation: fc.constantFrom('create' as const, 'replace' as const),
    body: rfcUserBody,
  }),
  fc.record({
    resourceType: fc.constant('Group' as const),
    operation: fc.constantFrom('create' as const, 'replace' as const),
    body: rfcGroupBody,
  }),
  fc.record({
    resourceType: fc.constant('User' as const),
    operation: fc.constant('patch' as const),
    id: fc.constant(ID),
    body: rfcPatch(rfcUserOperation),
  }),
  fc.record({
    resourceType: fc.constant('Group' as const),
    operation: fc.constant('patch' as const),
    id: fc.constant(ID),
    body: rfcPatch(rfcGroupOperation),
  }),
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('normalizeRequest on any JSON', () => {
  it('never throws anything but a ScimError and never mutates its input', () => {
    fc.assert(
      fc.property(dialect, anyRequest, (d, request) => {
        const snapshot = structuredClone(request);
        // A frozen input makes any write throw a TypeError, which the property would report.
        returnsOrRejects(() => normalizeRequest(d, deepFreeze(request)));
        expect(request).toEqual(snapshot);
      }),
      { numRuns: 2000 },
    );
  });

  it("reports only its profile's normalisations, in order, and a second pass changes nothing", () => {
    fc.assert(
      fc.property(dialect, anyRequest, (d, request) => {
        const once = returnsOrRejects(() => normalizeRequest(d, request));
        if (!once) return;
        const profile: readonly string[] = PROFILES[d];
        expect(once.applied.map((name) => profile.indexOf(name))).toEqual(
          once.applied.map((name) => profile.indexOf(name)).sort((a, b) => a - b),
        );
        for (const name of once.applied) expect(profile).toContain(name);
        if (once.applied.length === 0) expect(once.body).toBe(request.body);
        const twice = normalizeRequest(d, { ...request, body: once.body });
        expect(twice.applied).toEqual([]);
        expect(twice.body).toBe(once.body);
      }),
      { numRuns: 2000 },
    );
  });

  it('hands the core nothing it would not also make of the raw body, or a refusal of it', () => {
    // The core never gets worse input: whatever the core answers, it answers with a ScimError.
    fc.assert(
      fc.property(dialect, anyRequest, (d, request) => {
        const { body } = normalizeRequest(d, request);
        const type = request.resourceType === 'User' ? userResourceType : groupResourceType;
        if (request.operation !== 'patch') {
          returnsOrRejects(() => normalizeResource(type, body));
          return;
        }
        const data =
          request.resourceType === 'User' ? { userName: 'u', active: true } : { displayName: 'g' };
        returnsOrRejects(() => applyPatch(type, { id: ID, data }, parsePatchRequest(body)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('an RFC 7644 request', () => {
  it('is returned as it is, by every profile', () => {
    fc.assert(
      fc.property(dialect, rfcRequest, (d, request) => {
        const result = normalizeRequest(d, request);
        expect(result.applied).toEqual([]);
        expect(result.body).toBe(request.body);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Vendor shapes of RFC requests: generic makes them mean the same; strict refuses them
// ---------------------------------------------------------------------------------------------

const capitalised = (op: string) => op.charAt(0).toUpperCase() + op.slice(1);

/** Entra ID's legacy spelling of an RFC user operation, when it has one. */
function entraSpelling(operation: JsonObject): JsonObject {
  const { op, path, value } = operation as { op: string; path?: string; value?: unknown };
  const out: JsonObject = { ...operation, op: capitalised(op) };
  if (typeof value === 'boolean') out.value = value ? 'True' : 'False';
  // The bare id says only the id: a manager with a $ref keeps the RFC form.
  if (path === `${ENTERPRISE}:manager` && isJsonObject(value) && Object.keys(value).length === 1) {
    out.value = value.value;
  }
  if (path === undefined && typeof value === 'object' && value !== null) {
    const dotted: JsonObject = {};
    for (const [key, inner] of Object.entries(value as JsonObject)) {
      if (key === 'name' || key === ENTERPRISE) {
        const prefix = key === 'name' ? 'name.' : `${ENTERPRISE}:`;
        for (const [sub, v] of Object.entries(inner as JsonObject)) dotted[prefix + sub] = v;
      } else if (key === 'active') {
        dotted.active = inner ? 'True' : 'False';
      } else {
        dotted[key] = inner;
      }
    }
    out.value = dotted;
  }
  return out;
}

const storedUser = (): JsonObject =>
  normalizeResource(userResourceType, {
    userName: 'bjensen',
    name: { givenName: 'B', familyName: 'J' },
    emails: [
      { value: 'b@work', type: 'work', primary: true },
      { value: 'b@home', type: 'home' },
    ],
    [ENTERPRISE]: { manager: { value: 'old' } },
  }).data;

function patchUser(body: unknown): PatchResult | undefined {
  return returnsOrRejects(() =>
    applyPatch(userResourceType, { id: ID, data: storedUser() }, parsePatchRequest(body)),
  );
}

describe("Entra ID's legacy shapes", () => {
  const userOps = fc.array(rfcUserOperation, { minLength: 1, maxLength: 4 });

  it('generic makes them mean exactly what the RFC request means', () => {
    fc.assert(
      fc.property(userOps, fc.boolean(), (ops, dropSchemas) => {
        const rfc = { schemas: [SCHEMA.patchOp], Operations: ops };
        const legacy = {
          ...(dropSchemas ? {} : { schemas: [SCHEMA.patchOp] }),
          Operations: ops.map((op) => entraSpelling(op as JsonObject)),
        };
        const request = { resourceType: 'User', operation: 'patch', id: ID } as const;
        for (const d of ['generic', 'entra'] as DialectName[]) {
          const { body } = normalizeRequest(d, { ...request, body: legacy });
          expect(patchUser(body)).toEqual(patchUser(rfc));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('strict refuses them: 400, never a different change', () => {
    fc.assert(
      fc.property(userOps, (ops) => {
        const legacy = {
          schemas: [SCHEMA.patchOp],
          Operations: ops.map((op) => entraSpelling(op as JsonObject)),
        };
        const { body } = normalizeRequest('strict', {
          resourceType: 'User',
          operation: 'patch',
          id: ID,
          body: legacy,
        });
        expect(patchUser(body)).toBeUndefined();
      }),
    );
  });

  it('a remove with a member list removes exactly those members, never all of them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 60 }), { maxLength: 300 }),
        dialect,
        (ids, d) => {
          const request = {
            resourceType: 'Group',
            operation: 'patch',
            id: ID,
            body: {
              schemas: [SCHEMA.patchOp],
              Operations: [
                { op: 'remove', path: 'members', value: ids.map((value) => ({ value })) },
              ],
            },
          } as const;
          const { body } = normalizeRequest(d, request);
          const result = returnsOrRejects(() =>
            applyPatch(
              groupResourceType,
              { id: ID, data: { displayName: 'g' } },
              parsePatchRequest(body),
            ),
          );
          if (!PROFILES[d].includes('remove-members-by-value')) {
            expect(result).toBeUndefined();
            return;
          }
          expect(result?.memberChanges.some((c) => c.kind === 'removeAll')).toBe(false);
          const removed = result?.memberChanges.flatMap((c) => (c.kind === 'remove' ? c.ids : []));
          expect(removed).toEqual([...new Set(ids)]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a boolean is read back whether sent as a boolean or as Entra ID's string", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom('True', 'true', 'TRUE', 'False', 'false'),
        (active, spelling) => {
          const sent = active
            ? spelling.replace(/false/i, 'True')
            : spelling.replace(/true/i, 'False');
          const { body } = normalizeRequest('generic', {
            resourceType: 'User',
            operation: 'patch',
            body: {
              schemas: [SCHEMA.patchOp],
              Operations: [{ op: 'replace', path: 'active', value: sent }],
            },
          });
          expect(patchUser(body)?.data.active).toBe(active);
        },
      ),
    );
  });
});

describe('normalizeFilter: unquoted-filter-values', () => {
  const word = fc
    .stringMatching(/^[A-Za-z][A-Za-z0-9@._-]{0,10}$/)
    .filter((w) => !['and', 'or', 'not', 'true', 'false', 'null', 'pr'].includes(w.toLowerCase()));
  const comparison = fc.record({
    attribute: fc.constantFrom(
      'userName',
      'externalId',
      'name.givenName',
      'emails[type eq "work"].value',
      `${ENTERPRISE}:manager`,
    ),
    op: fc.constantFrom('eq', 'ne', 'co', 'sw', 'EQ'),
    value: fc.oneof(
      word.map((w) => ({ quoted: JSON.stringify(w), unquoted: w })),
      fc
        .constantFrom('true', 'false', 'null', '42', '-1.5')
        .map((w) => ({ quoted: w, unquoted: w })),
    ),
    unquote: fc.boolean(),
  });
  const filters = fc.array(fc.tuple(comparison, fc.constantFrom(' and ', ' or ')), {
    minLength: 1,
    maxLength: 4,
  });

  it('quotes what is unquoted, meaning the same, and leaves quoted filters as they are', () => {
    fc.assert(
      fc.property(filters, dialect, (parts, d) => {
        const build = (unquoted: boolean) =>
          parts
            .map(
              ([c, join], i) =>
                `${i > 0 ? join : ''}${c.attribute} ${c.op} ${unquoted && c.unquote ? c.value.unquoted : c.value.quoted}`,
            )
            .join('');
        const rfc = build(false);
        const vendor = build(true);
        expect(normalizeFilter(d, rfc)).toEqual({ filter: rfc, applied: [] });
        const result = normalizeFilter(d, vendor);
        if (PROFILES[d].includes('unquoted-filter-values')) {
          expect(parseFilter(result.filter)).toEqual(parseFilter(rfc));
          expect(result.applied).toEqual(vendor === rfc ? [] : ['unquoted-filter-values']);
        } else {
          expect(result).toEqual({ filter: vendor, applied: [] });
        }
      }),
    );
  });

  it('never throws and never changes what a filter means', () => {
    fc.assert(
      fc.property(fc.string(), dialect, (filter, d) => {
        const result = normalizeFilter(d, filter);
        const before = returnsOrRejects(() => parseFilter(filter));
        if (before) expect(parseFilter(result.filter)).toEqual(before);
      }),
      { numRuns: 2000 },
    );
  });
});
