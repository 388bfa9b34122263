/**
 * Errors of the directory's rules. Each edge renders them in its own format: the SCIM layer as
 * RFC 7644 Error messages (one table in src/http/scim/errors.ts), the CLI as a message.
 */
export type DirectoryErrorCode =
  | 'not_found'
  | 'user_name_taken'
  | 'display_name_taken'
  | 'precondition_failed'
  | 'unknown_members'
  | 'invalid_member'
  | 'membership_cycle'
  | 'read_only'
  | 'forbidden'
  | 'invalid_role'
  | 'too_many'
  | 'last_administrator'
  | 'administrator_exists'
  | 'mapping_exists'
  | 'mapping_not_held';

export class DirectoryError extends Error {
  override name = 'DirectoryError';
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (resource: 'User' | 'Group', id: string) =>
  new DirectoryError('not_found', `${resource} ${JSON.stringify(id)} not found.`);
