import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  EmptyState,
  Grid,
  Group,
  Skeleton,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import {
  IconActivity,
  IconAlertTriangle,
  IconChevronDown,
  IconChevronRight,
  IconHistory,
  IconKey,
  IconPlugConnected,
  IconUser,
  IconUsersGroup,
} from '@tabler/icons-react';
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { api } from '../api';
import { HttpStatusBadge } from '../components/badges';
import { ErrorAlert } from '../components/ErrorAlert';
import { ConnectionFilter } from '../components/filters';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows, TableMessageRow } from '../components/table';
import { TimeAgo, formatDateTime } from '../components/TimeAgo';
import {
  EventSummary,
  EventTypeBadge,
  ResourceName,
  shortId,
  summaryText,
  useActorName,
} from '../events';
import type { ChangeEvent, LogEntry } from '../types';
import { useUrlState } from '../url-state';

/** How often the open page asks for new entries. */
const LIVE_MS = 3000;
const LOG_PAGE = 50;
const EVENT_PAGE = 100;

export function ActivityPage() {
  const url = useUrlState();
  const tab = url.get('tab') === 'changes' ? 'changes' : 'log';
  const [live, setLive] = useState(true);
  return (
    <>
      <PageHeader
        title="Activity"
        description="Every SCIM request the identity providers sent, and every change to the directory, newest first."
        actions={
          <Group gap="xs">
            {live && (
              <Badge color="teal" variant="dot" size="lg" aria-hidden>
                Live
              </Badge>
            )}
            <Switch
              label="Live updates"
              checked={live}
              onChange={(event) => setLive(event.currentTarget.checked)}
            />
          </Group>
        }
      />
      <Tabs
        value={tab}
        onChange={(value) => url.set({ tab: value === 'changes' ? 'changes' : null, failed: null })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="log" leftSection={<IconActivity size={16} aria-hidden />}>
            Provisioning log
          </Tabs.Tab>
          <Tabs.Tab value="changes" leftSection={<IconHistory size={16} aria-hidden />}>
            Change feed
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="log">
          <ProvisioningLog live={live} />
        </Tabs.Panel>
        <Tabs.Panel value="changes">
          <ChangeFeed live={live} />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function ResourceFilter({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setText(value);
  }
  const debounced = useDebouncedCallback((next: string) => onChange(next.trim()), 400);
  return (
    <TextInput
      aria-label="Resource ID"
      placeholder="Resource ID (user or group)"
      w={300}
      value={text}
      onChange={(event) => {
        setText(event.currentTarget.value);
        debounced(event.currentTarget.value);
      }}
    />
  );
}

function ProvisioningLog({ live }: { live: boolean }) {
  const url = useUrlState();
  const connection = url.get('connection');
  const failed = url.get('failed') === '1';
  const resource = url.get('resource');
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const log = useInfiniteQuery({
    queryKey: ['provisioning-log', { connection, failed, resource }],
    queryFn: ({ pageParam, signal }) =>
      api.provisioningLog.list(
        {
          connection,
          failed: failed || undefined,
          resource,
          before: pageParam ?? undefined,
          limit: LOG_PAGE,
        },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next,
    refetchInterval: live ? LIVE_MS : false,
    placeholderData: keepPreviousData,
  });
  const entries = log.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = Boolean(connection || failed || resource);
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const COLUMNS = 7;

  return (
    <Card withBorder radius="md" padding="md">
      <Group gap="sm" mb="md">
        <ConnectionFilter value={connection} onChange={(next) => url.set({ connection: next })} />
        <Switch
          label="Failed only"
          checked={failed}
          onChange={(event) => url.set({ failed: event.currentTarget.checked ? '1' : null })}
          color="red"
        />
        <ResourceFilter value={resource} onChange={(next) => url.set({ resource: next })} />
      </Group>
      {log.isError && !log.data ? (
        <ErrorAlert
          error={log.error}
          title="Could not load the provisioning log"
          onRetry={() => void log.refetch()}
        />
      ) : (
        <Table.ScrollContainer minWidth={960}>
          <Table className="gh-table" aria-label="Provisioning log" highlightOnHover>
            <colgroup>
              <col style={{ width: 48 }} />
              <col style={{ width: 140 }} />
              <col style={{ width: 120 }} />
              <col />
              <col style={{ width: 80 }} />
              <col style={{ width: '26%' }} />
              <col style={{ width: 96 }} />
            </colgroup>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>
                  <VisuallyHidden>Details</VisuallyHidden>
                </Table.Th>
                <Table.Th>Time</Table.Th>
                <Table.Th>Connection</Table.Th>
                <Table.Th>Request</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Duration</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {log.isPending ? (
                <SkeletonRows columns={COLUMNS} rows={10} />
              ) : entries.length === 0 ? (
                <TableMessageRow columns={COLUMNS}>
                  <EmptyState
                    py="xl"
                    icon={<IconActivity size={28} aria-hidden />}
                    withIndicatorBackground
                    title={filtered ? 'No request matches' : 'No SCIM request yet'}
                    description={
                      filtered
                        ? 'Clear the filters to see every request.'
                        : "Requests appear here as soon as an identity provider sends them: Okta's “Test Connector Configuration” and Entra ID's “Test Connection” are the first ones."
                    }
                  >
                    <EmptyState.Actions>
                      {filtered ? (
                        <Button
                          variant="default"
                          onClick={() =>
                            url.set({ connection: null, failed: null, resource: null })
                          }
                        >
                          Clear filters
                        </Button>
                      ) : (
                        <Button component={Link} to="/provisioning" variant="default">
                          Set up provisioning
                        </Button>
                      )}
                    </EmptyState.Actions>
                  </EmptyState>
                </TableMessageRow>
              ) : (
                entries.map((entry) => (
                  <LogRow
                    key={entry.id}
                    entry={entry}
                    expanded={expanded.has(entry.id)}
                    onToggle={() => toggle(entry.id)}
                    columns={COLUMNS}
                  />
                ))
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {log.hasNextPage && (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            onClick={() => void log.fetchNextPage()}
            loading={log.isFetchingNextPage}
          >
            Show older requests
          </Button>
        </Group>
      )}
    </Card>
  );
}

function LogRow({
  entry,
  expanded,
  onToggle,
  columns,
}: {
  entry: LogEntry;
  expanded: boolean;
  onToggle: () => void;
  columns: number;
}) {
  const failed = entry.status >= 400;
  const request = `${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ''}`;
  return (
    <Fragment>
      <Table.Tr
        className={`gh-row-clickable${failed ? ' gh-row-failed' : ''}`}
        data-failed={failed || undefined}
        onClick={(event) => {
          if ((event.target as HTMLElement).closest('button, a')) return;
          onToggle();
        }}
      >
        <Table.Td>
          <ActionIcon
            variant="subtle"
            color="gray"
            size="sm"
            onClick={onToggle}
            aria-expanded={expanded}
            aria-label={`${expanded ? 'Hide' : 'Show'} details of ${entry.method} ${entry.path}`}
          >
            {expanded ? (
              <IconChevronDown size={16} aria-hidden />
            ) : (
              <IconChevronRight size={16} aria-hidden />
            )}
          </ActionIcon>
        </Table.Td>
        <Table.Td>
          <TimeAgo value={entry.at} />
        </Table.Td>
        <Table.Td>
          <Text size="sm" truncate>
            {entry.connectionName ?? (
              <Text span c="dimmed" size="sm">
                Unknown token
              </Text>
            )}
          </Text>
        </Table.Td>
        <Table.Td>
          <Text size="sm" ff="monospace" truncate title={request}>
            <b>{entry.method}</b> {entry.path}
            {entry.query ? (
              <Text span c="dimmed" ff="monospace" size="sm">
                ?{entry.query}
              </Text>
            ) : null}
          </Text>
        </Table.Td>
        <Table.Td>
          <HttpStatusBadge status={entry.status} />
        </Table.Td>
        <Table.Td>
          {failed ? (
            <Group gap={6} wrap="nowrap">
              <IconAlertTriangle
                size={14}
                color="var(--mantine-color-red-8)"
                aria-hidden
                style={{ flexShrink: 0 }}
              />
              <Text size="sm" c="red.9" truncate title={entry.errorDetail ?? undefined}>
                {entry.scimType ? <b>{entry.scimType}: </b> : null}
                {entry.errorDetail ?? 'Failed'}
              </Text>
            </Group>
          ) : (
            <Text size="sm" c="dimmed" truncate>
              {resultText(entry)}
            </Text>
          )}
        </Table.Td>
        <Table.Td style={{ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>
          <Text size="sm">{formatDuration(entry.durationMs)}</Text>
        </Table.Td>
      </Table.Tr>
      {expanded && (
        <Table.Tr className={failed ? 'gh-row-failed' : undefined}>
          <Table.Td colSpan={columns} style={{ whiteSpace: 'normal' }}>
            <LogDetail entry={entry} />
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}

function formatDuration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** What a successful request did, in a few words. */
function resultText(entry: LogEntry): string {
  const ids = entry.resourceIds ?? [];
  const what = entry.resourceType ?? 'resource';
  if (entry.method === 'GET' || entry.path.endsWith('/.search')) {
    return entry.path.match(/\/(Users|Groups)\/[^/]+$/) ? `Read ${what.toLowerCase()}` : 'Query';
  }
  const verb =
    entry.method === 'POST'
      ? 'Created'
      : entry.method === 'DELETE'
        ? 'Deleted'
        : entry.method === 'PUT'
          ? 'Replaced'
          : 'Updated';
  return ids.length > 1 ? `${verb} ${ids.length} resources` : `${verb} ${what.toLowerCase()}`;
}

function DetailItem({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" fw={700} c="dimmed" mb={2}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

function LogDetail({ entry }: { entry: LogEntry }) {
  const detail = useQuery({
    queryKey: ['provisioning-log', 'entry', entry.id],
    queryFn: ({ signal }) => api.provisioningLog.get(entry.id, signal),
    staleTime: Infinity,
  });
  const body = detail.data?.requestBody;
  return (
    <Grid gap="lg" py="xs" px="xs">
      <Grid.Col span={{ base: 12, lg: 5 }}>
        <Stack gap="sm">
          {entry.status >= 400 && (
            <DetailItem label="Error">
              <Text size="sm" c="red.9" style={{ whiteSpace: 'pre-wrap' }}>
                {entry.scimType ? `${entry.scimType}: ` : ''}
                {entry.errorDetail ?? `HTTP ${entry.status}`}
              </Text>
            </DetailItem>
          )}
          <DetailItem label="Request">
            <Code>{`${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ''}`}</Code>
          </DetailItem>
          <DetailItem label="Time">{formatDateTime(entry.at)}</DetailItem>
          {entry.resourceIds && entry.resourceIds.length > 0 && (
            <DetailItem label="Resources">
              <Group gap={6}>
                {entry.resourceIds.map((id) => (
                  <Anchor
                    key={id}
                    component={Link}
                    to={entry.resourceType === 'Group' ? `/groups/${id}` : `/users/${id}`}
                    size="sm"
                    ff="monospace"
                  >
                    {id}
                  </Anchor>
                ))}
              </Group>
            </DetailItem>
          )}
          <DetailItem label="Client">
            {entry.dialect ? (
              <Badge variant="light" color="gray">{`dialect: ${entry.dialect}`}</Badge>
            ) : null}{' '}
            {entry.userAgent ?? (
              <Text span c="dimmed" size="sm">
                No User-Agent
              </Text>
            )}
          </DetailItem>
          {entry.normalizations && entry.normalizations.length > 0 && (
            <DetailItem label="Normalizations applied">
              <Group gap={4}>
                {entry.normalizations.map((name) => (
                  <Badge key={name} variant="outline" color="gray" ff="monospace" fw={500}>
                    {name}
                  </Badge>
                ))}
              </Group>
            </DetailItem>
          )}
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 7 }}>
        <DetailItem label="Request body (secrets redacted)">
          {detail.isPending ? (
            <Skeleton h={120} />
          ) : detail.isError ? (
            <ErrorAlert error={detail.error} title="Could not load the request" />
          ) : body === null || body === undefined || body === '' ? (
            <Text size="sm" c="dimmed">
              No body
            </Text>
          ) : (
            <Code
              block
              className="gh-pre"
              fz="xs"
              // It scrolls: keyboard users reach it with Tab.
              tabIndex={0}
              role="region"
              aria-label={`Request body of ${entry.method} ${entry.path}`}
            >
              {typeof body === 'string' ? prettyJson(body) : JSON.stringify(body, null, 2)}
            </Code>
          )}
        </DetailItem>
      </Grid.Col>
    </Grid>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The name the summary gives, else the resource's name looked up by id. */
function EventSubject({ event }: { event: ChangeEvent }) {
  const summary = (event.summary ?? {}) as Record<string, unknown>;
  const name = summary.userName ?? summary.displayName ?? summary.name;
  if (typeof name === 'string') return <>{name}</>;
  if (/deleted|deprovisioned/.test(event.type)) return <>{shortId(event.resourceId)}</>;
  return <ResourceName type={event.resourceType} id={event.resourceId} />;
}

function ResourceIcon({ type }: { type: string }) {
  const Icon =
    type === 'Group'
      ? IconUsersGroup
      : type === 'Connection'
        ? IconPlugConnected
        : type === 'ApiKey'
          ? IconKey
          : IconUser;
  return (
    <Tooltip label={type}>
      <Icon
        size={16}
        aria-label={type}
        role="img"
        style={{ flexShrink: 0, color: 'var(--mantine-color-dimmed)' }}
      />
    </Tooltip>
  );
}

function ChangeFeed({ live }: { live: boolean }) {
  const url = useUrlState();
  const resource = url.get('resource');
  const actorName = useActorName();
  const events = useInfiniteQuery({
    queryKey: ['events', { resource }],
    queryFn: ({ pageParam, signal }) =>
      api.events.list(
        { order: 'desc', limit: EVENT_PAGE, resource, before: pageParam ?? undefined },
        signal,
      ),
    initialPageParam: null as number | null,
    // Newest first: the next page is what came before the lowest sequence number seen.
    getNextPageParam: (page) =>
      page.items.length === EVENT_PAGE ? Math.min(...page.items.map((event) => event.seq)) : null,
    refetchInterval: live ? LIVE_MS : false,
    placeholderData: keepPreviousData,
  });
  const COLUMNS = 6;
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Card withBorder radius="md" padding="md">
      <Group gap="sm" mb="md" justify="space-between">
        <ResourceFilter value={resource} onChange={(next) => url.set({ resource: next })} />
        <Text size="sm" c="dimmed">
          Services follow this feed with <Code>GET /api/v1/events?after=&lt;seq&gt;</Code>
        </Text>
      </Group>
      {events.isError && !events.data ? (
        <ErrorAlert
          error={events.error}
          title="Could not load the change feed"
          onRetry={() => void events.refetch()}
        />
      ) : (
        <Table.ScrollContainer minWidth={960}>
          <Table className="gh-table" aria-label="Change feed">
            <colgroup>
              <col style={{ width: 64 }} />
              <col style={{ width: 130 }} />
              <col style={{ width: 210 }} />
              <col style={{ width: '24%' }} />
              <col style={{ width: '18%' }} />
              <col />
            </colgroup>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Seq</Table.Th>
                <Table.Th>Time</Table.Th>
                <Table.Th>Event</Table.Th>
                <Table.Th>Resource</Table.Th>
                <Table.Th>Actor</Table.Th>
                <Table.Th>Summary</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.isPending ? (
                <SkeletonRows columns={COLUMNS} rows={10} />
              ) : items.length === 0 ? (
                <TableMessageRow columns={COLUMNS}>
                  <EmptyState
                    py="xl"
                    icon={<IconHistory size={28} aria-hidden />}
                    withIndicatorBackground
                    title={resource ? 'No change to this resource' : 'No change yet'}
                    description="Every write to users, groups and memberships lands here, from the identity providers, the console and the CLI."
                  />
                </TableMessageRow>
              ) : (
                items.map((event) => {
                  const to =
                    event.resourceType.toLowerCase() === 'group'
                      ? `/groups/${event.resourceId}`
                      : event.resourceType.toLowerCase() === 'user'
                        ? `/users/${event.resourceId}`
                        : null;
                  const summary = summaryText(event.summary);
                  return (
                    <Table.Tr key={event.seq}>
                      <Table.Td>
                        <Text size="sm" ff="monospace" c="dimmed">
                          {event.seq}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <TimeAgo value={event.occurredAt} />
                      </Table.Td>
                      <Table.Td>
                        <EventTypeBadge type={event.type} />
                      </Table.Td>
                      <Table.Td>
                        <Group gap={6} wrap="nowrap" miw={0}>
                          <ResourceIcon type={event.resourceType} />
                          {to && !/deleted|deprovisioned/.test(event.type) ? (
                            <Anchor
                              component={Link}
                              to={to}
                              size="sm"
                              truncate
                              title={event.resourceId}
                            >
                              <EventSubject event={event} />
                            </Anchor>
                          ) : (
                            <Text size="sm" truncate title={event.resourceId}>
                              <EventSubject event={event} />
                            </Text>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" truncate>
                          {actorName(event.actor)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" truncate title={summary}>
                          <EventSummary summary={event.summary} />
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {events.hasNextPage && (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            onClick={() => void events.fetchNextPage()}
            loading={events.isFetchingNextPage}
          >
            Show older changes
          </Button>
        </Group>
      )}
    </Card>
  );
}
