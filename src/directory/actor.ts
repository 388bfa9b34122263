import type { Origin } from '../db/tables.ts';

/**
 * Who makes a change: a SCIM connection (an identity provider) or a local operator (the CLI, the
 * admin API). What a connection writes has origin `IDP` and belongs to it; the rest is `LOCAL`.
 */
export type Actor =
  | { readonly kind: 'connection'; readonly connectionId: string; readonly name: string }
  | { readonly kind: 'local'; readonly name: string };

export function originOf(actor: Actor): Origin {
  return actor.kind === 'connection' ? 'IDP' : 'LOCAL';
}

export function connectionIdOf(actor: Actor): string | null {
  return actor.kind === 'connection' ? actor.connectionId : null;
}

/** The actor as recorded in the change feed: `connection:<id>` or `local:<name>`. */
export function describeActor(actor: Actor): string {
  return actor.kind === 'connection' ? `connection:${actor.connectionId}` : `local:${actor.name}`;
}
