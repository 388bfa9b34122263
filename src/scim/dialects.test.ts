import { describe, expect, it } from 'vitest';
import type { DialectName, RequestToNormalize } from './dialects.ts';
import {
  DIALECT_CHOICES,
  DIALECT_NAMES,
  NORMALIZATIONS,
  PROFILES,
  detectDialect,
  dialectFor,
  normalizationsOf,
  normalizeFilter,
  normalizeRequest,
} from './dialects.ts';
import { FILTER_LIMITS, parseFilter } from './filter.ts';
import type { PatchResult } from './patch.ts';
import { applyPatch, parsePatchRequest } from './patch.ts';
import type { JsonObject, NormalizedResource } from './resource.ts';
import { normalizeResource } from './resource.ts';
import { SCHEMA, groupResourceType, userResourceType } from './schema.ts';
import { scimErrorOf } from '../../test/support/scim-errors.ts';

const ENTERPRISE = SCHEMA.enterpriseUser;
const PATCH_OP = SCHEMA.patchOp;
const USER_ID = '2819c223-7f76-453a-919d-413861904646';
const GROUP_ID = 'e9e30dba-f08f-4109-8486-d5c6a331660a';

const storedUser = (): JsonObject => ({
  userName: 'bjensen',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  [ENTERPRISE]: { manager: { value: 'old-boss' } },
});
const storedGroup = (): JsonObject => ({ displayName: 'Tour Guides' });

const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

const userPatch = (body: unknown): RequestToNormalize => ({
  resourceType: 'User',
  operation: 'patch',
  id: USER_ID,
  body,
});
const groupPatch = (body: unknown): RequestToNormalize => ({
  resourceType: 'Group',
  operation: 'patch',
  id: GROUP_ID,
  body,
});
const userCreate = (body: unknown): RequestToNormalize => ({
  resourceType: 'User',
  operation: 'create',
  body,
});

/** The strict core on a body: what the SCIM library makes of it with no dialect at all. */
function core(request: RequestToNormalize, body: unknown): NormalizedResource | PatchResult {
  const resourceType = request.resourceType === 'User' ? userResourceType : groupResourceType;
  if (request.operation !== 'patch') return normalizeResource(resourceType, body);
  const data = request.resourceType === 'User' ? storedUser() : storedGroup();
  return applyPatch(resourceType, { id: request.id ?? '', data }, parsePatchRequest(body));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('the catalogue', () => {
  it('keeps exporting the profile names and the setting choices', () => {
    expect(DIALECT_NAMES).toEqual([
      'generic',
      'okta',
      'entra',
      'onelogin',
      'jumpcloud',
      'authentik',
      'ping',
      'keycloak',
      'rippling',
      'strict',
    ]);
    expect(DIALECT_CHOICES).toEqual(['auto', ...DIALECT_NAMES]);
  });

  it('names each normalisation once, in kebab case, with a one-line description and sources', () => {
    const names = NORMALIZATIONS.map((n) => n.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of NORMALIZATIONS) {
      expect(n.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(n.description).not.toContain('\n');
      expect(n.description.length).toBeGreaterThan(20);
      expect(n.sources.length).toBeGreaterThan(0);
      for (const source of n.sources) {
        expect([
          'vendor-doc',
          'vendor-source',
          'traffic-capture',
          'third-party-doc',
          'inference',
        ]).toContain(source.kind);
        expect(source.url).toMatch(/^https:\/\//);
      }
    }
  });

  it('lists each profile', () => {
    expect(PROFILES).toEqual({
      generic: [
        'patch-schemas-missing',
        'op-case',
        'blank-path',
        'json-string-value',
        'pathless-dotted-keys',
        'schema-urn-aliases',
        'unqualified-extension-path',
        'pathless-schemas',
        'id-echo',
        'value-path-array',
        'boolean-strings',
        'manager-shorthand',
        'resource-dotted-keys',
        'remove-members-by-value',
        'remove-values-by-value',
        'unquoted-filter-values',
      ],
      okta: ['id-echo'],
      entra: [
        'patch-schemas-missing',
        'op-case',
        'pathless-dotted-keys',
        'schema-urn-aliases',
        'unqualified-extension-path',
        'boolean-strings',
        'manager-shorthand',
        'remove-members-by-value',
        'unquoted-filter-values',
      ],
      onelogin: ['schema-urn-aliases', 'boolean-strings'],
      jumpcloud: ['remove-members-by-value'],
      authentik: [
        'pathless-schemas',
        'id-echo',
        'remove-members-by-value',
        'unquoted-filter-values',
      ],
      ping: [],
      keycloak: ['json-string-value', 'pathless-schemas'],
      rippling: ['resource-dotted-keys', 'pathless-dotted-keys'],
      strict: [],
    });
  });

  it('makes generic every normalisation, strict none, and each vendor a subset of generic', () => {
    expect(PROFILES.generic).toEqual(NORMALIZATIONS.map((n) => n.name));
    expect(normalizationsOf('strict')).toEqual([]);
    for (const dialect of DIALECT_NAMES) {
      for (const name of PROFILES[dialect]) expect(PROFILES.generic).toContain(name);
      // Whatever the profile's order, they run in the catalogue's.
      const order = normalizationsOf(dialect).map((n) => NORMALIZATIONS.indexOf(n));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });
});

/**
 * One vendor shape per normalisation: what it becomes, what the core then makes of it, and how
 * the strict core refuses the raw shape.
 */
interface Case {
  readonly name: string;
  readonly request: RequestToNormalize;
  readonly rfc: unknown;
  readonly refusedAs: string;
  readonly check?: (result: NormalizedResource | PatchResult) => void;
}

const cases: Case[] = [
  {
    name: 'patch-schemas-missing',
    request: userPatch({ Operations: [{ op: 'replace', path: 'title', value: 'VP' }] }),
    rfc: patchOf({ op: 'replace', path: 'title', value: 'VP' }),
    refusedAs: 'invalidSyntax',
    check: (r) => expect((r as PatchResult).data.title).toBe('VP'),
  },
  {
    name: 'op-case',
    request: userPatch(
      patchOf(
        { op: 'Replace', path: 'title', value: 'VP' },
        { op: 'Add', path: 'nickName', value: 'Babs' },
        { op: 'Remove', path: 'title' },
      ),
    ),
    rfc: patchOf(
      { op: 'replace', path: 'title', value: 'VP' },
      { op: 'add', path: 'nickName', value: 'Babs' },
      { op: 'remove', path: 'title' },
    ),
    refusedAs: 'invalidSyntax',
    check: (r) => expect((r as PatchResult).data).toMatchObject({ nickName: 'Babs' }),
  },
  {
    name: 'blank-path',
    request: userPatch(patchOf({ op: 'replace', path: ' ', value: { title: 'VP' } })),
    rfc: patchOf({ op: 'replace', value: { title: 'VP' } }),
    refusedAs: 'invalidPath',
  },
  {
    name: 'json-string-value',
    request: userPatch(
      patchOf({ op: 'replace', value: JSON.stringify({ displayName: 'Babs', active: false }) }),
    ),
    rfc: patchOf({ op: 'replace', value: { displayName: 'Babs', active: false } }),
    refusedAs: 'invalidValue',
    check: (r) =>
      expect((r as PatchResult).data).toMatchObject({ displayName: 'Babs', active: false }),
  },
  {
    // Entra ID with aadOptscim062020 (idp-wire.md §2.13).
    name: 'pathless-dotted-keys',
    request: userPatch(
      patchOf(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'b@work.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
            title: 'T',
            'addresses[type eq "work"].locality': 'Paris',
          },
        },
      ),
    ),
    rfc: patchOf(
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'b@work.com' },
      { op: 'replace', value: { displayName: 'Bjfe' } },
      { op: 'replace', path: 'name.givenName', value: 'Kkom' },
      { op: 'replace', path: 'name.familyName', value: 'Unua' },
      { op: 'replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Aklq' },
      { op: 'replace', value: { title: 'T' } },
      { op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Paris' },
    ),
    refusedAs: 'invalidValue',
    check: (r) =>
      expect((r as PatchResult).data).toEqual({
        userName: 'bjensen',
        active: true,
        displayName: 'Bjfe',
        title: 'T',
        name: { givenName: 'Kkom', familyName: 'Unua' },
        emails: [
          { value: 'b@work.com', type: 'work', primary: true },
          { value: 'babs@jensen.org', type: 'home' },
        ],
        addresses: [{ type: 'work', locality: 'Paris' }],
        [ENTERPRISE]: { manager: { value: 'old-boss' }, employeeNumber: 'Aklq' },
      }),
  },
  {
    // OneLogin's template URNs (authentik#11249).
    name: 'schema-urn-aliases',
    request: userCreate({
      schemas: ['urn:scim:schemas:core:2.0', 'urn:scim:schemas:extension:enterprise:2.0'],
      userName: 'ol.user',
      'urn:scim:schemas:extension:enterprise:2.0': { department: 'D' },
    }),
    rfc: {
      schemas: [SCHEMA.user, ENTERPRISE],
      userName: 'ol.user',
      [ENTERPRISE]: { department: 'D' },
    },
    refusedAs: 'invalidValue',
    check: (r) => expect(r.data[ENTERPRISE]).toEqual({ department: 'D' }),
  },
  {
    // Entra ID's legacy manager example.
    name: 'unqualified-extension-path',
    request: userPatch(patchOf({ op: 'add', path: 'manager', value: { value: '2819' } })),
    rfc: patchOf({ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: '2819' } }),
    refusedAs: 'invalidPath',
    check: (r) => expect(r.data[ENTERPRISE]).toEqual({ manager: { value: '2819' } }),
  },
  {
    // authentik's group update (idp-wire.md §3), the id aside.
    name: 'pathless-schemas',
    request: groupPatch(
      patchOf({ op: 'replace', value: { schemas: [SCHEMA.group], displayName: 'Renamed' } }),
    ),
    rfc: patchOf({ op: 'replace', value: { displayName: 'Renamed' } }),
    refusedAs: 'mutability',
    check: (r) => expect(r.data).toEqual({ displayName: 'Renamed' }),
  },
  {
    // Okta's group rename (idp-wire.md §1.9).
    name: 'id-echo',
    request: groupPatch(
      patchOf({ op: 'replace', value: { id: GROUP_ID, displayName: 'Renamed' } }),
    ),
    rfc: patchOf({ op: 'replace', value: { displayName: 'Renamed' } }),
    refusedAs: 'mutability',
    check: (r) => expect(r.data).toEqual({ displayName: 'Renamed' }),
  },
  {
    name: 'value-path-array',
    request: userPatch(
      patchOf({ op: 'replace', path: 'emails[type eq "home"]', value: [{ display: 'Home' }] }),
    ),
    rfc: patchOf({ op: 'replace', path: 'emails[type eq "home"]', value: { display: 'Home' } }),
    refusedAs: 'invalidValue',
  },
  {
    // Entra ID's default disable (idp-wire.md §2.8), and a role's primary.
    name: 'boolean-strings',
    request: userPatch(
      patchOf(
        { op: 'replace', path: 'active', value: 'False' },
        { op: 'add', path: 'roles', value: [{ primary: 'True', value: 'Admin' }] },
        { op: 'replace', path: 'emails[type eq "home"].primary', value: 'true' },
        { op: 'replace', value: { active: 'FALSE' } },
      ),
    ),
    rfc: patchOf(
      { op: 'replace', path: 'active', value: false },
      { op: 'add', path: 'roles', value: [{ primary: true, value: 'Admin' }] },
      { op: 'replace', path: 'emails[type eq "home"].primary', value: true },
      { op: 'replace', value: { active: false } },
    ),
    refusedAs: 'invalidValue',
    check: (r) =>
      expect(r.data).toMatchObject({
        active: false,
        roles: [{ primary: true, value: 'Admin' }],
        emails: [{ primary: false }, { primary: true }],
      }),
  },
  {
    // Entra ID's manager PATCH (SCIM-SDK#686).
    name: 'manager-shorthand',
    request: userPatch(
      patchOf({
        op: 'add',
        path: `${ENTERPRISE}:manager`,
        value: '2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2',
      }),
    ),
    rfc: patchOf({
      op: 'add',
      path: `${ENTERPRISE}:manager`,
      value: { value: '2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2' },
    }),
    refusedAs: 'invalidValue',
    check: (r) =>
      expect(r.data[ENTERPRISE]).toEqual({
        manager: { value: '2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2' },
      }),
  },
  {
    name: 'resource-dotted-keys',
    request: userCreate({
      userName: 'dotted',
      'name.givenName': 'Babs',
      [`${ENTERPRISE}:department`]: 'Sales',
      [`${SCHEMA.user}:title`]: 'VP',
    }),
    rfc: {
      userName: 'dotted',
      name: { givenName: 'Babs' },
      [ENTERPRISE]: { department: 'Sales' },
      title: 'VP',
    },
    refusedAs: 'invalidValue',
    check: (r) =>
      expect(r.data).toEqual({
        userName: 'dotted',
        active: true,
        name: { givenName: 'Babs' },
        [ENTERPRISE]: { department: 'Sales' },
        title: 'VP',
      }),
  },
  {
    // Entra ID's default member removal (idp-wire.md §2.11), authentik, JumpCloud.
    name: 'remove-members-by-value',
    request: groupPatch(
      patchOf({ op: 'remove', path: 'members', value: [{ value: 'u1091' }, { value: 'u2' }] }),
    ),
    rfc: patchOf({ op: 'remove', path: 'members[value eq "u1091" or value eq "u2"]' }),
    refusedAs: 'invalidValue',
    check: (r) =>
      expect((r as PatchResult).memberChanges).toEqual([{ kind: 'remove', ids: ['u1091', 'u2'] }]),
  },
  {
    name: 'remove-values-by-value',
    request: userPatch(
      patchOf({
        op: 'remove',
        path: 'emails',
        value: [{ value: 'BABS@jensen.org', type: 'home', display: 'ignored: read-only' }],
      }),
    ),
    rfc: patchOf({ op: 'remove', path: 'emails[value eq "BABS@jensen.org" and type eq "home"]' }),
    refusedAs: 'invalidValue',
    check: (r) =>
      expect(r.data.emails).toEqual([
        { value: 'bjensen@example.com', type: 'work', primary: true },
      ]),
  },
];

describe.each(cases)('$name', ({ name, request, rfc, refusedAs, check }) => {
  it('rewrites the vendor shape into the RFC form, without touching its input', () => {
    const input = deepFreeze(structuredClone(request));
    expect(normalizeRequest('generic', input)).toEqual({ body: rfc, applied: [name] });
  });

  it('leaves the RFC form as it is (the same object)', () => {
    const result = normalizeRequest('generic', { ...request, body: rfc });
    expect(result.body).toBe(rfc);
    expect(result.applied).toEqual([]);
  });

  it('applies under exactly the profiles that list it', () => {
    for (const dialect of DIALECT_NAMES) {
      const result = normalizeRequest(dialect, request);
      if (PROFILES[dialect].includes(name as never)) {
        expect(result, dialect).toEqual({ body: rfc, applied: [name] });
      } else {
        expect(result.body, dialect).toBe(request.body);
        expect(result.applied, dialect).toEqual([]);
      }
    }
  });

  it(`is what the core needs: it accepts the RFC form and refuses the raw shape (${refusedAs})`, () => {
    const result = core(request, rfc);
    check?.(result);
    const error = scimErrorOf(() => core(request, request.body));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(refusedAs);
  });
});

describe('boolean-strings', () => {
  it.each(['True', 'False', 'true', 'false', 'TRUE'])(
    'turns %j into a boolean in POST and PUT bodies, at any depth the schema has booleans',
    (text) => {
      const expected = text.toLowerCase() === 'true';
      for (const operation of ['create', 'replace'] as const) {
        const { body, applied } = normalizeRequest('generic', {
          resourceType: 'User',
          operation,
          body: { userName: 'b', active: text, emails: [{ value: 'a@b', primary: text }] },
        });
        expect(body).toEqual({
          userName: 'b',
          active: expected,
          emails: [{ value: 'a@b', primary: expected }],
        });
        expect(applied).toEqual(['boolean-strings']);
      }
    },
  );

  it('leaves strings of string attributes, and strings that are no boolean', () => {
    const body = { userName: 'True', title: 'false', active: 'yes' };
    expect(normalizeRequest('generic', userCreate(body)).body).toBe(body);
  });
});

describe('manager-shorthand', () => {
  const managerAfter = (manager: unknown) =>
    normalizeRequest('generic', userCreate({ userName: 'm', [ENTERPRISE]: { manager } })).body;

  it('makes the complex value of a bare id, an array of one object, and null of ""', () => {
    expect(managerAfter('26118915')).toEqual({
      userName: 'm',
      [ENTERPRISE]: { manager: { value: '26118915' } },
    });
    expect(managerAfter([{ value: '26118915', $ref: '../Users/26118915' }])).toEqual({
      userName: 'm',
      [ENTERPRISE]: { manager: { value: '26118915', $ref: '../Users/26118915' } },
    });
    const cleared = managerAfter('');
    expect(cleared).toEqual({ userName: 'm', [ENTERPRISE]: { manager: null } });
    expect(normalizeResource(userResourceType, cleared).data).not.toHaveProperty(ENTERPRISE);
  });

  it('leaves other shapes to the core, which refuses them', () => {
    for (const manager of [42, [{ value: 'a' }, { value: 'b' }], ['a']]) {
      const body = managerAfter(manager);
      expect(body).toEqual({ userName: 'm', [ENTERPRISE]: { manager } });
      expect(scimErrorOf(() => normalizeResource(userResourceType, body)).scimType).toBe(
        'invalidValue',
      );
    }
  });

  it("accepts Entra ID's legacy array form on the unqualified path (with unqualified-extension-path)", () => {
    const { body, applied } = normalizeRequest(
      'entra',
      userPatch({
        Operations: [
          {
            op: 'Add',
            path: 'manager',
            value: [{ $ref: 'https://x/Users/2819c223', value: '2819c223' }],
          },
        ],
      }),
    );
    expect(applied).toEqual([
      'patch-schemas-missing',
      'op-case',
      'unqualified-extension-path',
      'manager-shorthand',
    ]);
    expect(core(userPatch(body), body).data[ENTERPRISE]).toEqual({
      manager: { value: '2819c223', $ref: 'https://x/Users/2819c223' },
    });
  });
});

describe('remove-members-by-value', () => {
  const removal = (value: unknown) =>
    normalizeRequest('generic', groupPatch(patchOf({ op: 'remove', path: 'members', value })));

  it('drops a removal with nothing to remove, and never empties the group', () => {
    const { body, applied } = removal([]);
    expect(body).toEqual(patchOf());
    expect(applied).toEqual(['remove-members-by-value']);
    expect((core(groupPatch(body), body) as PatchResult).memberChanges).toEqual([]);
  });

  it('de-duplicates ids and ignores display, $ref and a valid type', () => {
    expect(
      removal([
        { value: 'a', display: 'A', $ref: null, type: 'user' },
        { value: 'a' },
        null,
        { value: 'b', type: 'Group' },
      ]).body,
    ).toEqual(patchOf({ op: 'remove', path: 'members[value eq "a" or value eq "b"]' }));
  });

  it.each([
    [[{ value: 3 }]],
    [[{}]],
    [[{ display: 'x' }]],
    [[{ value: 'a', type: 'Device' }]],
    [['a']],
    [{ value: 'a' }],
    [[{ value: 'a', extra: 1 }]],
  ])('leaves %j to the core, which refuses it rather than empty the group', (value) => {
    const { body, applied } = removal(value);
    expect(applied).toEqual([]);
    expect(scimErrorOf(() => core(groupPatch(body), body)).scimType).toBe('invalidValue');
  });

  it('splits a long list into filters within the parser limits', () => {
    const ids = Array.from(
      { length: 1000 },
      (_, i) => `${String(i).padStart(4, '0')}-${'x'.repeat(40)}`,
    );
    const { body } = removal(ids.map((value) => ({ value })));
    const operations = (body as { Operations: { path: string }[] }).Operations;
    expect(operations.length).toBeGreaterThan(1);
    for (const { path } of operations)
      expect(path.length).toBeLessThanOrEqual(FILTER_LIMITS.maxLength);
    const result = core(groupPatch(body), body) as PatchResult;
    expect(result.memberChanges.flatMap((c) => (c.kind === 'remove' ? c.ids : []))).toEqual(ids);
  });

  it('leaves a remove without a value (RFC 7644 §3.5.2.2: all members) and a filtered one', () => {
    for (const operation of [
      { op: 'remove', path: 'members' },
      { op: 'remove', path: 'members', value: null },
      { op: 'remove', path: 'members[value eq "a"]' },
    ]) {
      const body = patchOf(operation);
      expect(normalizeRequest('generic', groupPatch(body)).body).toBe(body);
    }
  });
});

describe('pathless-dotted-keys and id-echo', () => {
  it('leaves another id to the core, which refuses it as a change of a read-only attribute', () => {
    const body = patchOf({ op: 'replace', value: { id: 'other', displayName: 'X' } });
    const { body: out, applied } = normalizeRequest('okta', groupPatch(body));
    expect(applied).toEqual([]);
    expect(scimErrorOf(() => core(groupPatch(out), out)).scimType).toBe('mutability');
  });

  it('keeps the order of a value whose keys alternate between attributes and paths', () => {
    const { body } = normalizeRequest(
      'generic',
      userPatch(patchOf({ op: 'add', value: { name: { givenName: 'A' }, 'name.givenName': 'B' } })),
    );
    expect(core(userPatch(body), body).data.name).toEqual({ givenName: 'B', familyName: 'Jensen' });
  });
});

describe('schema-urn-aliases', () => {
  it("drops Microsoft's ADSCIM Group URI", () => {
    const body = {
      schemas: [
        SCHEMA.group,
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    };
    const { body: out, applied } = normalizeRequest('entra', {
      resourceType: 'Group',
      operation: 'create',
      body,
    });
    expect(applied).toEqual(['schema-urn-aliases']);
    expect(normalizeResource(groupResourceType, out).data).toEqual({
      externalId: '8aa1a0c0',
      displayName: 'displayName',
    });
  });

  it("maps Entra ID's enterprise URN without its last colon", () => {
    const legacy = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User';
    const { body } = normalizeRequest(
      'generic',
      userCreate({ schemas: [SCHEMA.user, legacy], userName: 'u', [legacy]: { department: 'D' } }),
    );
    expect(body).toEqual({
      schemas: [SCHEMA.user, ENTERPRISE],
      userName: 'u',
      [ENTERPRISE]: { department: 'D' },
    });
  });
});

describe('strict', () => {
  it('changes nothing, so the core answers every vendor shape with a 400', () => {
    for (const { request, refusedAs } of cases) {
      const { body, applied } = normalizeRequest('strict', request);
      expect(body).toBe(request.body);
      expect(applied).toEqual([]);
      expect(scimErrorOf(() => core(request, body)).scimType).toBe(refusedAs);
    }
  });

  it('never empties a group for a remove with a value list', () => {
    const request = groupPatch(patchOf({ op: 'Remove', path: 'members', value: [{ value: 'a' }] }));
    expect(scimErrorOf(() => core(request, normalizeRequest('strict', request).body)).status).toBe(
      400,
    );
    const lower = groupPatch(patchOf({ op: 'remove', path: 'members', value: [{ value: 'a' }] }));
    expect(scimErrorOf(() => core(lower, normalizeRequest('strict', lower).body)).scimType).toBe(
      'invalidValue',
    );
  });
});

describe('a legacy Entra ID request that needs several normalisations', () => {
  it('reports each of them, in the order they ran', () => {
    const { body, applied } = normalizeRequest(
      'entra',
      userPatch({
        Operations: [
          { op: 'Replace', path: 'active', value: 'False' },
          { op: 'Replace', value: { 'name.givenName': 'Kkom' } },
          { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'boss' },
        ],
      }),
    );
    expect(applied).toEqual([
      'patch-schemas-missing',
      'op-case',
      'pathless-dotted-keys',
      'boolean-strings',
      'manager-shorthand',
    ]);
    expect(core(userPatch(body), body).data).toMatchObject({
      active: false,
      name: { givenName: 'Kkom' },
      [ENTERPRISE]: { manager: { value: 'boss' } },
    });
  });
});

describe('normalizeFilter: unquoted-filter-values', () => {
  it.each([
    ['externalId eq jyoung', 'externalId eq "jyoung"'],
    [
      'userName eq alice@example.com and active eq true',
      'userName eq "alice@example.com" and active eq true',
    ],
    [
      '(emails[type eq work].value eq a@b.c or title sw V) and not (x eq 12)',
      '(emails[type eq "work"].value eq "a@b.c" or title sw "V") and not (x eq 12)',
    ],
    ['name.givenName eq O\\Brien', 'name.givenName eq "O\\\\Brien"'],
  ])('quotes %s', (text, expected) => {
    expect(normalizeFilter('generic', text)).toEqual({
      filter: expected,
      applied: ['unquoted-filter-values'],
    });
    expect(parseFilter(expected)).toEqual(parseFilter(text));
  });

  it.each([
    'userName eq "bjensen"',
    'active eq true and x eq null or y eq -1.5e3',
    'emails[type eq "work" and value co "@example.com"]',
    'title pr',
    'userName eq',
    'userName eq "unterminated',
    '',
  ])('leaves %j as it is', (text) => {
    expect(normalizeFilter('generic', text)).toEqual({ filter: text, applied: [] });
  });

  it('applies under entra, authentik and generic only', () => {
    for (const dialect of DIALECT_NAMES) {
      const { applied } = normalizeFilter(dialect, 'externalId eq jyoung');
      expect(applied.length, dialect).toBe(
        ['generic', 'entra', 'authentik'].includes(dialect) ? 1 : 0,
      );
    }
  });
});

describe('detectDialect', () => {
  it.each<[Parameters<typeof detectDialect>[0], DialectName]>([
    [{ userAgent: 'Okta SCIM Client 1.0.0' }, 'okta'],
    [{ userAgent: 'OKTA SCIM Integration' }, 'okta'],
    [{ userAgent: 'SCIM Integration' }, 'okta'],
    [{ userAgent: ['Okta SCIM Client 1.0.0'] }, 'okta'],
    [{ query: { aadOptscim062020: '' } }, 'entra'],
    [{ query: '?aadOptscim062020&filter=userName+eq+%22x%22' }, 'entra'],
    [{ query: new URLSearchParams('AADOPTSCIM062020') }, 'entra'],
    [{ userAgent: 'Microsoft Azure AD SCIM provisioning' }, 'entra'],
    [{ userAgent: 'authentik@2024.8.3' }, 'authentik'],
    [{ userAgent: 'goauthentik.io/scim' }, 'authentik'],
    [{ userAgent: 'Apache-HttpClient/4.5.13 (Java/11)' }, 'generic'],
    [{ userAgent: 'PingFederate' }, 'generic'],
    [{ userAgent: 'lightMyRequest' }, 'generic'],
    [{}, 'generic'],
    [{ query: { filter: 'userName eq "aadOptscim062020"' } }, 'generic'],
  ])('%j is %s', (hints, expected) => {
    expect(detectDialect(hints)).toBe(expected);
  });

  it('is overridden by a connection setting that names a profile', () => {
    const okta = { userAgent: 'Okta SCIM Client 1.0.0' };
    expect(dialectFor('strict', okta)).toBe('strict');
    expect(dialectFor('auto', okta)).toBe('okta');
    expect(dialectFor(undefined, okta)).toBe('okta');
    expect(dialectFor('nonsense', {})).toBe('generic');
  });
});

describe('pathless-schemas', () => {
  it("with id-echo, takes authentik's whole-group replace, leaving the members alone", () => {
    const { body, applied } = normalizeRequest(
      'authentik',
      groupPatch(
        patchOf({
          op: 'replace',
          value: { schemas: [SCHEMA.group], id: GROUP_ID, displayName: 'R', externalId: 'e' },
        }),
      ),
    );
    expect(applied).toEqual(['pathless-schemas', 'id-echo']);
    const result = core(groupPatch(body), body) as PatchResult;
    expect(result.data).toEqual({ displayName: 'R', externalId: 'e' });
    expect(result.memberChanges).toEqual([]);
  });

  it("with json-string-value, takes the Keycloak extension's whole group as a JSON string", () => {
    const value = JSON.stringify({ schemas: [SCHEMA.group], externalId: 'e', displayName: 'R' });
    const { body, applied } = normalizeRequest(
      'keycloak',
      groupPatch(
        patchOf({ op: 'replace', value }, { op: 'add', path: 'members', value: [{ value: 'u' }] }),
      ),
    );
    expect(applied).toEqual(['json-string-value', 'pathless-schemas']);
    expect(core(groupPatch(body), body)).toMatchObject({
      data: { displayName: 'R', externalId: 'e' },
      memberChanges: [{ kind: 'add', members: [{ value: 'u' }] }],
    });
  });

  it("leaves schemas that are not the resource type's own, for the core to refuse", () => {
    for (const schemas of [[SCHEMA.user], [], 'x', [SCHEMA.group, 'urn:x']]) {
      const body = patchOf({ op: 'replace', value: { schemas, displayName: 'R' } });
      expect(normalizeRequest('generic', groupPatch(body)).body).toBe(body);
      expect(scimErrorOf(() => core(groupPatch(body), body)).scimType).toBe('mutability');
    }
  });
});
