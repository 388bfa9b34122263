import { describe, expect, it } from 'vitest';
import { ScimError } from './errors.ts';
import type { PatchOperation } from './patch.ts';
import { MAX_PATCH_OPERATIONS, applyPatch, parsePatchRequest } from './patch.ts';
import type { JsonObject } from './resource.ts';
import { SCHEMA, groupResourceType, userResourceType } from './schema.ts';
import { scimErrorOf } from '../../test/support/scim-errors.ts';

const ENTERPRISE = SCHEMA.enterpriseUser;
const USER_ID = '2819c223-7f76-453a-919d-413861904646';
const GROUP_ID = 'e9e30dba-f08f-4109-8486-d5c6a331660a';

/** Runs a PATCH body through both steps, as the HTTP layer does. */
function patchUser(data: JsonObject, operations: unknown[]) {
  const ops = parsePatchRequest({ schemas: [SCHEMA.patchOp], Operations: operations });
  return applyPatch(userResourceType, { id: USER_ID, data }, ops);
}

function patchGroup(data: JsonObject, operations: unknown[]) {
  const ops = parsePatchRequest({ schemas: [SCHEMA.patchOp], Operations: operations });
  return applyPatch(groupResourceType, { id: GROUP_ID, data }, ops);
}

const baseUser = (): JsonObject => ({
  userName: 'bjensen',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
});
const baseGroup = (): JsonObject => ({ displayName: 'Tour Guides' });
const patchOp = (Operations: unknown) => ({ schemas: [SCHEMA.patchOp], Operations });

describe('parsePatchRequest', () => {
  it('returns the operations', () => {
    expect(
      parsePatchRequest({
        schemas: [SCHEMA.patchOp],
        Operations: [
          { op: 'add', path: 'title', value: 'VP' },
          { op: 'replace', value: { active: false } },
          { op: 'remove', path: 'title' },
        ],
      }),
    ).toEqual([
      { op: 'add', path: 'title', value: 'VP' },
      { op: 'replace', value: { active: false } },
      { op: 'remove', path: 'title' },
    ]);
  });

  it.each(['Add', 'REPLACE', 'Remove'])(
    "rejects the op %j: RFC 7644 §3.5.2 spells them in lower case (Entra ID's is a dialect)",
    (op) => {
      const error = scimErrorOf(() => parsePatchRequest(patchOp([{ op, path: 'title' }])));
      expect(error.scimType).toBe('invalidSyntax');
    },
  );

  it.each([null, 'x', [], 3])('rejects a body that is not an object: %j', (body) => {
    expect(scimErrorOf(() => parsePatchRequest(body)).scimType).toBe('invalidSyntax');
  });

  it('requires schemas (RFC 7644 §3.5.2) and matches the URN case-insensitively', () => {
    for (const body of [{ Operations: [] }, { schemas: null, Operations: [] }]) {
      expect(scimErrorOf(() => parsePatchRequest(body)).scimType).toBe('invalidSyntax');
    }
    expect(parsePatchRequest({ schemas: [SCHEMA.patchOp.toUpperCase()], Operations: [] })).toEqual(
      [],
    );
  });

  it.each([[[SCHEMA.user]], [[]], [SCHEMA.patchOp], [{}]])(
    'rejects schemas without the PatchOp URN: %j',
    (schemas) => {
      expect(scimErrorOf(() => parsePatchRequest({ schemas, Operations: [] })).scimType).toBe(
        'invalidValue',
      );
    },
  );

  it.each([undefined, null, {}, 'add', { op: 'add' }])(
    'rejects Operations that is not an array: %j',
    (Operations) => {
      const error = scimErrorOf(() => parsePatchRequest({ schemas: [SCHEMA.patchOp], Operations }));
      expect(error.scimType).toBe('invalidSyntax');
    },
  );

  it('accepts an empty Operations list (the Microsoft validator sends one)', () => {
    expect(parsePatchRequest({ schemas: [SCHEMA.patchOp], Operations: [] })).toEqual([]);
  });

  it('matches the Operations key case-insensitively (RFC 7643 §2.1)', () => {
    expect(
      parsePatchRequest({
        Schemas: [SCHEMA.patchOp],
        operations: [{ op: 'remove', path: 'title' }],
      }),
    ).toHaveLength(1);
  });

  it.each([{ op: 'delete', path: 'title' }, { path: 'title' }, { op: 3 }, 'add', null])(
    'rejects an invalid operation: %j',
    (operation) => {
      const error = scimErrorOf(() => parsePatchRequest(patchOp([operation])));
      expect(error.scimType).toBe('invalidSyntax');
    },
  );

  it('rejects a path that is not a string', () => {
    const error = scimErrorOf(() =>
      parsePatchRequest(patchOp([{ op: 'remove', path: ['title'] }])),
    );
    expect(error.scimType).toBe('invalidPath');
  });

  it('treats a null path as no path (RFC 7643 §2.5) and rejects a blank one', () => {
    expect(parsePatchRequest(patchOp([{ op: 'add', path: null, value: {} }]))).toEqual([
      { op: 'add', value: {} },
    ]);
    for (const path of ['', '  ']) {
      const error = scimErrorOf(() => parsePatchRequest(patchOp([{ op: 'add', path, value: {} }])));
      expect(error.scimType).toBe('invalidPath');
    }
  });

  it(`accepts ${MAX_PATCH_OPERATIONS} operations and no more`, () => {
    const op = { op: 'remove', path: 'title' };
    expect(
      parsePatchRequest(patchOp(Array.from({ length: MAX_PATCH_OPERATIONS }, () => op))),
    ).toHaveLength(MAX_PATCH_OPERATIONS);
    const error = scimErrorOf(() =>
      parsePatchRequest(patchOp(Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => op))),
    );
    expect(error.status).toBe(400);
  });
});

describe('applyPatch: RFC 7644 §3.5.2 examples', () => {
  const babs = {
    display: 'Babs Jensen',
    $ref: `https://example.com/v2/Users/${USER_ID}`,
    value: USER_ID,
  };

  it('§3.5.2.1: adds a member', () => {
    const result = patchGroup(baseGroup(), [{ op: 'add', path: 'members', value: [babs] }]);
    expect(result.memberChanges).toEqual([
      { kind: 'add', members: [{ value: USER_ID, display: 'Babs Jensen' }] },
    ]);
    expect(result.data).toEqual(baseGroup());
    expect(result.changed).toBe(true);
  });

  it('§3.5.2.1: adds attributes without a path', () => {
    const result = patchUser(baseUser(), [
      {
        op: 'add',
        value: {
          emails: [{ value: 'babs@jensen.org', type: 'home' }, { value: 'b@new.org' }],
          nickname: 'Babs',
        },
      },
    ]);
    // The home address is already there: add does not duplicate it.
    expect(result.data.emails).toEqual([
      ...(baseUser().emails as unknown[]),
      { value: 'b@new.org' },
    ]);
    expect(result.data.nickName).toBe('Babs');
  });

  it('§3.5.2.2: removes one member', () => {
    const result = patchGroup(baseGroup(), [
      { op: 'remove', path: `members[value eq "${USER_ID}"]` },
    ]);
    expect(result.memberChanges).toEqual([{ kind: 'remove', ids: [USER_ID] }]);
  });

  it('§3.5.2.2: removes all members', () => {
    expect(patchGroup(baseGroup(), [{ op: 'remove', path: 'members' }]).memberChanges).toEqual([
      { kind: 'removeAll' },
    ]);
  });

  it('§3.5.2.2: removes the values a filter matches', () => {
    const data = baseUser();
    data.emails = [
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'b@example.org', type: 'work' },
      { value: 'bj@example.com', type: 'home' },
    ];
    const result = patchUser(data, [
      { op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' },
    ]);
    expect(result.data.emails).toEqual([
      { value: 'b@example.org', type: 'work' },
      { value: 'bj@example.com', type: 'home' },
    ]);
  });

  it('§3.5.2.2: removes a certificate by value', () => {
    const data = {
      ...baseUser(),
      x509Certificates: [{ value: 'MIIDQzCC' }, { value: 'MIIDQzDD' }],
    };
    const result = patchUser(data, [
      { op: 'remove', path: 'x509Certificates[value eq "MIIDQzCC"]' },
    ]);
    expect(result.data.x509Certificates).toEqual([{ value: 'MIIDQzDD' }]);
  });

  it('§3.5.2.2: removes one member and adds another', () => {
    const result = patchGroup(baseGroup(), [
      { op: 'remove', path: `members[value eq "${USER_ID}"]` },
      { op: 'add', path: 'members', value: [{ value: '902c246b', display: 'James Smith' }] },
    ]);
    expect(result.memberChanges).toEqual([
      { kind: 'remove', ids: [USER_ID] },
      { kind: 'add', members: [{ value: '902c246b', display: 'James Smith' }] },
    ]);
  });

  it('§3.5.2.3: replaces all members', () => {
    const result = patchGroup(baseGroup(), [
      { op: 'replace', path: 'members', value: [babs, { value: '902c246b', type: 'User' }] },
    ]);
    expect(result.memberChanges).toEqual([
      { kind: 'removeAll' },
      {
        kind: 'add',
        members: [
          { value: USER_ID, display: 'Babs Jensen' },
          { value: '902c246b', type: 'User' },
        ],
      },
    ]);
  });

  it('§3.5.2.3: replaces an address selected by a filter', () => {
    const data = {
      ...baseUser(),
      addresses: [
        { type: 'work', streetAddress: '100 Main St', locality: 'Anytown', primary: false },
        { type: 'home', streetAddress: '1 Home Rd', primary: true },
      ],
    };
    const result = patchUser(data, [
      {
        op: 'replace',
        path: 'addresses[type eq "work"]',
        value: {
          type: 'work',
          streetAddress: '911 Universal City Plaza',
          postalCode: '91608',
          primary: true,
        },
      },
    ]);
    expect(result.data.addresses).toEqual([
      {
        type: 'work',
        streetAddress: '911 Universal City Plaza',
        locality: 'Anytown',
        postalCode: '91608',
        primary: true,
      },
      // RFC 7644 §3.5.2: the previous primary value is no longer primary.
      { type: 'home', streetAddress: '1 Home Rd', primary: false },
    ]);
  });

  it('§3.5.2.3: replaces a sub-attribute of the values a filter selects', () => {
    const data = { ...baseUser(), addresses: [{ type: 'work', streetAddress: '100 Main St' }] };
    const result = patchUser(data, [
      {
        op: 'replace',
        path: 'addresses[type eq "work"].streetAddress',
        value: '1010 Broadway Ave',
      },
    ]);
    expect(result.data.addresses).toEqual([{ type: 'work', streetAddress: '1010 Broadway Ave' }]);
  });

  it('§3.5.2.3: replaces attributes without a path', () => {
    const emails = [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ];
    const result = patchUser({ ...baseUser(), emails: [{ value: 'old@x.com' }] }, [
      { op: 'replace', value: { emails, nickname: 'Babs' } },
    ]);
    expect(result.data.emails).toEqual(emails);
    expect(result.data.nickName).toBe('Babs');
  });
});

describe('applyPatch: add', () => {
  it('sets a single-valued attribute, merges a complex one and appends to a multi-valued one', () => {
    const result = patchUser(baseUser(), [
      { op: 'add', path: 'title', value: 'VP' },
      { op: 'add', path: 'name', value: { middleName: 'Ann' } },
      { op: 'add', path: 'phoneNumbers', value: [{ value: '555-1234', type: 'work' }] },
    ]);
    expect(result.data).toMatchObject({
      title: 'VP',
      name: { givenName: 'Barbara', familyName: 'Jensen', middleName: 'Ann' },
      phoneNumbers: [{ value: '555-1234', type: 'work' }],
    });
  });

  it('replaces the value of a single-valued attribute', () => {
    expect(
      patchUser({ ...baseUser(), title: 'A' }, [{ op: 'add', path: 'title', value: 'B' }]).data
        .title,
    ).toBe('B');
  });

  it('sets a sub-attribute on every value a filter matches', () => {
    const data = {
      ...baseUser(),
      phoneNumbers: [
        { value: '1', type: 'work' },
        { value: '2', type: 'WORK' },
        { value: '3', type: 'home' },
      ],
    };
    const result = patchUser(data, [
      { op: 'add', path: 'phoneNumbers[type eq "work"].display', value: 'office' },
    ]);
    expect(result.data.phoneNumbers).toEqual([
      { value: '1', type: 'work', display: 'office' },
      { value: '2', type: 'WORK', display: 'office' },
      { value: '3', type: 'home' },
    ]);
  });

  it('adds nested attributes and extension objects from a path-less value', () => {
    const result = patchUser(baseUser(), [
      {
        op: 'add',
        value: {
          name: { middleName: 'Ann' },
          [ENTERPRISE]: { department: 'Sales', employeeNumber: '7' },
          title: 'VP',
        },
      },
    ]);
    expect(result.data).toEqual({
      ...baseUser(),
      name: { givenName: 'Barbara', familyName: 'Jensen', middleName: 'Ann' },
      title: 'VP',
      [ENTERPRISE]: { employeeNumber: '7', department: 'Sales' },
    });
  });

  it.each([
    'name.middleName',
    `${ENTERPRISE}:employeeNumber`,
    `${SCHEMA.user}:title`,
    'emails[type eq "work"].value',
  ])('refuses the path %s as a key of a path-less value, never storing it literally', (key) => {
    const error = scimErrorOf(() => patchUser(baseUser(), [{ op: 'add', value: { [key]: 'x' } }]));
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toContain('is a path, not an attribute name');
    const nested = scimErrorOf(() =>
      patchUser(baseUser(), [{ op: 'add', value: { [ENTERPRISE]: { 'manager.value': 'x' } } }]),
    );
    expect(nested.scimType).toBe('invalidValue');
  });

  it('adds to an extension through its URN as the path', () => {
    const result = patchUser(baseUser(), [
      { op: 'add', path: ENTERPRISE, value: { costCenter: '42' } },
    ]);
    expect(result.data[ENTERPRISE]).toEqual({ costCenter: '42' });
  });

  it('creates the value a filter describes when nothing matches (Entra ID)', () => {
    const { emails: _emails, ...data } = baseUser();
    const result = patchUser(data, [
      { op: 'add', path: 'emails[type eq "work"].value', value: 'x@y.com' },
    ]);
    expect(result.data.emails).toEqual([{ type: 'work', value: 'x@y.com' }]);
  });

  it('makes a newly added primary value the only primary one', () => {
    const result = patchUser(baseUser(), [
      { op: 'add', path: 'emails', value: [{ value: 'new@x.com', primary: true }] },
    ]);
    expect(result.data.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'new@x.com', primary: true },
    ]);
  });

  it('treats add of null to a single-valued attribute as clearing it', () => {
    const result = patchUser({ ...baseUser(), title: 'VP' }, [
      { op: 'add', value: { title: null } },
    ]);
    expect(result.data).not.toHaveProperty('title');
  });

  it('rejects a non-object path-less value', () => {
    for (const value of ['text', 3, ['a'], null]) {
      expect(scimErrorOf(() => patchUser(baseUser(), [{ op: 'add', value }])).scimType).toBe(
        'invalidValue',
      );
    }
  });

  it('rejects an add or a replace without a value (RFC 7644 §3.5.2.1, §3.5.2.3)', () => {
    for (const op of ['add', 'replace'] as const) {
      for (const path of [undefined, 'title', 'emails', 'emails[type eq "work"].value']) {
        const error = scimErrorOf(() =>
          parsePatchRequest({
            schemas: [SCHEMA.patchOp],
            Operations: [{ op, ...(path ? { path } : {}) }],
          }),
        );
        expect(error.scimType).toBe('invalidSyntax');
        expect(error.message).toBe(`Operation 0: "${op}" needs a "value"`);
      }
    }
    // A remove needs none; an explicit null clears the target.
    const cleared = patchUser({ ...baseUser(), title: 'Boss', nickName: 'Babs' }, [
      { op: 'remove', path: 'nickName' },
      { op: 'replace', path: 'title', value: null },
    ]);
    expect(cleared.data.nickName).toBeUndefined();
    expect(cleared.data.title).toBeUndefined();
    expect(cleared.changed).toBe(true);
  });
});

describe('applyPatch: replace', () => {
  it('replaces a multi-valued attribute whole when there is no filter', () => {
    const result = patchUser(baseUser(), [
      { op: 'replace', path: 'emails', value: [{ value: 'only@x.com' }] },
    ]);
    expect(result.data.emails).toEqual([{ value: 'only@x.com' }]);
  });

  it('clears a multi-valued attribute replaced with an empty array or null', () => {
    expect(
      patchUser(baseUser(), [{ op: 'replace', path: 'emails', value: [] }]).data,
    ).not.toHaveProperty('emails');
    expect(
      patchUser(baseUser(), [{ op: 'replace', path: 'emails', value: null }]).data,
    ).not.toHaveProperty('emails');
  });

  it('merges the named sub-attributes of a complex attribute, leaving the others', () => {
    const result = patchUser(baseUser(), [
      { op: 'replace', path: 'name', value: { givenName: 'Babs', middleName: null } },
    ]);
    expect(result.data.name).toEqual({ givenName: 'Babs', familyName: 'Jensen' });
  });

  it('sets an attribute that does not exist yet', () => {
    expect(patchUser(baseUser(), [{ op: 'replace', path: 'title', value: 'VP' }]).data.title).toBe(
      'VP',
    );
  });

  it('merges the value into every matching element', () => {
    const result = patchUser(baseUser(), [
      { op: 'replace', path: 'emails[type eq "home"]', value: { primary: false } },
    ]);
    expect(result.data.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home', primary: false },
    ]);
  });

  it('creates a value for a filter of eq comparisons that matches nothing', () => {
    const result = patchUser(baseUser(), [
      {
        op: 'replace',
        path: 'phoneNumbers[type eq "mobile" and primary eq true]',
        value: { value: '555' },
      },
    ]);
    expect(result.data.phoneNumbers).toEqual([{ type: 'mobile', primary: true, value: '555' }]);
  });

  it.each([
    'emails[type ne "work"].value',
    'emails[type eq "a" or type eq "b"].value',
    'emails[type eq "a" and type eq "b"].value',
    'emails[value pr].value',
  ])('answers noTarget for %s when nothing matches and nothing can be created', (path) => {
    const { emails: _emails, ...data } = baseUser();
    const error = scimErrorOf(() => patchUser(data, [{ op: 'replace', path, value: 'x@y.com' }]));
    expect(error.scimType).toBe('noTarget');
  });

  it('sets primary=false on the other values when one becomes primary', () => {
    const result = patchUser(baseUser(), [
      { op: 'replace', path: 'emails[type eq "home"].primary', value: true },
    ]);
    expect(result.data.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home', primary: true },
    ]);
  });

  it('rejects making two values primary at once', () => {
    const data = {
      ...baseUser(),
      emails: [
        { value: 'a', type: 'work' },
        { value: 'b', type: 'work' },
      ],
    };
    const error = scimErrorOf(() =>
      patchUser(data, [{ op: 'replace', path: 'emails[type eq "work"].primary', value: true }]),
    );
    expect(error.scimType).toBe('invalidValue');
  });

  it('replaces an extension attribute through a path-less extension object', () => {
    const data = { ...baseUser(), [ENTERPRISE]: { employeeNumber: '1', costCenter: 'C' } };
    const result = patchUser(data, [
      { op: 'replace', value: { [ENTERPRISE]: { employeeNumber: '2' } } },
    ]);
    expect(result.data[ENTERPRISE]).toEqual({ employeeNumber: '2', costCenter: 'C' });
  });

  it('rejects a path-less value sent as a string, even one holding JSON (Keycloak is a dialect)', () => {
    const json = JSON.stringify({ displayName: 'Babs', active: false });
    for (const value of [json, 'not json', '"a string"', '[1]']) {
      expect(scimErrorOf(() => patchUser(baseUser(), [{ op: 'replace', value }])).scimType).toBe(
        'invalidValue',
      );
    }
  });
});

describe('applyPatch: remove', () => {
  it('needs a path', () => {
    const error = scimErrorOf(() => patchUser(baseUser(), [{ op: 'remove' }]));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('noTarget');
  });

  it('clears an attribute and a sub-attribute', () => {
    const result = patchUser({ ...baseUser(), title: 'VP' }, [
      { op: 'remove', path: 'title' },
      { op: 'remove', path: 'name.familyName' },
    ]);
    expect(result.data).not.toHaveProperty('title');
    expect(result.data.name).toEqual({ givenName: 'Barbara' });
  });

  it('drops a complex attribute whose last sub-attribute goes, and an emptied extension', () => {
    const data = { ...baseUser(), name: { givenName: 'B' }, [ENTERPRISE]: { employeeNumber: '7' } };
    const result = patchUser(data, [
      { op: 'remove', path: 'name.givenName' },
      { op: 'remove', path: `${ENTERPRISE}:employeeNumber` },
    ]);
    expect(result.data).not.toHaveProperty('name');
    expect(result.data).not.toHaveProperty(ENTERPRISE);
  });

  it('removes a whole extension through its URN', () => {
    const data = { ...baseUser(), [ENTERPRISE]: { employeeNumber: '7' } };
    expect(patchUser(data, [{ op: 'remove', path: ENTERPRISE }]).data).not.toHaveProperty(
      ENTERPRISE,
    );
  });

  it('succeeds without change when a filter matches nothing', () => {
    const result = patchUser(baseUser(), [{ op: 'remove', path: 'emails[type eq "other"]' }]);
    expect(result.data).toEqual(baseUser());
    expect(result.changed).toBe(false);
  });

  it('removes a sub-attribute from the matching values', () => {
    const result = patchUser(baseUser(), [
      { op: 'remove', path: 'emails[type eq "work"].primary' },
    ]);
    expect(result.data.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
  });

  it('refuses a remove with a value list rather than remove the whole attribute', () => {
    for (const value of [[{ value: 'BABS@jensen.org' }], [], { value: 'x' }]) {
      const error = scimErrorOf(() =>
        patchUser(baseUser(), [{ op: 'remove', path: 'emails', value }]),
      );
      expect(error.scimType).toBe('invalidValue');
      expect(error.message).toContain('emails[value eq');
    }
  });

  it('refuses to remove a required attribute', () => {
    const error = scimErrorOf(() => patchUser(baseUser(), [{ op: 'remove', path: 'userName' }]));
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toContain('required');
    expect(
      scimErrorOf(() => patchGroup(baseGroup(), [{ op: 'remove', path: 'displayName' }])).scimType,
    ).toBe('invalidValue');
  });

  it('stores active explicitly again when it is removed', () => {
    expect(
      patchUser({ ...baseUser(), active: false }, [{ op: 'remove', path: 'active' }]).data.active,
    ).toBe(true);
  });
});

describe('applyPatch: mutability', () => {
  it.each([
    ['id', 'other'],
    ['meta', { created: '2020-01-01T00:00:00Z' }],
    ['meta.lastModified', '2020-01-01T00:00:00Z'],
    ['groups', [{ value: 'g' }]],
    ['schemas', [SCHEMA.user]],
    [`${ENTERPRISE}:manager.displayName`, 'Boss'],
  ])('rejects %s as a path', (path, value) => {
    for (const op of ['add', 'replace', 'remove']) {
      const error = scimErrorOf(() => patchUser(baseUser(), [{ op, path, value }]));
      expect(error.scimType).toBe('mutability');
    }
  });

  it('rejects read-only attributes in a path-less value', () => {
    for (const value of [{ id: 'other' }, { meta: {} }, { groups: [] }, { schemas: [] }]) {
      expect(scimErrorOf(() => patchUser(baseUser(), [{ op: 'replace', value }])).scimType).toBe(
        'mutability',
      );
    }
  });

  it("rejects the resource's own id in a path-less value (Okta's echo is a dialect) and as a path", () => {
    expect(
      scimErrorOf(() =>
        patchGroup(baseGroup(), [{ op: 'replace', value: { id: GROUP_ID, displayName: 'N' } }]),
      ).scimType,
    ).toBe('mutability');
    expect(
      scimErrorOf(() => patchGroup(baseGroup(), [{ op: 'replace', path: 'id', value: GROUP_ID }]))
        .scimType,
    ).toBe('mutability');
  });

  it('rejects changes to the immutable sub-attributes of members', () => {
    for (const [op, path] of [
      ['replace', `members[value eq "${USER_ID}"].value`],
      ['add', `members[value eq "${USER_ID}"].type`],
      ['remove', `members[value eq "${USER_ID}"].value`],
      ['replace', 'members.display'],
      ['replace', `members[value eq "${USER_ID}"]`],
    ]) {
      const error = scimErrorOf(() => patchGroup(baseGroup(), [{ op, path, value: 'x' }]));
      expect(error.scimType).toBe('mutability');
    }
  });

  it('drops read-only sub-attributes inside a value', () => {
    const result = patchUser(baseUser(), [
      { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: '26', displayName: 'Boss' } },
    ]);
    expect(result.data[ENTERPRISE]).toEqual({ manager: { value: '26' } });
  });

  it('captures a password and never stores it', () => {
    const path = patchUser(baseUser(), [{ op: 'replace', path: 'password', value: 'secret' }]);
    expect(path.password).toBe('secret');
    expect(path.data).toEqual(baseUser());
    expect(path.changed).toBe(false);
    const pathless = patchUser(baseUser(), [
      { op: 'replace', value: { password: 's2', title: 'VP' } },
    ]);
    expect(pathless.password).toBe('s2');
    expect(pathless.data).not.toHaveProperty('password');
    expect(
      scimErrorOf(() => patchUser(baseUser(), [{ op: 'add', path: 'password', value: 1 }]))
        .scimType,
    ).toBe('invalidValue');
  });
});

describe('applyPatch: paths and values', () => {
  it.each(['foo', 'name.nickname', 'urn:example:ext:1.0:User:x', `${ENTERPRISE}:userName`])(
    'answers invalidPath for the unknown attribute %s',
    (path) => {
      for (const op of ['add', 'replace', 'remove']) {
        const error = scimErrorOf(() => patchUser(baseUser(), [{ op, path, value: 'x' }]));
        expect(error.scimType).toBe('invalidPath');
      }
    },
  );

  it.each(['emails[type eq "work"', 'emails[type zz "work"]', 'name..givenName', '1abc'])(
    'answers invalidPath for the unparsable path %s',
    (path) => {
      expect(
        scimErrorOf(() => patchUser(baseUser(), [{ op: 'replace', path, value: 'x' }])).scimType,
      ).toBe('invalidPath');
    },
  );

  it('answers invalidPath for a filter on a single-valued attribute or an unknown sub-attribute', () => {
    for (const path of [
      'name[givenName eq "B"]',
      'title[value eq "x"]',
      'emails[type eq "work"].nope',
    ]) {
      expect(
        scimErrorOf(() => patchUser(baseUser(), [{ op: 'replace', path, value: 'x' }])).scimType,
      ).toBe('invalidPath');
    }
  });

  it.each([
    'emails[foo eq "x"]',
    'emails[name.givenName eq "x"]',
    `emails[${ENTERPRISE}:employeeNumber eq "x"]`,
    'emails[addresses[type eq "work"]]',
  ])('answers invalidPath for a filter on something other than sub-attributes: %s', (path) => {
    for (const op of ['add', 'replace', 'remove']) {
      const error = scimErrorOf(() => patchUser(baseUser(), [{ op, path, value: { value: 'x' } }]));
      expect(error.scimType).toBe('invalidPath');
    }
    const members = scimErrorOf(() =>
      patchGroup(baseGroup(), [{ op: 'remove', path: path.replace('emails', 'members') }]),
    );
    expect(members.scimType).toBe('invalidPath');
  });

  it('compares case-insensitively unless the sub-attribute is caseExact', () => {
    const data = { ...baseUser(), x509Certificates: [{ value: 'MIIDQzCC' }] };
    const insensitive = patchUser(data, [
      { op: 'remove', path: 'x509Certificates[value eq "miidqzcc"]' },
    ]);
    expect(insensitive.data.x509Certificates).toEqual([{ value: 'MIIDQzCC' }]);
    const emails = patchUser(baseUser(), [
      { op: 'remove', path: 'emails[value eq "BABS@JENSEN.ORG"]' },
    ]);
    expect(emails.data.emails).toHaveLength(1);
  });

  it('answers invalidPath for a sub-attribute of a multi-valued attribute without a filter', () => {
    expect(
      scimErrorOf(() =>
        patchUser(baseUser(), [{ op: 'replace', path: 'emails.value', value: 'x' }]),
      ).scimType,
    ).toBe('invalidPath');
  });

  it('answers invalidValue for an unknown key in a path-less value', () => {
    const error = scimErrorOf(() => patchUser(baseUser(), [{ op: 'add', value: { foo: 1 } }]));
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toBe('Unknown attribute "foo" for resource type User');
  });

  it.each([
    ['active', 'maybe'],
    ['title', 3],
    ['emails', { value: 'lone@object.com' }],
    ['name', 'Barbara'],
    ['name.givenName', ['B']],
    ['emails[type eq "work"].primary', 'sometimes'],
  ])('answers invalidValue for a wrong value of %s', (path, value) => {
    expect(
      scimErrorOf(() => patchUser(baseUser(), [{ op: 'replace', path, value }])).scimType,
    ).toBe('invalidValue');
  });

  it('matches paths case-insensitively and stores canonical names', () => {
    const result = patchUser(baseUser(), [
      { op: 'replace', path: 'NAME.GIVENNAME', value: 'Babs' },
      { op: 'add', path: 'Emails[TYPE eq "work"].Primary', value: true },
      { op: 'add', path: `${ENTERPRISE.toLowerCase()}:EmployeeNumber`, value: '7' },
    ]);
    expect(result.data).toMatchObject({
      name: { givenName: 'Babs' },
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }, {}],
      [ENTERPRISE]: { employeeNumber: '7' },
    });
  });

  it('requires the required attributes after all operations', () => {
    for (const value of ['', '   ', null]) {
      const error = scimErrorOf(() =>
        patchUser(baseUser(), [{ op: 'replace', path: 'userName', value }]),
      );
      expect(error.message).toBe('Attribute "userName" is required');
    }
  });
});

describe('applyPatch: the manager reference', () => {
  const managerAfter = (data: JsonObject, operations: unknown[]) =>
    (patchUser(data, operations).data[ENTERPRISE] as JsonObject | undefined)?.manager;

  it('sets the complex value at the URN-qualified path', () => {
    expect(
      managerAfter(baseUser(), [
        { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: '26118915' } },
      ]),
    ).toEqual({ value: '26118915' });
  });

  it.each([['26118915'], [[{ value: '26118915' }]], ['']])(
    "rejects Entra ID's shorthand %j (the manager-shorthand dialect rewrites it)",
    (value) => {
      const error = scimErrorOf(() =>
        patchUser(baseUser(), [{ op: 'add', path: `${ENTERPRISE}:manager`, value }]),
      );
      expect(error.scimType).toBe('invalidValue');
    },
  );

  it('replaces the whole reference when the manager changes', () => {
    const data = {
      ...baseUser(),
      [ENTERPRISE]: { manager: { value: 'old', $ref: '../Users/old' } },
    };
    expect(
      managerAfter(data, [
        { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'new' } },
      ]),
    ).toEqual({
      value: 'new',
    });
  });

  it('clears the manager with an empty value', () => {
    const data = { ...baseUser(), [ENTERPRISE]: { manager: { value: 'old' }, costCenter: 'C' } };
    const result = patchUser(data, [
      { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: '' } },
    ]);
    expect(result.data[ENTERPRISE]).toEqual({ costCenter: 'C' });
    const viaValue = patchUser(data, [
      { op: 'replace', path: `${ENTERPRISE}:manager.value`, value: '' },
    ]);
    expect(viaValue.data[ENTERPRISE]).toEqual({ costCenter: 'C' });
  });
});

describe('applyPatch: Group members', () => {
  it('collects ids from or-combined value comparisons', () => {
    const result = patchGroup(baseGroup(), [
      { op: 'remove', path: 'members[value eq "a" or value eq "b" or value eq "a"]' },
    ]);
    expect(result.memberChanges).toEqual([{ kind: 'remove', ids: ['a', 'b'] }]);
  });

  it('passes any other filter on members through as removeWhere', () => {
    const result = patchGroup(baseGroup(), [{ op: 'remove', path: 'members[type eq "Group"]' }]);
    expect(result.memberChanges).toEqual([
      {
        kind: 'removeWhere',
        filter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'Group' },
      },
    ]);
  });

  it('never empties the group for a remove with a value list: 400 (the dialects make it a filter)', () => {
    for (const value of [[{ value: 'a' }, { value: 'b' }], [], [{ display: 'x' }]]) {
      const error = scimErrorOf(() =>
        patchGroup(baseGroup(), [{ op: 'remove', path: 'members', value }]),
      );
      expect(error.scimType).toBe('invalidValue');
    }
  });

  it('adds members from a path-less value', () => {
    const result = patchGroup(baseGroup(), [
      { op: 'add', value: { members: [{ value: 'a', type: 'user' }] } },
    ]);
    expect(result.memberChanges).toEqual([
      { kind: 'add', members: [{ value: 'a', type: 'User' }] },
    ]);
    expect(result.data).toEqual(baseGroup());
  });

  it('replaces members from a path-less value, together with other attributes', () => {
    const result = patchGroup(baseGroup(), [
      { op: 'replace', value: { displayName: 'X', members: [{ value: 'a' }] } },
    ]);
    expect(result.data).toEqual({ displayName: 'X' });
    expect(result.memberChanges).toEqual([
      { kind: 'removeAll' },
      { kind: 'add', members: [{ value: 'a' }] },
    ]);
  });

  it('empties the group on a replace with no members', () => {
    expect(
      patchGroup(baseGroup(), [{ op: 'replace', path: 'members', value: [] }]).memberChanges,
    ).toEqual([{ kind: 'removeAll' }]);
  });

  it('de-duplicates members within an operation', () => {
    const result = patchGroup(baseGroup(), [
      { op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'a', display: 'again' }] },
    ]);
    expect(result.memberChanges).toEqual([{ kind: 'add', members: [{ value: 'a' }] }]);
  });

  it.each([[{ value: 'a' }], ['a'], [[{ value: 3 }]], [[{}]], [[{ value: 'a', type: 'Device' }]]])(
    'validates members like a POST body: %j',
    (value) => {
      for (const op of ['add', 'replace', 'remove']) {
        const error = scimErrorOf(() => patchGroup(baseGroup(), [{ op, path: 'members', value }]));
        expect(error.scimType).toBe('invalidValue');
      }
    },
  );
});

describe('applyPatch: Okta', () => {
  it('deactivates a user with a path-less replace', () => {
    const result = patchUser(baseUser(), [{ op: 'replace', value: { active: false } }]);
    expect(result.data.active).toBe(false);
    expect(result.changed).toBe(true);
  });

  it('renames a group with a path-less replace', () => {
    const ops: PatchOperation[] = parsePatchRequest({
      schemas: [SCHEMA.patchOp],
      Operations: [{ op: 'replace', value: { displayName: 'Renamed' } }],
    });
    expect(applyPatch(groupResourceType, { id: GROUP_ID, data: baseGroup() }, ops).data).toEqual({
      displayName: 'Renamed',
    });
  });

  it('adds, removes, and mixes member operations', () => {
    const result = patchGroup(baseGroup(), [
      { op: 'remove', path: 'members[value eq "00u1"]' },
      { op: 'add', path: 'members', value: [{ value: '00u2', display: 'user@example.com' }] },
    ]);
    expect(result.memberChanges).toEqual([
      { kind: 'remove', ids: ['00u1'] },
      { kind: 'add', members: [{ value: '00u2', display: 'user@example.com' }] },
    ]);
  });
});

describe('applyPatch: Entra ID without aadOptscim062020 is a dialect', () => {
  // Each of these is accepted through dialects.ts (see dialects.test.ts); the core is RFC 7644.
  it('rejects "False" for a boolean', () => {
    for (const value of ['False', 'true']) {
      expect(
        scimErrorOf(() => patchUser(baseUser(), [{ op: 'replace', path: 'active', value }]))
          .message,
      ).toBe('Attribute "active" must be a boolean');
    }
  });

  it('rejects "True" as a primary', () => {
    const error = scimErrorOf(() =>
      patchUser(baseUser(), [
        { op: 'add', path: 'roles', value: [{ primary: 'True', value: 'Admin' }] },
      ]),
    );
    expect(error.message).toBe('Attribute "roles.primary" must be a boolean');
  });
});

describe('applyPatch: results', () => {
  it('never mutates its input', () => {
    const data = baseUser();
    const snapshot = structuredClone(data);
    patchUser(data, [
      { op: 'replace', path: 'emails[type eq "home"].primary', value: true },
      { op: 'remove', path: 'name.givenName' },
      { op: 'add', path: 'emails', value: [{ value: 'x@y.com' }] },
    ]);
    expect(data).toEqual(snapshot);
  });

  it('aborts the whole patch on the first error, leaving the input unchanged', () => {
    const data = baseUser();
    const snapshot = structuredClone(data);
    expect(() =>
      patchUser(data, [
        { op: 'replace', path: 'title', value: 'VP' },
        { op: 'replace', path: 'active', value: 'nope' },
      ]),
    ).toThrow(ScimError);
    expect(data).toEqual(snapshot);
  });

  it('reports no change for an empty or ineffective patch', () => {
    expect(patchUser(baseUser(), []).changed).toBe(false);
    expect(
      patchUser(baseUser(), [{ op: 'replace', path: 'userName', value: 'bjensen' }]).changed,
    ).toBe(false);
    expect(patchUser(baseUser(), [{ op: 'remove', path: 'title' }]).changed).toBe(false);
  });

  it('reports a change when membership changes even though data does not', () => {
    const result = patchGroup(baseGroup(), [{ op: 'remove', path: 'members' }]);
    expect(result.data).toEqual(baseGroup());
    expect(result.changed).toBe(true);
  });
});
