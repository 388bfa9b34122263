import type { Origin } from '../db/tables.ts';

/**
 * Who makes a change: a SCIM connection (an identity provider) or a local operator (the CLI, the
 * admin API). What a connection writes has origin `IDP` and belongs to it; the rest is `LOCAL`.
 */
export type Actor =
  | {
      readonly kind: 'connection';
      readonly connectionId: string;
      readonly name: string;
      /** The connection's provisioning rules; the defaults when not given. */
      readonly policy?: ProvisioningPolicy;
    }
  | { readonly kind: 'local'; readonly name: string };

/** A connection's provisioning rules (README, "Provisioning rules"). */
export interface ProvisioningPolicy {
  /** What `active=false` does: `delete` (the user leaves the platform) or `suspend`. */
  readonly deprovision: 'delete' | 'suspend';
  /** Days a deprovisioned user stays restorable before it is purged. */
  readonly retentionDays: number;
  /** Whether a create or write for a LOCAL user or group links it to the connection. */
  readonly linkLocal: boolean;
}

export const DEFAULT_POLICY: ProvisioningPolicy = {
  deprovision: 'delete',
  retentionDays: 30,
  linkLocal: true,
};

export function policyOf(actor: Actor): ProvisioningPolicy {
  return actor.kind === 'connection' ? (actor.policy ?? DEFAULT_POLICY) : DEFAULT_POLICY;
}

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
