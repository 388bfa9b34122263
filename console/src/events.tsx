import { Badge } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from './api';
import type { ChangeEvent } from './types';

const EVENT_LABELS: Record<string, string> = {
  'user.created': 'User created',
  'user.updated': 'User updated',
  'user.deleted': 'User deleted',
  'user.deprovisioned': 'User deprovisioned',
  'user.restored': 'User restored',
  'user.linked': 'User linked to the IdP',
  'user.role_granted': 'Console role granted',
  'user.role_revoked': 'Console role revoked',
  'user.password_changed': 'Password changed',
  'group.created': 'Group created',
  'group.updated': 'Group updated',
  'group.linked': 'Group linked to the IdP',
  'group.deleted': 'Group deleted',
  'group.member_added': 'Member added',
  'group.member_removed': 'Member removed',
  'group.membership_updated': 'Membership mapping changed',
  'connection.created': 'Connection created',
  'connection.updated': 'Connection rules changed',
  'connection.deleted': 'Connection deleted',
  'connection.token_rotated': 'Token rotated',
  'connection.token_revoked': 'Tokens revoked',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
};

export function eventLabel(type: string): string {
  if (EVENT_LABELS[type]) return EVENT_LABELS[type];
  const [resource = '', action = type] = type.split('.');
  const words = action.replace(/_/g, ' ');
  return `${resource.charAt(0).toUpperCase()}${resource.slice(1)} ${words}`.trim();
}

export function eventColor(type: string): string {
  if (/deleted|deprovisioned|removed|revoked/.test(type)) return 'red';
  if (/created|added|restored|granted/.test(type)) return 'teal';
  if (/linked/.test(type)) return 'blue';
  return 'gray';
}

export function EventTypeBadge({ type }: { type: string }) {
  return (
    <Badge color={eventColor(type)} variant="light" ff="monospace" fw={500}>
      {type}
    </Badge>
  );
}

const SUMMARY_LABELS: Record<string, string> = {
  changed: 'changed',
  origin: 'origin',
  previousOrigin: 'was',
  role: 'role',
  purgeAfter: 'purged after',
  graceSeconds: 'grace (s)',
};

/** UUIDv7 ids share their leading (time) digits: their end tells them apart. */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

/** The change's summary in one line, without the resource's name (the Resource column has it). */
export function summaryText(summary: unknown): string {
  if (summary === null || summary === undefined) return '';
  if (typeof summary === 'string') return summary;
  if (typeof summary !== 'object') return String(summary);
  const record = summary as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof record.memberId === 'string') {
    const type = typeof record.memberType === 'string' ? record.memberType.toLowerCase() : 'member';
    parts.push(`${type} ${shortId(record.memberId)}`);
  }
  // group.membership_updated: which mapping came or went.
  if (typeof record.mapping === 'string' && typeof record.change === 'string') {
    parts.push(`${record.mapping} mapping ${record.change}`);
  }
  for (const [key, value] of Object.entries(record)) {
    if (['userName', 'displayName', 'name', 'memberId', 'memberType'].includes(key)) continue;
    if (key === 'mapping' || key === 'change') continue;
    if (value === null || value === undefined || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    const label = SUMMARY_LABELS[key] ?? key;
    const text = Array.isArray(value)
      ? value.join(', ')
      : typeof value === 'object'
        ? JSON.stringify(value)
        : key === 'purgeAfter' && typeof value === 'string'
          ? new Date(value).toLocaleDateString()
          : String(value);
    parts.push(`${label}: ${text}`);
  }
  return parts.join(' · ');
}

/** Names the actor of a change: a SCIM connection by its name, the CLI, a console user. */
export function useActorName(): (actor: string) => string {
  const connections = useQuery({
    queryKey: ['connections'],
    queryFn: ({ signal }) => api.connections.list(signal),
    staleTime: 60_000,
  });
  return (actor: string) => {
    // `connection:<id>`, `local:cli`, `local:user:<userName>`, `local:api-key:<name>`.
    const [kind = '', rest = ''] = actor.split(/:(.*)/s);
    if (kind === 'connection') {
      const name = connections.data?.items.find((connection) => connection.id === rest)?.name;
      return name ? `${name} (SCIM)` : 'SCIM connection';
    }
    if (kind !== 'local') return actor;
    const [who = '', name = ''] = rest.split(/:(.*)/s);
    if (who === 'cli') return 'CLI';
    if (who === 'user') return `${name} (console)`;
    if (who === 'api-key') return `API key ${name}`;
    return rest || actor;
  };
}

/**
 * A user's or group's name, looked up by id when the change feed's summary does not carry it
 * (a membership names its member by id). Shares the detail pages' cache; a resource that is
 * gone (deleted, deprovisioned) keeps its short id.
 */
export function ResourceName({ type, id }: { type: string; id: string }) {
  const kind = type.toLowerCase();
  const user = useQuery({
    queryKey: ['user', id],
    queryFn: ({ signal }) => api.users.get(id, signal),
    enabled: kind === 'user',
    staleTime: 60_000,
    retry: false,
  });
  const group = useQuery({
    queryKey: ['group', id],
    queryFn: ({ signal }) => api.groups.get(id, signal),
    enabled: kind === 'group',
    staleTime: 60_000,
    retry: false,
  });
  const name =
    kind === 'user' ? user.data?.userName : kind === 'group' ? group.data?.displayName : undefined;
  return <>{name ?? shortId(id)}</>;
}

/** The summary of a change, naming the member of a membership change. */
export function EventSummary({ summary }: { summary: unknown }) {
  const record = (summary ?? {}) as Record<string, unknown>;
  const rest = summaryText(summary);
  if (typeof record.memberId !== 'string') return <>{rest}</>;
  const type = typeof record.memberType === 'string' ? record.memberType : 'User';
  const others = rest.split(' · ').slice(1).join(' · ');
  return (
    <>
      {type === 'Group' ? 'group ' : ''}
      <ResourceName type={type} id={record.memberId} />
      {others ? ` · ${others}` : ''}
    </>
  );
}

export type { ChangeEvent };
