/**
 * One table from every error the admin API can meet to the contract's error body
 * (docs/admin-api.md, "Errors"): `{"error": {"code", "message", "details"?}}` with its status.
 * Nothing reaches a client in Fastify's default shape, and bad input is never a 500.
 */
import type { FastifyError } from 'fastify';
import { AdminError } from '../../admin/errors.ts';
import type { AdminErrorCode } from '../../admin/errors.ts';
import { DirectoryError } from '../../directory/errors.ts';
import type { DirectoryErrorCode } from '../../directory/errors.ts';
import { ConnectionError } from '../../provisioning/connection.service.ts';
import { ScimError } from '../../scim/errors.ts';

export type ApiErrorCode =
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'csrf'
  | 'not_found'
  | 'conflict'
  | 'idp_owned'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal';

export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly details?: Record<string, unknown>;
  };
}

/** An error to answer as it is (thrown by the edge itself: authentication, CSRF, limits). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
    };
  }
}

const ADMIN: Record<AdminErrorCode, number> = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idp_owned: 409,
};

const DIRECTORY: Record<DirectoryErrorCode, [number, ApiErrorCode]> = {
  not_found: [404, 'not_found'],
  user_name_taken: [409, 'conflict'],
  display_name_taken: [409, 'conflict'],
  precondition_failed: [412, 'precondition_failed'],
  unknown_members: [404, 'not_found'],
  invalid_member: [400, 'invalid_request'],
  membership_cycle: [409, 'conflict'],
  read_only: [400, 'invalid_request'],
  forbidden: [403, 'forbidden'],
  invalid_role: [400, 'invalid_request'],
  too_many: [400, 'invalid_request'],
  last_administrator: [409, 'conflict'],
  administrator_exists: [409, 'conflict'],
  mapping_exists: [409, 'conflict'],
  mapping_not_held: [404, 'not_found'],
};

/** Fastify's own errors (body parsing, limits, content types), by code. */
const FASTIFY: Record<string, [number, ApiErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'unsupported_media_type',
    'Send the body as application/json.',
  ],
  FST_ERR_CTP_INVALID_TYPE: [
    415,
    'unsupported_media_type',
    'The Content-Type header is not valid.',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: [
    413,
    'payload_too_large',
    'The request body is larger than the admin API accepts.',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    400,
    'invalid_request',
    'The request body is empty; a JSON object was expected.',
  ],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_request', 'The request body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    400,
    'invalid_request',
    'The Content-Length does not match the body.',
  ],
};

export interface Mapped {
  readonly error: ApiError;
  /** The server's fault (logged as an error) rather than the client's. */
  readonly internal: boolean;
}

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/** `details.fields`: each field's path (dotted, as the client wrote it) and what is wrong. */
export function fieldErrors(errors: readonly AjvError[]): Record<string, string> {
  // No prototype: a field named `toString` or `constructor` is a field like any other.
  const fields = Object.create(null) as Record<string, string>;
  for (const e of errors) {
    const path = e.instancePath
      .split('/')
      .filter((p) => p !== '')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let message: string;
    if (e.keyword === 'required') {
      path.push(String(e.params.missingProperty));
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path.push(String(e.params.additionalProperty));
      message = 'is not a field of this request';
    } else if (e.keyword === 'enum') {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      message = `must be one of ${allowed.join(', ')}`;
    } else {
      message = e.message ?? 'is not valid';
    }
    const field = path.join('.') || '(body)';
    if (!Object.hasOwn(fields, field)) fields[field] = message;
  }
  return fields;
}

const PARTS: Record<string, string> = {
  body: 'request body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/** The admin API's body fields for the SCIM attributes they are written to (users, groups). */
const BODY_FIELDS: Record<string, string> = {
  userName: 'userName',
  displayName: 'displayName',
  'name.givenName': 'givenName',
  'name.familyName': 'familyName',
  'emails.value': 'email',
  active: 'active',
};

export function toApiError(error: unknown): Mapped {
  if (error instanceof ApiError) return { error, internal: false };
  if (error instanceof AdminError) {
    return {
      error: new ApiError(ADMIN[error.code], error.code, error.message, error.details),
      internal: false,
    };
  }
  if (error instanceof DirectoryError) {
    const [status, code] = DIRECTORY[error.code];
    return { error: new ApiError(status, code, error.message), internal: false };
  }
  if (error instanceof ConnectionError) {
    const [status, code]: [number, ApiErrorCode] =
      error.code === 'not_found'
        ? [404, 'not_found']
        : error.code === 'name_taken'
          ? [409, 'conflict']
          : [400, 'invalid_request'];
    return { error: new ApiError(status, code, error.message), internal: false };
  }
  // What the SCIM schema refuses of a user or group the console sends (an invalid attribute),
  // with the body's field it came from, so that a form can show it beside that field.
  if (error instanceof ScimError) {
    const status = error.status === 409 ? 409 : error.status === 404 ? 404 : 400;
    const code: ApiErrorCode =
      status === 409 ? 'conflict' : status === 404 ? 'not_found' : 'invalid_request';
    const attribute = status === 400 ? /^Attribute "([^"]+)"/.exec(error.message)?.[1] : undefined;
    const field = attribute === undefined ? undefined : BODY_FIELDS[attribute];
    return {
      error: new ApiError(
        status,
        code,
        error.message,
        field === undefined ? undefined : { fields: { [field]: error.message } },
      ),
      internal: false,
    };
  }
  const fastify = error as Partial<FastifyError> & {
    validation?: AjvError[];
    validationContext?: string;
  };
  if (Array.isArray(fastify.validation)) {
    const fields = fieldErrors(fastify.validation);
    const part = PARTS[fastify.validationContext ?? 'body'] ?? 'request';
    const list = Object.entries(fields)
      .map(([field, message]) => `${field} ${message}`)
      .join('; ');
    return {
      error: new ApiError(400, 'invalid_request', `The ${part} is not valid: ${list}.`, {
        fields,
      }),
      internal: false,
    };
  }
  if (typeof fastify.code === 'string' && fastify.code in FASTIFY) {
    const [status, code, message] = FASTIFY[fastify.code]!;
    return { error: new ApiError(status, code, message), internal: false };
  }
  if (error instanceof SyntaxError) {
    return {
      error: new ApiError(400, 'invalid_request', 'The request body is not valid JSON.'),
      internal: false,
    };
  }
  const status = fastify.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ApiErrorCode =
      status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : 'invalid_request';
    return {
      error: new ApiError(status, code, fastify.message ?? 'Bad request.'),
      internal: false,
    };
  }
  return {
    error: new ApiError(500, 'internal', 'An internal error occurred; it has been logged.'),
    internal: true,
  };
}
