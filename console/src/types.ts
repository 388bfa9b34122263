/** The admin API's response shapes (docs/admin-api.md), as the console reads them. */

export type Origin = 'IDP' | 'LOCAL';
export type Role = 'admin' | 'viewer';

export interface ConnectionRef {
  readonly id: string;
  readonly name: string;
}

export interface User {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly email: string | null;
  readonly origin: Origin;
  readonly connection: ConnectionRef | null;
  readonly active: boolean;
  readonly role: Role | null;
  readonly groupCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface UserGroup {
  readonly id: string;
  readonly displayName: string;
  readonly type: 'direct' | 'indirect';
  /** The direct membership's origin; null for an indirect one (through a nested group). */
  readonly origin: Origin | null;
  /** The connection behind a direct IDP membership. */
  readonly connection: ConnectionRef | null;
  /** The mappings that hold a direct membership, the IdP's first; empty for an indirect one. */
  readonly mappings: readonly Origin[];
}

export interface UserDetail extends User {
  readonly groups: readonly UserGroup[];
  readonly externalId: string | null;
  readonly scim: unknown;
}

export interface Group {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly origin: Origin;
  readonly connection: ConnectionRef | null;
  readonly memberCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Member {
  readonly id: string;
  readonly type: 'User' | 'Group';
  readonly name: string;
  readonly displayName: string | null;
  readonly email: string | null;
  readonly active: boolean | null;
  readonly membershipOrigin: Origin;
  /** The mappings that hold the membership, the IdP's first: IDP, LOCAL or both. */
  readonly mappings: readonly Origin[];
  readonly connection: ConnectionRef | null;
  readonly memberOrigin: Origin | null;
}

export interface Page<T> {
  readonly total: number;
  readonly items: readonly T[];
}

export type TokenStatus = 'active' | 'expiring' | 'expired';

export interface ConnectionToken {
  readonly id: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly status: TokenStatus;
}

export type Dialect = string;
export type DeprovisionPolicy = 'delete' | 'suspend';

export interface ConnectionSettings {
  readonly dialect: Dialect;
  readonly deprovisionPolicy: DeprovisionPolicy;
  readonly retentionDays: number;
  readonly linkLocalUsers: boolean;
  /** Requests per second; null follows the server's default. */
  readonly rateLimit: number | null;
}

export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly scimBaseUrl: string;
  readonly settings: ConnectionSettings;
  readonly tokens: readonly ConnectionToken[];
}

export interface Connections {
  readonly items: readonly Connection[];
  readonly scimBaseUrl: string;
}

export interface LogEntry {
  readonly id: string;
  readonly at: string;
  readonly connectionId: string | null;
  readonly connectionName: string | null;
  readonly method: string;
  readonly path: string;
  readonly query: string | null;
  readonly status: number;
  readonly scimType: string | null;
  readonly durationMs: number;
  readonly resourceType: string | null;
  readonly resourceIds: readonly string[] | null;
  readonly errorDetail: string | null;
  readonly dialect: string | null;
  readonly normalizations: readonly string[] | null;
  readonly userAgent: string | null;
}

export interface LogEntryDetail extends LogEntry {
  readonly requestBody: unknown;
}

export interface LogPage {
  readonly items: readonly LogEntry[];
  readonly next: string | null;
}

export interface ChangeEvent {
  readonly seq: number;
  readonly type: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly actor: string;
  readonly occurredAt: string;
  readonly summary: unknown;
}

export interface EventPage {
  readonly items: readonly ChangeEvent[];
  readonly lastSeq: number | null;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface Overview {
  readonly users: number;
  readonly groups: number;
  readonly connections: number;
  readonly failedRequests24h: number;
  readonly scimBaseUrl: string;
}

export interface SessionUser {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly role: Role | null;
}

export interface Session {
  readonly user: SessionUser;
  readonly csrfToken: string;
}
