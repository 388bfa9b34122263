/**
 * Who may write what: a connection owns what it created; another connection's writes to it are
 * refused as if it did not exist (404), while reads of the whole directory stay open (Okta
 * imports and matches). A connection's write to a LOCAL resource links it, when the
 * connection's policy allows, except a console administrator, which an identity provider
 * never takes over.
 */
import type { Db } from '../db/database.ts';
import type { Origin } from '../db/tables.ts';
import type { Actor } from './actor.ts';
import { policyOf } from './actor.ts';
import { DirectoryError } from './errors.ts';

export interface Owned {
  readonly id: string;
  readonly origin: Origin;
  readonly connection_id: string | null;
}

/**
 * The connection that owns a resource: its connection when it is IDP, else null (a LOCAL
 * resource, or an IDP one whose connection was deleted, which a connection may link and the
 * console may manage).
 */
export function idpOwner(origin: Origin, connectionId: string | null): string | null {
  return origin === 'IDP' ? connectionId : null;
}

/** `own`: the actor may write it as it is; `link`: the write makes it the actor's. */
export type Claim = 'own' | 'link';

export async function isAdministrator(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('user_roles')
    .select('role')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role === 'admin';
}

/**
 * What a write by `actor` to this resource is, or the error refusing it. A resource whose
 * connection was deleted (IDP, no connection) can be linked like a LOCAL one.
 */
export async function claimFor(
  db: Db,
  actor: Actor,
  resource: 'User' | 'Group',
  row: Owned,
): Promise<Claim> {
  if (actor.kind === 'local') return 'own';
  const owner = idpOwner(row.origin, row.connection_id);
  if (owner === actor.connectionId) return 'own';
  const label = `${resource} ${JSON.stringify(row.id)}`;
  if (owner !== null) {
    throw new DirectoryError(
      'not_found',
      `${label} not found: it belongs to another SCIM connection.`,
    );
  }
  if (!policyOf(actor).linkLocal) {
    throw new DirectoryError(
      'not_found',
      `${label} not found: it is a LOCAL ${resource.toLowerCase()}, and this connection does not link local ${resource.toLowerCase()}s.`,
    );
  }
  if (resource === 'User' && (await isAdministrator(db, row.id))) {
    throw new DirectoryError(
      'forbidden',
      `${label} is a console administrator: an identity provider cannot take it over.`,
    );
  }
  return 'link';
}
