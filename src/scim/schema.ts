/**
 * The SCIM schemas Gatehouse serves, as data (RFC 7643 §7). This one definition generates
 * `/Schemas` and `/ResourceTypes`, and drives validation, `returned`/`mutability`/`caseExact`
 * handling, attribute projection and the lookup of attribute paths in filters and PATCH.
 */

export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';

export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

/** RFC 7643 §7: an attribute definition. */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

type AttrOptions = Partial<Omit<AttributeDefinition, 'name' | 'type'>>;

function attr(name: string, type: AttributeType, options: AttrOptions = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description: '',
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...(type === 'reference' ? { referenceTypes: ['external'] } : {}),
    ...options,
  };
}

const str = (name: string, description: string, options: AttrOptions = {}) =>
  attr(name, 'string', { description, ...options });

/** The sub-attributes of a multi-valued attribute such as `emails` (RFC 7643 §2.4). */
function multiValuedSubAttributes(
  valueDescription: string,
  types: readonly string[],
  extra: readonly AttributeDefinition[] = [],
): AttributeDefinition[] {
  return [
    str('value', valueDescription),
    str('display', 'A human-readable name, primarily used for display purposes.'),
    ...extra,
    str('type', "A label indicating the attribute's function.", { canonicalValues: types }),
    attr('primary', 'boolean', {
      description: "A Boolean value indicating the 'primary' or preferred attribute value.",
    }),
  ];
}

function multi(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  options: AttrOptions = {},
): AttributeDefinition {
  return attr(name, 'complex', { description, multiValued: true, subAttributes, ...options });
}

const groupMembershipTypes = ['direct', 'indirect'];

/** RFC 7643 §4.1 and §8.7.1: the core User schema. */
export const userSchema: SchemaDefinition = {
  id: SCHEMA.user,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', 'Unique identifier for the User, typically used to sign in.', {
      required: true,
      uniqueness: 'server',
    }),
    attr('name', 'complex', {
      description: "The components of the user's real name.",
      subAttributes: [
        str('formatted', 'The full name, formatted for display.'),
        str('familyName', 'The family name of the User.'),
        str('givenName', 'The given name of the User.'),
        str('middleName', 'The middle name(s) of the User.'),
        str('honorificPrefix', 'The honorific prefix(es) of the User.'),
        str('honorificSuffix', 'The honorific suffix(es) of the User.'),
      ],
    }),
    str('displayName', 'The name of the User, suitable for display to end-users.'),
    str('nickName', 'The casual way to address the user in real life.'),
    attr('profileUrl', 'reference', {
      description: "A fully qualified URL to the User's profile.",
    }),
    str('title', "The user's title, such as 'Vice President'."),
    str('userType', 'The relationship between the organization and the user.'),
    str('preferredLanguage', "The User's preferred written or spoken language."),
    str('locale', "The User's default location for localizing items."),
    str('timezone', "The User's time zone in the 'Olson' time zone database format."),
    attr('active', 'boolean', {
      description: "A Boolean value indicating the User's administrative status.",
    }),
    str('password', "The User's cleartext password. Never returned.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multi(
      'emails',
      'Email addresses for the user.',
      // `display` of an email is the service provider's to set (RFC 7643 §2.4 gives
      // multi-valued `display` no client meaning); Okta echoes it back in PUTs: dropped.
      multiValuedSubAttributes('Email address for the User.', ['work', 'home', 'other']).map((a) =>
        a.name === 'display' ? { ...a, mutability: 'readOnly' as const } : a,
      ),
    ),
    multi(
      'phoneNumbers',
      'Phone numbers for the User.',
      multiValuedSubAttributes('Phone number of the User.', [
        'work',
        'home',
        'mobile',
        'fax',
        'pager',
        'other',
      ]),
    ),
    multi(
      'ims',
      'Instant messaging addresses for the User.',
      multiValuedSubAttributes('Instant messaging address for the User.', [
        'aim',
        'gtalk',
        'icq',
        'xmpp',
        'msn',
        'skype',
        'qq',
        'yahoo',
      ]),
    ),
    multi(
      'photos',
      'URLs of photos of the User.',
      multiValuedSubAttributes('URL of a photo of the User.', ['photo', 'thumbnail']).map((a) =>
        a.name === 'value' ? attr('value', 'reference', { description: a.description }) : a,
      ),
    ),
    multi('addresses', 'A physical mailing address for this User.', [
      str('formatted', 'The full mailing address, formatted for display.'),
      str('streetAddress', 'The full street address component.'),
      str('locality', 'The city or locality component.'),
      str('region', 'The state or region component.'),
      str('postalCode', 'The zip code or postal code component.'),
      str('country', 'The country name component.'),
      str('type', "A label indicating the attribute's function.", {
        canonicalValues: ['work', 'home', 'other'],
      }),
      attr('primary', 'boolean', { description: 'The primary mailing address.' }),
    ]),
    multi(
      'groups',
      'A list of groups to which the user belongs, either directly or indirectly (computed).',
      [
        str('value', 'The identifier of the Group.', { mutability: 'readOnly' }),
        attr('$ref', 'reference', {
          description: 'The URI of the Group.',
          mutability: 'readOnly',
          referenceTypes: ['Group'],
        }),
        str('display', 'A human-readable name of the Group.', { mutability: 'readOnly' }),
        str('type', 'direct or indirect membership.', {
          mutability: 'readOnly',
          canonicalValues: groupMembershipTypes,
        }),
      ],
      { mutability: 'readOnly' },
    ),
    multi(
      'entitlements',
      'A list of entitlements for the User.',
      multiValuedSubAttributes('The value of an entitlement.', []),
    ),
    multi(
      'roles',
      'A list of roles for the User.',
      multiValuedSubAttributes('The value of a role.', []),
    ),
    multi(
      'x509Certificates',
      'A list of certificates issued to the User.',
      multiValuedSubAttributes('The value of an X.509 certificate.', []).map((a) =>
        a.name === 'value'
          ? attr('value', 'binary', { description: a.description, caseExact: true })
          : a,
      ),
    ),
  ],
};

/** RFC 7643 §4.3: the Enterprise User extension. */
export const enterpriseUserSchema: SchemaDefinition = {
  id: SCHEMA.enterpriseUser,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person.'),
    str('costCenter', 'Identifies the name of a cost center.'),
    str('organization', 'Identifies the name of an organization.'),
    str('division', 'Identifies the name of a division.'),
    str('department', 'Identifies the name of a department.'),
    attr('manager', 'complex', {
      description: "The User's manager.",
      subAttributes: [
        str('value', "The id of the SCIM resource representing the User's manager."),
        attr('$ref', 'reference', {
          description: 'The URI of the manager.',
          referenceTypes: ['User'],
        }),
        str('displayName', 'The displayName of the manager.', { mutability: 'readOnly' }),
      ],
    }),
  ],
};

/** RFC 7643 §4.2: the core Group schema. Members may be Users or Groups. */
export const groupSchema: SchemaDefinition = {
  id: SCHEMA.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', 'A human-readable name for the Group.', {
      required: true,
      uniqueness: 'server',
    }),
    multi('members', 'A list of members of the Group.', [
      str('value', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
      attr('$ref', 'reference', {
        description: 'The URI of the member.',
        mutability: 'immutable',
        referenceTypes: ['User', 'Group'],
      }),
      str('display', 'A human-readable name of the member.', { mutability: 'readOnly' }),
      str('type', 'The type of the member.', {
        mutability: 'immutable',
        canonicalValues: ['User', 'Group'],
      }),
    ]),
  ],
};

/** RFC 7643 §3.1: attributes every resource has, whatever its schema. */
export const commonAttributes: readonly AttributeDefinition[] = [
  str('id', 'A unique identifier for the resource, assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  str('externalId', 'An identifier for the resource as defined by the provisioning client.', {
    caseExact: true,
  }),
  attr('meta', 'complex', {
    description: 'Resource metadata.',
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType', 'The name of the resource type.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attr('created', 'dateTime', {
        description: 'When the resource was added.',
        mutability: 'readOnly',
      }),
      attr('lastModified', 'dateTime', {
        description: 'When the resource was last updated.',
        mutability: 'readOnly',
      }),
      attr('location', 'reference', {
        description: 'The URI of the resource.',
        mutability: 'readOnly',
        caseExact: true,
      }),
      str('version', 'The version (ETag) of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
  }),
];

export interface ResourceTypeDefinition {
  readonly id: 'User' | 'Group';
  readonly name: 'User' | 'Group';
  readonly endpoint: '/Users' | '/Groups';
  readonly description: string;
  readonly schema: SchemaDefinition;
  readonly extensions: readonly { readonly schema: SchemaDefinition; readonly required: boolean }[];
}

export const userResourceType: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: userSchema,
  extensions: [{ schema: enterpriseUserSchema, required: false }],
};

export const groupResourceType: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: groupSchema,
  extensions: [],
};

export const resourceTypes: readonly ResourceTypeDefinition[] = [
  userResourceType,
  groupResourceType,
];
export const schemas: readonly SchemaDefinition[] = [userSchema, enterpriseUserSchema, groupSchema];

/** The schema URNs a resource of this type may carry in its `schemas` attribute. */
export function schemaUrnsOf(resourceType: ResourceTypeDefinition): string[] {
  return [resourceType.schema.id, ...resourceType.extensions.map((e) => e.schema.id)];
}

/**
 * A resolved attribute path: `name.familyName`, or
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
 * `schema` is the URN the attribute lives in; `extension` says whether it is stored under that
 * URN's key in the resource rather than at the top level.
 */
export interface ResolvedAttribute {
  readonly schema: string;
  readonly extension: boolean;
  readonly attribute: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
}

function findIn(
  attributes: readonly AttributeDefinition[],
  name: string,
): AttributeDefinition | undefined {
  // RFC 7643 §2.1: attribute names are case-insensitive.
  const lower = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === lower);
}

export function findSubAttribute(
  attribute: AttributeDefinition,
  name: string,
): AttributeDefinition | undefined {
  return attribute.subAttributes ? findIn(attribute.subAttributes, name) : undefined;
}

/**
 * Splits a URN-qualified attribute path (`urn:...:User:name.givenName`) into the schema URN and
 * the rest. Returns `undefined` for the URN when the path is not qualified.
 */
export function splitUrn(
  resourceType: ResourceTypeDefinition,
  path: string,
): { urn: string | undefined; rest: string } {
  if (!path.toLowerCase().startsWith('urn:')) return { urn: undefined, rest: path };
  const lower = path.toLowerCase();
  // Longest URN first, so the extension URN (which extends the core one) wins.
  const urns = schemaUrnsOf(resourceType).sort((a, b) => b.length - a.length);
  for (const urn of urns) {
    const u = urn.toLowerCase();
    if (lower === u) return { urn, rest: '' };
    if (lower.startsWith(u + ':')) return { urn, rest: path.slice(urn.length + 1) };
  }
  return { urn: path.slice(0, path.lastIndexOf(':')), rest: path.slice(path.lastIndexOf(':') + 1) };
}

/**
 * Resolves `attr`, `attr.sub`, and their URN-qualified forms against a resource type.
 * Returns `undefined` when the path names no attribute of the resource type.
 */
export function resolveAttribute(
  resourceType: ResourceTypeDefinition,
  path: string,
): ResolvedAttribute | undefined {
  const { urn, rest } = splitUrn(resourceType, path);
  if (rest === '') return undefined;
  const [name, sub, ...more] = rest.split('.');
  if (name === undefined || more.length > 0) return undefined;

  let schema: SchemaDefinition | undefined;
  let extension = false;
  if (urn === undefined) {
    schema = resourceType.schema;
  } else if (urn.toLowerCase() === resourceType.schema.id.toLowerCase()) {
    schema = resourceType.schema;
  } else {
    schema = resourceType.extensions.find(
      (e) => e.schema.id.toLowerCase() === urn.toLowerCase(),
    )?.schema;
    extension = true;
  }
  if (!schema) return undefined;

  const attribute =
    findIn(schema.attributes, name) ?? (extension ? undefined : findIn(commonAttributes, name));
  if (!attribute) return undefined;
  if (sub === undefined) return { schema: schema.id, extension, attribute };
  const subAttribute = findSubAttribute(attribute, sub);
  if (!subAttribute) return undefined;
  return { schema: schema.id, extension, attribute, subAttribute };
}

/** The attribute a comparison reads: the sub-attribute when there is one. */
export function leafOf(resolved: ResolvedAttribute): AttributeDefinition {
  return resolved.subAttribute ?? resolved.attribute;
}
