import { describe, expect, it } from 'vitest';
import { ScimError } from './errors.ts';
import {
  normalizeAttributeValue,
  normalizeResource,
  parseAttributeList,
  projectResource,
} from './resource.ts';
import { SCHEMA, groupResourceType, userResourceType, userSchema } from './schema.ts';
import { scimErrorOf } from '../../test/support/scim-errors.ts';

const ENTERPRISE = SCHEMA.enterpriseUser;

const user = (body: Record<string, unknown>) =>
  normalizeResource(userResourceType, { userName: 'bjensen', ...body });
const group = (body: Record<string, unknown>) =>
  normalizeResource(groupResourceType, { displayName: 'Admins', ...body });

describe('normalizeResource: the body', () => {
  it('stores the documented example form', () => {
    const body = {
      schemas: [SCHEMA.user, ENTERPRISE],
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'b@x.com', type: 'work', primary: true }],
      active: true,
      externalId: '00u1',
      [ENTERPRISE]: { employeeNumber: '7', manager: { value: '26118915' } },
    };
    expect(normalizeResource(userResourceType, body)).toEqual({
      data: {
        userName: 'bjensen',
        name: { givenName: 'Barbara' },
        emails: [{ value: 'b@x.com', type: 'work', primary: true }],
        active: true,
        externalId: '00u1',
        [ENTERPRISE]: { employeeNumber: '7', manager: { value: '26118915' } },
      },
    });
  });

  it.each([null, 'x', 42, true, [], [{ userName: 'a' }]])(
    'rejects a body that is not an object (%j) as invalidSyntax',
    (body) => {
      const error = scimErrorOf(() => normalizeResource(userResourceType, body));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidSyntax');
    },
  );
});

describe('normalizeResource: schemas', () => {
  it('tolerates a missing schemas attribute', () => {
    expect(user({}).data).toEqual({ userName: 'bjensen', active: true });
  });

  it('accepts the core and extension URNs in any case', () => {
    expect(() =>
      user({ schemas: [SCHEMA.user.toUpperCase(), ENTERPRISE.toLowerCase()] }),
    ).not.toThrow();
    expect(() => group({ schemas: [SCHEMA.group] })).not.toThrow();
  });

  it('rejects an unknown URN, naming it', () => {
    const error = scimErrorOf(() => user({ schemas: [SCHEMA.user, 'urn:example:custom'] }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toContain('urn:example:custom');
  });

  it("rejects another resource type's schema", () => {
    expect(scimErrorOf(() => group({ schemas: [SCHEMA.user] })).scimType).toBe('invalidValue');
    expect(scimErrorOf(() => group({ schemas: [ENTERPRISE] })).scimType).toBe('invalidValue');
  });

  it.each(['urn:x', [1], [null], { a: 1 }])('rejects schemas that are not URN strings: %j', (s) => {
    expect(scimErrorOf(() => user({ schemas: s })).scimType).toBe('invalidValue');
  });
});

describe('normalizeResource: attribute names', () => {
  it('matches keys case-insensitively and stores canonical names (RFC 7643 §2.1)', () => {
    const result = normalizeResource(userResourceType, {
      USERNAME: 'bjensen',
      Name: { GIVENNAME: 'Barbara', familyname: 'Jensen' },
      Emails: [{ VALUE: 'b@x.com', Type: 'work' }],
      nickname: 'Babs',
      EXTERNALID: 'e1',
    });
    expect(result.data).toEqual({
      userName: 'bjensen',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: 'b@x.com', type: 'work' }],
      nickName: 'Babs',
      externalId: 'e1',
      active: true,
    });
  });

  it.each([
    `${SCHEMA.user}:title`,
    `${ENTERPRISE}:employeeNumber`,
    `${ENTERPRISE.toUpperCase()}:DEPARTMENT`,
    'name.givenName',
  ])('rejects the path %s as a key: keys are attribute names (the dialects nest them)', (key) => {
    const error = scimErrorOf(() => user({ [key]: 'x' }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toContain('is a path, not an attribute name');
    expect(scimErrorOf(() => user({ [ENTERPRISE]: { 'manager.value': 'x' } })).scimType).toBe(
      'invalidValue',
    );
  });

  it('accepts the extension URN key in any case and stores it canonically', () => {
    const result = user({ [ENTERPRISE.toLowerCase()]: { EmployeeNumber: '7' } });
    expect(result.data[ENTERPRISE]).toEqual({ employeeNumber: '7' });
  });

  it('rejects an extension key whose value is not an object', () => {
    expect(scimErrorOf(() => user({ [ENTERPRISE]: 'x' })).scimType).toBe('invalidValue');
  });

  it('rejects unknown attributes, naming them', () => {
    const error = scimErrorOf(() => user({ foo: 1 }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toBe('Unknown attribute "foo" for resource type User');
  });

  it('rejects unknown attributes inside the extension and unknown URNs', () => {
    expect(scimErrorOf(() => user({ [ENTERPRISE]: { userName: 'x' } })).message).toContain(
      'userName',
    );
    expect(scimErrorOf(() => user({ 'urn:example:ext:1.0:User:x': 'y' })).scimType).toBe(
      'invalidValue',
    );
    expect(scimErrorOf(() => user({ members: [] })).scimType).toBe('invalidValue');
    expect(scimErrorOf(() => group({ userName: 'x' })).scimType).toBe('invalidValue');
  });

  it('rejects unknown sub-attributes of complex attributes', () => {
    const error = scimErrorOf(() => user({ name: { givenName: 'B', nick: 'x' } }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toContain('nick');
    expect(scimErrorOf(() => user({ emails: [{ value: 'a', label: 'x' }] })).scimType).toBe(
      'invalidValue',
    );
  });
});

describe('normalizeResource: mutability and returned', () => {
  it('drops read-only attributes silently (PUT bodies echo them)', () => {
    const result = user({
      id: '2819c223',
      meta: { resourceType: 'User', created: 'whatever', unknownKey: 1 },
      groups: [{ value: 'g1', display: 'Admins' }],
    });
    expect(result.data).toEqual({ userName: 'bjensen', active: true });
  });

  it('drops read-only sub-attributes (manager.displayName, emails[].display)', () => {
    const result = user({
      emails: [{ value: 'b@x.com', display: 'Babs' }],
      phoneNumbers: [{ value: '555', display: 'Desk' }],
      [ENTERPRISE]: { manager: { value: '26', displayName: 'Boss' } },
    });
    expect(result.data.emails).toEqual([{ value: 'b@x.com' }]);
    expect(result.data.phoneNumbers).toEqual([{ value: '555', display: 'Desk' }]);
    expect(result.data[ENTERPRISE]).toEqual({ manager: { value: '26' } });
  });

  it('returns the password apart and never stores it', () => {
    const result = user({ password: 't1meMa$heen' });
    expect(result.password).toBe('t1meMa$heen');
    expect(result.data).not.toHaveProperty('password');
    expect(scimErrorOf(() => user({ password: 12 })).scimType).toBe('invalidValue');
    expect(user({ password: null })).not.toHaveProperty('password');
  });
});

describe('normalizeResource: values', () => {
  it('refuses strings that are not valid Unicode (lone surrogates), keeps real pairs', () => {
    expect(scimErrorOf(() => user({ userName: 'bad\ud800' })).scimType).toBe('invalidValue');
    expect(scimErrorOf(() => user({ title: '\udc00x' })).scimType).toBe('invalidValue');
    expect(user({ userName: 'emoji\ud83d\ude00' }).data.userName).toBe('emoji😀');
  });

  it('treats null as absent (RFC 7643 §2.5)', () => {
    const result = user({ displayName: null, name: null, emails: null, [ENTERPRISE]: null });
    expect(result.data).toEqual({ userName: 'bjensen', active: true });
  });

  it('drops null sub-attributes and elements, empty complex values and empty arrays', () => {
    const result = user({
      name: { givenName: null },
      emails: [null, { value: 'b@x.com', type: null }],
      phoneNumbers: [],
      addresses: [{}],
    });
    expect(result.data).toEqual({
      userName: 'bjensen',
      active: true,
      emails: [{ value: 'b@x.com' }],
    });
  });

  it('defaults active to true and keeps an explicit false', () => {
    expect(user({}).data.active).toBe(true);
    expect(user({ active: false }).data.active).toBe(false);
    expect(group({}).data).not.toHaveProperty('active');
  });

  it.each([['True'], ['False'], ['true'], ['yes'], [1], [0], [{}], [['true']]])(
    "rejects %j for a boolean (RFC 7643 §2.3.2; Entra ID's strings are a dialect)",
    (value) => {
      const error = scimErrorOf(() => user({ active: value }));
      expect(error.scimType).toBe('invalidValue');
      expect(error.message).toBe('Attribute "active" must be a boolean');
      expect(scimErrorOf(() => user({ emails: [{ value: 'a', primary: value }] })).message).toBe(
        'Attribute "emails.primary" must be a boolean',
      );
    },
  );

  it('requires strings for string and reference attributes, naming the path', () => {
    expect(scimErrorOf(() => user({ title: 5 })).message).toBe(
      'Attribute "title" must be a string',
    );
    expect(scimErrorOf(() => user({ name: { givenName: true } })).message).toBe(
      'Attribute "name.givenName" must be a string',
    );
    expect(scimErrorOf(() => user({ profileUrl: {} })).scimType).toBe('invalidValue');
    expect(scimErrorOf(() => user({ emails: [{ value: 1 }] })).message).toBe(
      'Attribute "emails.value" must be a string',
    );
    expect(scimErrorOf(() => user({ [ENTERPRISE]: { costCenter: 4 } })).message).toBe(
      `Attribute "${ENTERPRISE}:costCenter" must be a string`,
    );
  });

  it('keeps strings as given, without trimming', () => {
    expect(user({ userName: '  bjensen ', title: ' VP ' }).data).toMatchObject({
      userName: '  bjensen ',
      title: ' VP ',
    });
  });

  it('requires objects for complex attributes and arrays for multi-valued ones', () => {
    expect(scimErrorOf(() => user({ name: 'Barbara' })).message).toBe(
      'Attribute "name" must be a complex object',
    );
    const lone = scimErrorOf(() => user({ emails: { value: 'b@x.com' } }));
    expect(lone.scimType).toBe('invalidValue');
    expect(lone.message).toBe('Attribute "emails" must be an array');
    expect(scimErrorOf(() => user({ emails: ['b@x.com'] })).message).toBe(
      'Attribute "emails" must be a complex object',
    );
  });

  it('allows at most one primary value (RFC 7643 §2.4)', () => {
    const error = scimErrorOf(() =>
      user({
        emails: [
          { value: 'a', primary: true },
          { value: 'b', primary: true },
        ],
      }),
    );
    expect(error.scimType).toBe('invalidValue');
    expect(
      user({
        emails: [
          { value: 'a', primary: true },
          { value: 'b', primary: false },
        ],
      }).data.emails,
    ).toHaveLength(2);
  });

  it('does not enforce canonical values (RFC 7643 §7: service providers MAY allow others)', () => {
    expect(user({ emails: [{ value: 'a', type: 'Custom' }] }).data.emails).toEqual([
      { value: 'a', type: 'Custom' },
    ]);
  });
});

describe('normalizeResource: manager', () => {
  const managerOf = (manager: unknown) =>
    (user({ [ENTERPRISE]: { manager } }).data[ENTERPRISE] as Record<string, unknown> | undefined)
      ?.manager;

  it('stores the complex value', () => {
    expect(managerOf({ value: '26118915', $ref: '../Users/26118915' })).toEqual({
      value: '26118915',
      $ref: '../Users/26118915',
    });
  });

  it('treats an empty value as no manager', () => {
    expect(managerOf({ value: '' })).toBeUndefined();
    expect(user({ [ENTERPRISE]: { manager: { value: '' } } }).data).not.toHaveProperty(ENTERPRISE);
  });

  it("rejects other shapes, Entra ID's shorthand included (a dialect rewrites it)", () => {
    for (const manager of [
      '26118915',
      '',
      [{ value: 'a' }],
      [{ value: 'a' }, { value: 'b' }],
      42,
    ]) {
      expect(scimErrorOf(() => managerOf(manager)).scimType).toBe('invalidValue');
    }
  });
});

describe('normalizeResource: required attributes', () => {
  it.each([{}, { userName: '' }, { userName: '   ' }, { userName: null }])(
    'rejects a User without a userName: %j',
    (body) => {
      const error = scimErrorOf(() => normalizeResource(userResourceType, body));
      expect(error.scimType).toBe('invalidValue');
      expect(error.message).toBe('Attribute "userName" is required');
    },
  );

  it('rejects a Group without a displayName', () => {
    const error = scimErrorOf(() => normalizeResource(groupResourceType, { displayName: ' ' }));
    expect(error.message).toBe('Attribute "displayName" is required');
  });

  it.each([
    ['userName', userResourceType],
    ['displayName', groupResourceType],
  ] as const)('refuses control characters in %s, the name', (name, resourceType) => {
    for (const value of [
      '\u0000',
      'a\nb',
      '\tx',
      'x\u001f',
      'a\u007fb',
      'a\u0080b',
      'a\u0085b',
      'x\u009f',
      'a\u2028b',
      'a\u2029',
    ]) {
      const error = scimErrorOf(() => normalizeResource(resourceType, { [name]: value }));
      expect(error.scimType).toBe('invalidValue');
      expect(error.message).toMatch(
        new RegExp(
          `^Attribute "${name}" must not contain a control character or a line separator \\(U\\+(00[0-9A-F]{2}|202[89])\\)$`,
        ),
      );
    }
    // Spaces around it, and other characters past U+009F (a no-break space), are kept as sent.
    for (const value of [' padded ', 'a\u00a0b', 'Zoë', 'a\u2027b']) {
      expect(normalizeResource(resourceType, { [name]: value }).data[name]).toBe(value);
    }
  });

  it('lets other strings hold control characters (a formatted address has line breaks)', () => {
    expect(user({ displayName: 'Two\nLines' }).data.displayName).toBe('Two\nLines');
  });

  it('does not require a User displayName', () => {
    expect(user({ displayName: '' }).data.displayName).toBe('');
  });
});

describe('normalizeResource: dateTime, integer and decimal', () => {
  // No writable attribute of the served schemas has these types: exercise the shared helper.
  const definition = (type: 'dateTime' | 'integer' | 'decimal') => ({
    ...userSchema.attributes[0]!,
    name: 'x',
    type,
  });

  it('accepts ISO 8601 date-times as given', () => {
    for (const value of ['2008-01-23T04:56:22Z', '2011-05-13T04:42:34.123+02:00']) {
      expect(normalizeAttributeValue(definition('dateTime'), value, 'x')).toBe(value);
    }
    for (const value of ['yesterday', '2008-01-23', '2008-13-45T99:99:99Z', 5]) {
      expect(
        scimErrorOf(() => normalizeAttributeValue(definition('dateTime'), value, 'x')).scimType,
      ).toBe('invalidValue');
    }
  });

  it('accepts integers and numbers', () => {
    expect(normalizeAttributeValue(definition('integer'), 3, 'x')).toBe(3);
    expect(normalizeAttributeValue(definition('decimal'), 3.5, 'x')).toBe(3.5);
    expect(() => normalizeAttributeValue(definition('integer'), 3.5, 'x')).toThrow(ScimError);
    expect(() => normalizeAttributeValue(definition('integer'), '3', 'x')).toThrow(ScimError);
    expect(() => normalizeAttributeValue(definition('decimal'), 'x', 'x')).toThrow(ScimError);
  });
});

describe('normalizeResource: Group members', () => {
  it('returns members apart from data, canonicalising type and keeping display', () => {
    const result = group({
      members: [
        { value: 'u1', type: 'user', display: 'Babs', $ref: 'https://x/Users/u1' },
        { value: 'g2', type: 'GROUP' },
        { value: 'u3' },
      ],
    });
    expect(result.data).toEqual({ displayName: 'Admins' });
    expect(result.members).toEqual([
      { value: 'u1', type: 'User', display: 'Babs' },
      { value: 'g2', type: 'Group' },
      { value: 'u3' },
    ]);
  });

  it('de-duplicates members by value, the first one winning', () => {
    expect(
      group({
        members: [
          { value: 'u1', display: 'first' },
          { value: 'u1', display: 'second' },
        ],
      }).members,
    ).toEqual([{ value: 'u1', display: 'first' }]);
  });

  it('leaves members undefined when absent or null, and empty when empty', () => {
    expect(group({}).members).toBeUndefined();
    expect(group({ members: null }).members).toBeUndefined();
    expect(group({ members: [] }).members).toEqual([]);
  });

  it.each([
    [{ value: 'u1' }],
    [['u1']],
    [[{ display: 'x' }]],
    [[{ value: 1 }]],
    [[{ value: '' }]],
    [[{ value: 'u1', type: 'Robot' }]],
    [[{ value: 'u1', extra: 1 }]],
  ])('rejects invalid members %j', (members) => {
    expect(scimErrorOf(() => group({ members })).scimType).toBe('invalidValue');
  });
});

describe('parseAttributeList', () => {
  it('splits, trims and drops empty items', () => {
    expect(parseAttributeList(' userName , name.givenName,,emails ')).toEqual([
      'userName',
      'name.givenName',
      'emails',
    ]);
  });

  it('accepts a repeated parameter', () => {
    expect(parseAttributeList(['userName', 'emails,title'])).toEqual([
      'userName',
      'emails',
      'title',
    ]);
  });

  it('returns undefined for no or empty lists', () => {
    expect(parseAttributeList(undefined)).toBeUndefined();
    expect(parseAttributeList('')).toBeUndefined();
    expect(parseAttributeList(' , ')).toBeUndefined();
  });
});

describe('projectResource', () => {
  const fullUser = {
    schemas: [SCHEMA.user, ENTERPRISE],
    id: '2819c223',
    externalId: '00u1',
    meta: {
      resourceType: 'User',
      created: '2024-01-01T00:00:00Z',
      lastModified: '2024-02-01T00:00:00Z',
    },
    userName: 'bjensen',
    password: 'should never be here',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [
      { value: 'b@x.com', type: 'work', primary: true },
      { value: 'b@home.org', type: 'home' },
    ],
    active: true,
    groups: [{ value: 'g1', display: 'Admins', type: 'direct' }],
    [ENTERPRISE]: { employeeNumber: '7', manager: { value: '26', displayName: 'Boss' } },
  };
  const project = (options: { attributes?: string[]; excludedAttributes?: string[] }) =>
    projectResource(userResourceType, fullUser, options);

  it('returns everything but returned:never attributes by default', () => {
    const { password: _password, ...expected } = fullUser;
    expect(project({})).toEqual(expected);
  });

  it('returns only the named attributes plus id and schemas', () => {
    expect(project({ attributes: ['userName', 'EMAILS'] })).toEqual({
      schemas: fullUser.schemas,
      id: '2819c223',
      userName: 'bjensen',
      emails: fullUser.emails,
    });
  });

  it('never returns password, even when asked', () => {
    expect(project({ attributes: ['password'] })).toEqual({
      schemas: fullUser.schemas,
      id: '2819c223',
    });
  });

  it('returns named sub-attributes only', () => {
    expect(
      project({ attributes: ['name.givenName', 'meta.lastModified', 'emails.value'] }),
    ).toEqual({
      schemas: fullUser.schemas,
      id: '2819c223',
      name: { givenName: 'Barbara' },
      meta: { lastModified: '2024-02-01T00:00:00Z' },
      emails: [{ value: 'b@x.com' }, { value: 'b@home.org' }],
    });
  });

  it('returns URN-qualified attributes and whole extensions', () => {
    expect(project({ attributes: [`${ENTERPRISE}:manager`, `${SCHEMA.user}:userName`] })).toEqual({
      schemas: fullUser.schemas,
      id: '2819c223',
      userName: 'bjensen',
      [ENTERPRISE]: { manager: { value: '26', displayName: 'Boss' } },
    });
    expect(project({ attributes: [ENTERPRISE.toLowerCase()] })).toEqual({
      schemas: fullUser.schemas,
      id: '2819c223',
      [ENTERPRISE]: fullUser[ENTERPRISE],
    });
    expect(project({ attributes: [`${ENTERPRISE}:manager.value`] })[ENTERPRISE]).toEqual({
      manager: { value: '26' },
    });
  });

  it('removes excluded attributes, never id or schemas', () => {
    const result = project({
      excludedAttributes: ['id', 'schemas', 'emails', 'name.familyName', 'meta', ENTERPRISE],
    });
    expect(result).toEqual({
      schemas: fullUser.schemas,
      id: '2819c223',
      externalId: '00u1',
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
      active: true,
      groups: fullUser.groups,
    });
  });

  it('excludes URN-qualified extension attributes and drops an emptied extension', () => {
    expect(project({ excludedAttributes: [`${ENTERPRISE}:manager`] })[ENTERPRISE]).toEqual({
      employeeNumber: '7',
    });
    const result = project({
      excludedAttributes: [`${ENTERPRISE}:manager`, `${ENTERPRISE}:employeeNumber`],
    });
    expect(result).not.toHaveProperty(ENTERPRISE);
  });

  it('omits complex values the selection empties', () => {
    expect(project({ attributes: ['emails.display'] })).not.toHaveProperty('emails');
  });

  it('ignores unknown names', () => {
    expect(project({ attributes: ['userName', 'nonsense', 'urn:x:y'] })).toEqual({
      schemas: fullUser.schemas,
      id: '2819c223',
      userName: 'bjensen',
    });
    expect(project({ excludedAttributes: ['nonsense', 'name.nonsense'] })).toEqual(project({}));
  });

  it('keeps the canonical case of the resource in its output', () => {
    expect(Object.keys(project({ attributes: ['USERNAME', 'Name.GivenName'] }))).toEqual([
      'schemas',
      'id',
      'userName',
      'name',
    ]);
  });

  it('projects Group members', () => {
    const fullGroup = {
      schemas: [SCHEMA.group],
      id: 'g1',
      displayName: 'Admins',
      members: [{ value: 'u1', display: 'Babs', type: 'User', $ref: 'https://x/Users/u1' }],
    };
    expect(
      projectResource(groupResourceType, fullGroup, { excludedAttributes: ['members'] }),
    ).toEqual({ schemas: [SCHEMA.group], id: 'g1', displayName: 'Admins' });
    expect(
      projectResource(groupResourceType, fullGroup, { attributes: ['members.value'] }),
    ).toEqual({ schemas: [SCHEMA.group], id: 'g1', members: [{ value: 'u1' }] });
  });
});
