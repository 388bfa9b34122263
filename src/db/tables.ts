/** Table types of the Gatehouse database: one definition for SQLite and PostgreSQL. */
import type { Generated, Insertable, Selectable } from 'kysely';

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
}

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
}

export interface EventTable {
  seq: Generated<number>;
  type: string;
  resource_type: string;
  resource_id: string;
  actor: string;
  occurred_at: string;
  summary: string;
}

export interface Database {
  connections: ConnectionTable;
  connection_tokens: ConnectionTokenTable;
  users: UserTable;
  user_emails: UserEmailTable;
  groups: GroupTable;
  memberships: MembershipTable;
  events: EventTable;
}

export type UserRow = Selectable<UserTable>;
export type GroupRow = Selectable<GroupTable>;
export type MembershipRow = Selectable<MembershipTable>;
export type ConnectionRow = Selectable<ConnectionTable>;
export type ConnectionTokenRow = Selectable<ConnectionTokenTable>;
export type EventRow = Selectable<EventTable>;
export type NewEvent = Insertable<EventTable>;
