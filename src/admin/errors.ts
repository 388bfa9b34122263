import type { Db } from '../db/database.ts';
import type { Origin } from '../db/tables.ts';
import { idpOwner } from '../directory/ownership.ts';

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

/**
 * Throws `idp_owned` when an identity provider owns the resource (`idpOwner`: one whose
 * connection is gone is no IdP's any more, and the console may manage it), naming the connection.
 */
export async function refuseIdpOwned(
  db: Db,
  resource: {
    readonly kind: 'User' | 'Group';
    readonly name: string;
    readonly origin: Origin;
    readonly connectionId: string | null;
  },
): Promise<void> {
  const owner = idpOwner(resource.origin, resource.connectionId);
  if (owner === null) return;
  const row = await db
    .selectFrom('connections')
    .select(['id', 'name'])
    .where('id', '=', owner)
    .executeTakeFirst();
  throw idpOwned(resource.kind, resource.name, row ?? { id: owner, name: owner });
}

/** The `idp_owned` error about a user or group provisioned by `connection`. */
export function idpOwned(
  kind: 'User' | 'Group',
  name: string,
  connection: { readonly id: string; readonly name: string },
): AdminError {
  return new AdminError(
    'idp_owned',
    `${kind} ${JSON.stringify(name)} is provisioned by the connection ${JSON.stringify(connection.name)}: change it in the identity provider.`,
    { connection },
  );
}

/** A validation error about one field of a request body. */
export function invalidField(field: string, message: string): AdminError {
  return new AdminError('invalid_request', message, { fields: { [field]: message } });
}
