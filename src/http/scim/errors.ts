/**
 * One table from every error the SCIM surface can meet to the RFC 7644 §3.12 Error message.
 */
import { ConnectionError } from '../../provisioning/connection.service.ts';
import { DirectoryError } from '../../directory/errors.ts';
import type { DirectoryErrorCode } from '../../directory/errors.ts';
import { ScimError } from '../../scim/errors.ts';
import type { ScimType } from '../../scim/errors.ts';

const DIRECTORY: Record<DirectoryErrorCode, [number, ScimType | undefined]> = {
  not_found: [404, undefined],
  user_name_taken: [409, 'uniqueness'],
  display_name_taken: [409, 'uniqueness'],
  precondition_failed: [412, undefined],
  unknown_members: [400, 'invalidValue'],
  invalid_member: [400, 'invalidValue'],
  membership_cycle: [400, 'invalidValue'],
  read_only: [400, 'mutability'],
  forbidden: [403, undefined],
  invalid_role: [400, 'invalidValue'],
  too_many: [400, 'tooMany'],
  last_administrator: [409, undefined],
  administrator_exists: [409, undefined],
  mapping_exists: [409, undefined],
  mapping_not_held: [404, undefined],
};

export const UNSUPPORTED_TYPE = 'Send the body as application/scim+json or application/json.';

/** Fastify's own errors (body parsing, limits), by code. */
const FASTIFY: Record<string, [number, ScimType | undefined, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, undefined, UNSUPPORTED_TYPE],
  FST_ERR_CTP_BODY_TOO_LARGE: [
    413,
    undefined,
    'The request body is larger than this server accepts.',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    400,
    'invalidSyntax',
    'The request body is empty; a JSON object was expected.',
  ],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalidSyntax', 'The request body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    400,
    'invalidSyntax',
    'The Content-Length does not match the body.',
  ],
  FST_ERR_CTP_INVALID_TYPE: [415, undefined, 'The Content-Type header is not valid.'],
};

export interface ErrorResponse {
  readonly error: ScimError;
  /** Whether it is the server's fault (logged as an error) rather than the client's. */
  readonly internal: boolean;
}

export function toScimError(error: unknown): ErrorResponse {
  if (error instanceof ScimError) return { error, internal: false };
  if (error instanceof DirectoryError) {
    const [status, scimType] = DIRECTORY[error.code];
    return { error: new ScimError(status, scimType, error.message), internal: false };
  }
  if (error instanceof ConnectionError) {
    return {
      error: new ScimError(error.code === 'not_found' ? 404 : 400, undefined, error.message),
      internal: false,
    };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in FASTIFY) {
    const [status, scimType, detail] = FASTIFY[code]!;
    return { error: new ScimError(status, scimType, detail), internal: false };
  }
  if (error instanceof SyntaxError) {
    return {
      error: new ScimError(400, 'invalidSyntax', 'The request body is not valid JSON.'),
      internal: false,
    };
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { error: new ScimError(status, undefined, (error as Error).message), internal: false };
  }
  return {
    error: new ScimError(500, undefined, 'An internal error occurred; it has been logged.'),
    internal: true,
  };
}
