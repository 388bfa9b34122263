/**
 * Errors of the console's rules, in the admin API's own words: each code is one of the contract's
 * (docs/admin-api.md, "Errors"). The HTTP edge gives each its status (src/http/api/errors.ts).
 */
export type AdminErrorCode =
  'invalid_request' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'idp_owned';

export class AdminError extends Error {
  override name = 'AdminError';
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A validation error about one field of a request body. */
export function invalidField(field: string, message: string): AdminError {
  return new AdminError('invalid_request', message, { fields: { [field]: message } });
}
