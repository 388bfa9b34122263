/**
 * What the admin API answers (docs/admin-api.md, "Resources"), mapped from rows in one place.
 * Times are ISO 8601 UTC strings; `connection` is the owning connection of an IDP resource.
 */
import type { Event } from '../changes/events.ts';
import type { GroupRow, MemberType, Origin, Role, UserRow } from '../db/tables.ts';
import { parseData, primaryEmailOf } from '../directory/user.repository.ts';
import type { UserGroup } from '../directory/user.repository.ts';
import type { ConnectionSummary } from '../provisioning/connection.service.ts';
import type { LoggedRequest } from '../provisioning/provisioning-log.ts';
import type { ApiKey } from './api-keys.service.ts';

export interface ConnectionRef {
  readonly id: string;
  readonly name: string;
}

export interface UserResponse {
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

/** A group the user is in, with the connection behind a direct IDP membership. */
export interface UserGroupResponse {
  readonly id: string;
  readonly displayName: string;
  readonly type: UserGroup['type'];
  readonly origin: Origin | null;
  readonly connection: ConnectionRef | null;
  /** For a direct membership: the mappings that hold it, the IdP's first (empty if indirect). */
  readonly mappings: readonly Origin[];
}

export interface UserDetailResponse extends UserResponse {
  readonly externalId: string | null;
  readonly groups: readonly UserGroupResponse[];
  /** The user's SCIM representation, as an identity provider reads it. */
  readonly scim: Record<string, unknown>;
}

export interface GroupResponse {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly origin: Origin;
  readonly connection: ConnectionRef | null;
  readonly memberCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface MemberResponse {
  readonly id: string;
  readonly type: MemberType;
  /** The member's userName, or a group's displayName. */
  readonly name: string;
  readonly displayName: string | null;
  readonly email: string | null;
  /** Null for a group member. */
  readonly active: boolean | null;
  /** IDP while the identity provider maps the membership, else LOCAL. */
  readonly membershipOrigin: Origin;
  /** The mappings that hold the membership, the IdP's first: `['IDP']`, `['LOCAL']` or both. */
  readonly mappings: readonly Origin[];
  /** The connection behind the IDP mapping, else null. */
  readonly connection: ConnectionRef | null;
  readonly memberOrigin: Origin;
}

export interface ConnectionResponse {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly scimBaseUrl: string;
  readonly settings: ConnectionSummary['settings'];
  readonly tokens: ConnectionSummary['tokens'];
}

export type LogEntryResponse = Omit<LoggedRequest, 'requestBody'>;

function ref(id: string | null, name: string | null | undefined): ConnectionRef | null {
  return id === null ? null : { id, name: name ?? id };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export interface UserRowWithExtras extends UserRow {
  readonly connection_name: string | null;
  readonly role: Role | null;
  readonly group_count: number | string;
}

export function userResponse(row: UserRowWithExtras): UserResponse {
  const data = parseData(row.data);
  const name = (data.name ?? {}) as Record<string, unknown>;
  return {
    id: row.id,
    userName: row.user_name,
    displayName: text(data.displayName),
    givenName: text(name.givenName),
    familyName: text(name.familyName),
    email: primaryEmailOf(data),
    origin: row.origin,
    connection: ref(row.connection_id, row.connection_name),
    active: Boolean(row.active),
    role: row.role,
    groupCount: Number(row.group_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface GroupRowWithExtras extends GroupRow {
  readonly connection_name: string | null;
  readonly member_count: number | string;
}

export function groupResponse(row: GroupRowWithExtras): GroupResponse {
  return {
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    origin: row.origin,
    connection: ref(row.connection_id, row.connection_name),
    memberCount: Number(row.member_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface MemberRow {
  readonly member_id: string;
  readonly member_type: MemberType;
  readonly origin: Origin;
  readonly connection_id: string | null;
  readonly local_mapping: number;
  readonly connection_name: string | null;
  readonly user_name: string | null;
  readonly user_data: unknown;
  readonly user_active: number | null;
  readonly user_origin: Origin | null;
  readonly group_name: string | null;
  readonly group_origin: Origin | null;
}

export function memberResponse(row: MemberRow): MemberResponse {
  const data = row.user_data === null ? undefined : parseData(row.user_data);
  return {
    id: row.member_id,
    type: row.member_type,
    name: row.user_name ?? row.group_name ?? '',
    displayName: data ? text(data.displayName) : row.group_name,
    email: data ? primaryEmailOf(data) : null,
    active: row.member_type === 'User' ? Boolean(row.user_active) : null,
    membershipOrigin: row.origin,
    mappings: mappingsOf(row.origin, Number(row.local_mapping) === 1),
    connection: ref(row.connection_id, row.connection_name),
    memberOrigin: row.user_origin ?? row.group_origin ?? 'LOCAL',
  };
}

/**
 * The mappings that hold a membership: the identity provider's (when `origin` is IDP) and the
 * LOCAL one (console or CLI), the IdP's first.
 */
export function mappingsOf(origin: Origin, localMapping: boolean): Origin[] {
  return origin === 'IDP' ? (localMapping ? ['IDP', 'LOCAL'] : ['IDP']) : ['LOCAL'];
}

export function connectionResponse(
  connection: ConnectionSummary,
  scimBaseUrl: string,
): ConnectionResponse {
  return {
    id: connection.id,
    name: connection.name,
    createdAt: connection.createdAt,
    lastUsedAt: connection.lastUsedAt,
    scimBaseUrl,
    settings: connection.settings,
    tokens: connection.tokens,
  };
}

export function logEntryResponse(entry: LoggedRequest): LogEntryResponse {
  const { requestBody: _body, ...rest } = entry;
  return rest;
}

export type EventResponse = Event;
export type ApiKeyResponse = ApiKey;
