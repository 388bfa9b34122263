/**
 * JSON Schemas of the admin API's requests and responses: what Ajv validates requests against
 * and what the OpenAPI document at /api/docs describes. Request bodies refuse unknown fields and
 * are not coerced (a number is not a userName); query strings are (they are all text).
 */
import { USER_SORTS } from '../../admin/user-list.repository.ts';
import { GROUP_SORTS } from '../../admin/group-list.repository.ts';
import { MAX_ROTATION_GRACE_SECONDS } from '../../provisioning/connection.service.ts';

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const origin = { type: 'string', enum: ['IDP', 'LOCAL'] } as const;
const role = { type: 'string', enum: ['admin', 'viewer'] } as const;

export const MAX_PAGE = 200;

/** A body of these properties and no others. */
function body(properties: Record<string, object>, required: string[] = []) {
  return { type: 'object', properties, required, additionalProperties: false } as const;
}

function object(properties: Record<string, object>, extra: Record<string, object> = {}) {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties),
    ...extra,
  } as const;
}

export const errorSchema = {
  description: 'An error (docs/admin-api.md, "Errors").',
  ...object({
    error: object(
      {
        code: {
          type: 'string',
          enum: [
            'invalid_request',
            'unauthenticated',
            'forbidden',
            'csrf',
            'not_found',
            'conflict',
            'idp_owned',
            'precondition_failed',
            'payload_too_large',
            'unsupported_media_type',
            'rate_limited',
            'internal',
          ],
        },
        message: string,
        details: { type: 'object', additionalProperties: true },
      },
      { required: ['code', 'message'] },
    ),
  }),
};

/** The error answers a route may give, for the document. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, errorSchema]));
}

/** The mappings that hold a membership, the identity provider's first. */
const mappings = {
  type: 'array',
  items: origin,
  description: "The mappings that hold the membership, the identity provider's first.",
} as const;

export const connectionRef = {
  type: ['object', 'null'],
  properties: { id: string, name: string },
  required: ['id', 'name'],
} as const;

const userProperties = {
  id: string,
  userName: string,
  displayName: nullableString,
  givenName: nullableString,
  familyName: nullableString,
  email: nullableString,
  origin,
  connection: connectionRef,
  active: { type: 'boolean' },
  role: { type: ['string', 'null'], enum: ['admin', 'viewer', null] },
  groupCount: { type: 'integer' },
  createdAt: time,
  updatedAt: time,
} as const;

export const userSchema = object(userProperties);

export const userDetailSchema = object({
  ...userProperties,
  externalId: nullableString,
  groups: {
    type: 'array',
    items: object({
      id: string,
      displayName: string,
      type: { type: 'string', enum: ['direct', 'indirect'] },
      origin: { type: ['string', 'null'], enum: ['IDP', 'LOCAL', null] },
      connection: connectionRef,
      mappings,
    }),
  },
  scim: {
    type: 'object',
    additionalProperties: true,
    description: 'The SCIM representation, as an identity provider reads it.',
  },
});

export const groupSchema = object({
  id: string,
  displayName: string,
  externalId: nullableString,
  origin,
  connection: connectionRef,
  memberCount: { type: 'integer' },
  createdAt: time,
  updatedAt: time,
});

export const memberSchema = object({
  id: string,
  type: { type: 'string', enum: ['User', 'Group'] },
  name: string,
  displayName: nullableString,
  email: nullableString,
  active: { type: ['boolean', 'null'] },
  membershipOrigin: origin,
  mappings,
  connection: connectionRef,
  memberOrigin: origin,
});

const eventProperties = {
  seq: { type: 'integer' },
  type: string,
  resourceType: string,
  resourceId: string,
  actor: string,
  occurredAt: time,
  summary: { type: 'object', additionalProperties: true },
};

/** A 204 answer: no body. */
export const noContent = { type: 'null', description: 'Done.' } as const;

export const eventSchema = {
  ...object(eventProperties),
  properties: {
    ...eventProperties,
    relatedId: {
      type: 'string',
      description: 'A second resource the change involves: the member of a membership change.',
    },
  },
};

const settings = {
  dialect: string,
  deprovisionPolicy: { type: 'string', enum: ['delete', 'suspend'] },
  retentionDays: { type: 'integer' },
  linkLocalUsers: { type: 'boolean' },
  rateLimit: { type: ['integer', 'null'] },
} as const;

export const connectionSchema = object({
  id: string,
  name: string,
  createdAt: time,
  lastUsedAt: nullableTime,
  scimBaseUrl: string,
  settings: object(settings),
  tokens: {
    type: 'array',
    items: object({
      id: string,
      prefix: string,
      createdAt: time,
      expiresAt: nullableTime,
      lastUsedAt: nullableTime,
      status: { type: 'string', enum: ['active', 'expiring', 'expired'] },
    }),
  },
});

const logEntryProperties = {
  id: string,
  at: time,
  connectionId: nullableString,
  connectionName: nullableString,
  method: string,
  path: string,
  query: nullableString,
  status: { type: 'integer' },
  scimType: nullableString,
  durationMs: { type: 'number' },
  resourceType: nullableString,
  resourceIds: { type: 'array', items: string },
  errorDetail: nullableString,
  dialect: nullableString,
  normalizations: { type: 'array', items: string },
  userAgent: nullableString,
} as const;

export const logEntrySchema = object(logEntryProperties);
export const logEntryDetailSchema = object({
  ...logEntryProperties,
  requestBody: { description: 'The request body, secrets redacted (null when there was none).' },
});

export const apiKeySchema = object({
  id: string,
  name: string,
  prefix: string,
  role,
  createdAt: time,
  createdBy: string,
  lastUsedAt: nullableTime,
  revokedAt: nullableTime,
});

export const sessionSchema = object({ user: userSchema, csrfToken: string });

export function pageOf(item: object) {
  return object({ total: { type: 'integer' }, items: { type: 'array', items: item } });
}

export function itemsOf(item: object) {
  return object({ items: { type: 'array', items: item } });
}

// ---- requests ------------------------------------------------------------------------------

export const idParams = object({ id: { type: 'string', minLength: 1, maxLength: 200 } });

const limit = (fallback: number, max = MAX_PAGE) =>
  ({ type: 'integer', minimum: 1, maximum: max, default: fallback }) as const;
const offset = { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 } as const;
const search = { type: 'string', maxLength: 200 } as const;
const order = { type: 'string', enum: ['asc', 'desc'], default: 'asc' } as const;

export const userListQuery = {
  type: 'object',
  properties: {
    search,
    origin,
    status: { type: 'string', enum: ['active', 'inactive'] },
    connection: string,
    sort: { type: 'string', enum: USER_SORTS, default: 'userName' },
    order,
    limit: limit(50),
    offset,
  },
  additionalProperties: false,
} as const;

export const groupListQuery = {
  type: 'object',
  properties: {
    search,
    origin,
    connection: string,
    sort: { type: 'string', enum: GROUP_SORTS, default: 'displayName' },
    order,
    limit: limit(50),
    offset,
  },
  additionalProperties: false,
} as const;

export const memberListQuery = {
  type: 'object',
  properties: { search, limit: limit(50), offset },
  additionalProperties: false,
} as const;

export const eventsQuery = {
  type: 'object',
  properties: {
    // Sequence numbers: up to 2^53 - 1, the largest a JavaScript number holds exactly.
    after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
    before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    limit: limit(100, 1000),
    resource: string,
    order,
  },
  additionalProperties: false,
} as const;

export const userEventsQuery = {
  type: 'object',
  properties: { limit: limit(20) },
  additionalProperties: false,
} as const;

export const logQuery = {
  type: 'object',
  properties: {
    connection: string,
    failed: { type: 'boolean' },
    resource: string,
    since: string,
    until: string,
    before: string,
    limit: limit(50),
  },
  additionalProperties: false,
} as const;

const userName = { type: 'string', minLength: 1, maxLength: 256 } as const;
const password = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const optionalText = { type: ['string', 'null'], maxLength: 256 } as const;
const displayName = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const signInBody = body({ userName, password }, ['userName', 'password']);
export const setupBody = body(
  { token: { type: 'string', minLength: 1, maxLength: 200 }, userName, password, displayName },
  ['token', 'userName', 'password'],
);
export const createUserBody = body(
  {
    userName,
    displayName: optionalText,
    givenName: optionalText,
    familyName: optionalText,
    email: optionalText,
    active: { type: 'boolean' },
    password,
  },
  ['userName'],
);
export const updateUserBody = body({
  userName,
  displayName: optionalText,
  givenName: optionalText,
  familyName: optionalText,
  email: optionalText,
  active: { type: 'boolean' },
});
export const passwordBody = body({ password }, ['password']);
export const roleBody = body(
  { role: { type: ['string', 'null'], enum: ['admin', 'viewer', null] } },
  ['role'],
);
export const groupBody = body({ displayName }, ['displayName']);
export const memberBody = body({ memberId: { type: 'string', minLength: 1, maxLength: 200 } }, [
  'memberId',
]);
export const memberParams = object({
  id: { type: 'string', minLength: 1, maxLength: 200 },
  memberId: { type: 'string', minLength: 1, maxLength: 200 },
});
export const connectionBody = body({ name: { type: 'string', minLength: 1, maxLength: 64 } }, [
  'name',
]);
export const settingsBody = body({
  dialect: string,
  deprovisionPolicy: { type: 'string', enum: ['delete', 'suspend'] },
  retentionDays: { type: 'integer' },
  linkLocalUsers: { type: 'boolean' },
  rateLimit: { type: ['integer', 'null'] },
});
/** A POST that takes no body: none, `null` or `{}`; anything more is refused. */
export const noBody = {
  type: ['object', 'null'],
  properties: {},
  additionalProperties: false,
} as const;
export const rotateBody = {
  type: ['object', 'null'],
  properties: {
    graceSeconds: { type: 'integer', minimum: 0, maximum: MAX_ROTATION_GRACE_SECONDS },
  },
  additionalProperties: false,
} as const;
export const apiKeyBody = body({ name: { type: 'string', minLength: 1, maxLength: 64 }, role }, [
  'name',
  'role',
]);
