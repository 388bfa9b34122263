/** Table types of the Gatehouse database: one definition for SQLite and PostgreSQL. */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type Origin = 'IDP' | 'LOCAL';
export type MemberType = 'User' | 'Group';

/**
 * Timestamps are ISO 8601 strings in UTC with milliseconds (`Date#toISOString`): they sort and
 * compare as text identically on both databases. Booleans are 0/1 integers for the same reason.
 * `data` is the resource's SCIM representation (see src/scim/resource.ts): TEXT on SQLite,
 * JSONB on PostgreSQL.
 */
export interface ConnectionTable {
  id: string;
  name: string;
  name_lc: string;
  created_at: string;
  last_used_at: string | null;
  /** The client profile: `auto` (detected per request) or a profile name (src/scim/dialects.ts). */
  dialect: string;
  /** What `active=false` from this connection does: `delete` (leave the platform) or `suspend`. */
  deprovision_policy: DeprovisionPolicy;
  /** Days a deprovisioned user is kept, restorable, before it is purged. */
  retention_days: number;
  /** 1: a create or write to a LOCAL user of the same userName links it (see the README). */
  link_local_users: number;
  /** Requests per second, or null for the server's default. */
  rate_limit: number | null;
}

export type DeprovisionPolicy = 'delete' | 'suspend';
export type Role = 'admin' | 'viewer';

export interface ConnectionTokenTable {
  id: string;
  connection_id: string;
  /** SHA-256 of the whole token, hex. The token itself is never stored. */
  token_hash: string;
  /** The first characters of the token, to recognise it in lists. */
  prefix: string;
  created_at: string;
  /** Set when a rotation leaves this token a grace period, or at revocation. */
  expires_at: string | null;
  last_used_at: string | null;
}

interface ResourceColumns {
  id: string;
  external_id: string | null;
  origin: Origin;
  connection_id: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  data: unknown;
}

export interface UserTable extends ResourceColumns {
  user_name: string;
  /** `userName` lower-cased: unique, and what filters and sorting use (caseExact false). */
  user_name_lc: string;
  display_name_lc: string | null;
  active: number;
  /** Set while a deprovisioned user waits out its retention window (hidden from the platform). */
  deprovisioned_at: string | null;
  /** The primary (else first) email, lower-cased: what the console sorts by. */
  email_lc: string | null;
  /**
   * userName, displayName, given and family name and every email, lower-cased, one per line:
   * what the console's search matches a substring of, from an index rather than the JSON.
   */
  search_lc: string;
}

export interface UserEmailTable {
  user_id: string;
  value_lc: string;
  type: string | null;
  is_primary: number;
}

export interface GroupTable extends ResourceColumns {
  display_name: string;
  display_name_lc: string;
}

export interface MembershipTable {
  group_id: string;
  member_id: string;
  member_type: MemberType;
  origin: Origin;
  connection_id: string | null;
  created_at: string;
  /** The member's userName or displayName, lower-cased: the order of a group's member list. */
  member_name_lc: string;
  /**
   * 1 when a LOCAL mapping (the console's or the CLI's) holds the membership, beside the
   * identity provider's when `origin` is IDP; always 1 when `origin` is LOCAL.
   */
  local_mapping: ColumnType<number, number | undefined, number>;
}

export interface EventTable {
  seq: Generated<number>;
  type: string;
  resource_type: string;
  resource_id: string;
  actor: string;
  occurred_at: string;
  summary: string;
  /** A second resource the change involves: the member of a membership change. */
  related_id: string | null;
}

export interface UserRoleTable {
  user_id: string;
  role: Role;
  granted_at: string;
  granted_by: string;
}

/** One SCIM request, as recorded for admins (src/provisioning/provisioning-log.ts). */
export interface ProvisioningLogTable {
  /** A UUIDv7: sorts by time. */
  id: string;
  at: string;
  connection_id: string | null;
  connection_name: string | null;
  method: string;
  path: string;
  query: string | null;
  status: number;
  scim_type: string | null;
  duration_ms: number;
  resource_type: string | null;
  /** JSON array of the ids the request touched. */
  resource_ids: string;
  /** The request body as JSON, secrets redacted, truncated when large. */
  request_body: string | null;
  error_detail: string | null;
  dialect: string | null;
  /** JSON array of the dialect normalisations applied to the request. */
  normalizations: string;
  user_agent: string | null;
}

/** A console password (argon2id). Who may sign in is decided by the role, not by this row. */
export interface UserCredentialTable {
  user_id: string;
  /** The PHC string of an argon2id hash. The password itself is never stored. */
  password_hash: string;
  updated_at: string;
}

/** A console session. The cookie holds a random value; the row is found by its SHA-256. */
export interface SessionTable {
  /** SHA-256 of the cookie's value, hex. */
  id: string;
  user_id: string;
  /** Sent back in `X-CSRF-Token` with every state-changing request of the session. */
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  user_agent: string | null;
  address: string | null;
}

/** A key for scripts calling the admin API (`gh_api_…`), stored as its SHA-256. */
export interface ApiKeyTable {
  id: string;
  name: string;
  /** The first characters of the key, to recognise it in lists. */
  prefix: string;
  /** SHA-256 of the whole key, hex. */
  key_hash: string;
  role: Role;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A one-time link to create the first administrator, printed at start while none exists. */
export interface SetupTokenTable {
  /** SHA-256 of the token, hex. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface Database {
  connections: ConnectionTable;
  connection_tokens: ConnectionTokenTable;
  users: UserTable;
  user_emails: UserEmailTable;
  groups: GroupTable;
  memberships: MembershipTable;
  events: EventTable;
  user_roles: UserRoleTable;
  provisioning_log: ProvisioningLogTable;
  user_credentials: UserCredentialTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  setup_tokens: SetupTokenTable;
}

export type UserRow = Selectable<UserTable>;
export type GroupRow = Selectable<GroupTable>;
export type MembershipRow = Selectable<MembershipTable>;
export type ConnectionRow = Selectable<ConnectionTable>;
export type ConnectionTokenRow = Selectable<ConnectionTokenTable>;
export type EventRow = Selectable<EventTable>;
export type NewEvent = Insertable<EventTable>;
export type UserRoleRow = Selectable<UserRoleTable>;
export type ProvisioningLogRow = Selectable<ProvisioningLogTable>;
export type SessionRow = Selectable<SessionTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
