import {
  Alert,
  Anchor,
  Button,
  Card,
  DataList,
  EmptyState,
  Grid,
  Group,
  Modal,
  PasswordInput,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconCloudComputing,
  IconEdit,
  IconHistory,
  IconKey,
  IconTrash,
  IconUsersGroup,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, fieldError } from '../api';
import { MappingBadges, OriginBadge, RoleBadge, StatusBadge } from '../components/badges';
import { OrphanedAlert } from '../components/OrphanedAlert';
import { ConfirmModal } from '../components/ConfirmModal';
import { CopyValue } from '../components/CopyValue';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageHeader } from '../components/PageHeader';
import { TimeAgo } from '../components/TimeAgo';
import { UserFormModal } from '../components/UserFormModal';
import {
  EventSummary,
  ResourceName,
  eventColor,
  eventLabel,
  summaryText,
  useActorName,
} from '../events';
import type { ChangeEvent } from '../types';
import { useCanWrite, useSession } from '../session';
import type { Role, UserDetail } from '../types';
import { NotFoundPage } from './NotFoundPage';

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel>{label}</DataList.ItemLabel>
      <DataList.ItemValue style={{ minWidth: 0 }}>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}

function Empty() {
  return (
    <Text span c="dimmed" size="sm">
      Not set
    </Text>
  );
}

export function UserDetailPage() {
  const { id = '' } = useParams();
  const user = useQuery({
    queryKey: ['user', id],
    queryFn: ({ signal }) => api.users.get(id, signal),
  });

  if (user.isError && user.error instanceof ApiError && user.error.status === 404) {
    return <NotFoundPage what="user" />;
  }
  if (user.isError) {
    return (
      <>
        <PageHeader title="User" crumbs={[{ label: 'Users', to: '/users' }]} />
        <ErrorAlert
          error={user.error}
          title="Could not load the user"
          onRetry={() => void user.refetch()}
        />
      </>
    );
  }
  if (!user.data) {
    return (
      <>
        <PageHeader
          title={<Skeleton h={28} w={280} />}
          crumbs={[{ label: 'Users', to: '/users' }]}
        />
        <Grid>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <Skeleton h={360} radius="md" />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <Skeleton h={360} radius="md" />
          </Grid.Col>
        </Grid>
      </>
    );
  }
  return <UserView user={user.data} />;
}

function UserView({ user }: { user: UserDetail }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const self = useSession().data?.user.id === user.id;
  // An identity provider's user whose connection was deleted is managed here, like a LOCAL one.
  const orphaned = user.origin === 'IDP' && user.connection === null;
  const local = user.origin === 'LOCAL' || orphaned;
  const [editing, edit] = useDisclosure();
  const [settingPassword, setPassword] = useDisclosure();
  const [deleting, del] = useDisclosure();
  const remove = useMutation({
    mutationFn: () => api.users.delete(user.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['users'] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
      queryClient.removeQueries({ queryKey: ['user', user.id] });
      void navigate('/users', { replace: true });
    },
  });
  const name = user.displayName || [user.givenName, user.familyName].filter(Boolean).join(' ');

  return (
    <>
      <PageHeader
        title={name || user.userName}
        crumbs={[{ label: 'Users', to: '/users' }]}
        badges={
          <Group gap={6} wrap="nowrap">
            <OriginBadge origin={user.origin} connection={user.connection} />
            <StatusBadge active={user.active} />
            <RoleBadge role={user.role} />
          </Group>
        }
        description={name ? user.userName : undefined}
        actions={
          canWrite &&
          local && (
            <>
              <Button
                variant="default"
                leftSection={<IconEdit size={16} aria-hidden />}
                onClick={edit.open}
              >
                Edit
              </Button>
              <Button
                variant="default"
                leftSection={<IconKey size={16} aria-hidden />}
                onClick={setPassword.open}
              >
                Set password
              </Button>
              <Button
                color="red"
                variant="outline"
                leftSection={<IconTrash size={16} aria-hidden />}
                onClick={del.open}
                disabled={self}
                title={self ? 'You cannot delete yourself' : undefined}
              >
                Delete
              </Button>
            </>
          )
        }
      />

      {orphaned && (
        <OrphanedAlert>
          An identity provider made this user, but its SCIM connection was deleted: Gatehouse
          manages the profile like a LOCAL user&apos;s. A connection that sends this user again
          takes them over.
        </OrphanedAlert>
      )}
      {!local && (
        <Alert
          color="blue"
          variant="light"
          mb="lg"
          icon={<IconCloudComputing size={18} aria-hidden />}
          title={`Managed by ${user.connection?.name ?? 'an identity provider'} — change it in the identity provider`}
        >
          <Text size="sm">
            The identity provider owns this user's profile and status: they are read-only here.
            Gatehouse can still add LOCAL group memberships and grant a console role.
          </Text>
        </Alert>
      )}

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack gap="lg">
            <Card withBorder radius="md" padding="lg">
              <Title order={2} fz="lg" mb="md">
                Profile
              </Title>
              <DataList labelWidth={130} withDivider>
                <Field label="Username">
                  <Text size="sm" fw={600}>
                    {user.userName}
                  </Text>
                </Field>
                <Field label="Display name">{user.displayName || <Empty />}</Field>
                <Field label="Given name">{user.givenName || <Empty />}</Field>
                <Field label="Family name">{user.familyName || <Empty />}</Field>
                <Field label="Email">{user.email || <Empty />}</Field>
                <Field label="Status">
                  <StatusBadge active={user.active} />
                </Field>
                <Field label="Origin">
                  <Group gap={8}>
                    <OriginBadge
                      origin={user.origin}
                      connection={user.connection}
                      withConnection={false}
                    />
                    {user.connection ? (
                      <Text size="sm">
                        owned by the connection{' '}
                        <Anchor
                          component={Link}
                          to="/provisioning"
                          size="sm"
                          fw={600}
                          underline="always"
                        >
                          {user.connection.name}
                        </Anchor>
                      </Text>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {orphaned ? 'its connection was deleted' : 'made in Gatehouse'}
                      </Text>
                    )}
                  </Group>
                </Field>
                {user.externalId && <Field label="External ID">{user.externalId}</Field>}
                <Field label="ID">
                  <CopyValue value={user.id} label="the user's ID" />
                </Field>
                <Field label="Created">
                  <TimeAgo value={user.createdAt} />
                </Field>
                <Field label="Updated">
                  <TimeAgo value={user.updatedAt} />
                </Field>
              </DataList>
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="lg">
            <UserGroups user={user} />
            <ConsoleAccess user={user} />
            <RecentChanges userId={user.id} />
          </Stack>
        </Grid.Col>
      </Grid>

      <UserFormModal opened={editing} onClose={edit.close} user={user} />
      <PasswordModal opened={settingPassword} onClose={setPassword.close} user={user} />
      <ConfirmModal
        opened={deleting}
        onClose={() => {
          remove.reset();
          del.close();
        }}
        title="Delete this user?"
        confirmLabel="Delete user"
        onConfirm={() => remove.mutate()}
        loading={remove.isPending}
        error={remove.error}
      >
        <Text size="sm">
          <b>{user.userName}</b> and their group memberships are deleted from the directory. The
          platform's services see a <code>user.deleted</code> event. This cannot be undone.
        </Text>
      </ConfirmModal>
    </>
  );
}

function ConsoleAccess({ user }: { user: UserDetail }) {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<Role | 'none' | null>(null);
  const setRole = useMutation({
    mutationFn: (role: Role | null) => api.users.setRole(user.id, role),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['user', user.id] });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      setPending(null);
    },
  });
  const describe = (role: Role | 'none') =>
    role === 'admin'
      ? 'Administrator: may change everything'
      : role === 'viewer'
        ? 'Viewer: may read everything, change nothing'
        : 'No console access';
  return (
    <Card withBorder radius="md" padding="lg">
      <Title order={2} fz="lg" mb={4}>
        Console access
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        {user.origin === 'IDP'
          ? 'An IdP user with a role will sign in through the identity provider once single sign-on (SAML) is set up; until then only LOCAL users sign in, with a password.'
          : 'A LOCAL user with a role signs in to this console with their password.'}
      </Text>
      {canWrite ? (
        <Select
          label="Console role"
          data={[
            { value: 'none', label: 'No access' },
            { value: 'viewer', label: 'Viewer (read only)' },
            { value: 'admin', label: 'Administrator' },
          ]}
          value={user.role ?? 'none'}
          allowDeselect={false}
          onChange={(value) =>
            value && value !== (user.role ?? 'none') && setPending(value as Role | 'none')
          }
          maw={280}
        />
      ) : (
        <Group gap="sm">
          <RoleBadge role={user.role} />
          <Text size="sm">{describe(user.role ?? 'none')}</Text>
        </Group>
      )}
      <ConfirmModal
        opened={pending !== null}
        onClose={() => {
          setRole.reset();
          setPending(null);
        }}
        title="Change the console role?"
        confirmLabel="Change role"
        danger={pending === 'none'}
        onConfirm={() => pending && setRole.mutate(pending === 'none' ? null : pending)}
        loading={setRole.isPending}
        error={setRole.error}
      >
        <Text size="sm">
          <b>{user.userName}</b> will have: {pending ? describe(pending) : ''}. Their current
          sessions end when they lose a role.
        </Text>
      </ConfirmModal>
    </Card>
  );
}

function UserGroups({ user }: { user: UserDetail }) {
  return (
    <Card withBorder radius="md" padding="lg">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg">
          Groups
        </Title>
        <Text size="sm" c="dimmed">
          {user.groups.length} {user.groups.length === 1 ? 'group' : 'groups'}
        </Text>
      </Group>
      {user.groups.length === 0 ? (
        <EmptyState
          size="sm"
          py="md"
          icon={<IconUsersGroup size={22} aria-hidden />}
          withIndicatorBackground
          title="In no group"
          description={
            user.origin === 'IDP'
              ? 'Groups pushed by the identity provider appear here, with LOCAL memberships added on a group page.'
              : 'Add the user to a group from the group page.'
          }
        />
      ) : (
        <Table className="gh-table" aria-label="Groups of the user">
          <colgroup>
            <col style={{ width: '44%' }} />
            <col style={{ width: '29%' }} />
            <col style={{ width: '27%' }} />
          </colgroup>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Group</Table.Th>
              <Table.Th>Membership</Table.Th>
              <Table.Th>Origin</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {user.groups.map((group) => (
              <Table.Tr key={`${group.id}-${group.type}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/groups/${group.id}`} size="sm" fw={600}>
                    {group.displayName}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {group.type === 'direct' ? 'Direct' : 'Through a nested group'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <MappingBadges mappings={group.mappings} connection={group.connection} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/** The group of a membership change that involves the user (not one about the user), if so. */
function membershipOf(event: ChangeEvent, userId: string): string | undefined {
  return event.type.startsWith('group.member') && event.resourceId !== userId
    ? event.resourceId
    : undefined;
}

/** A membership change in the user's words. */
function membershipTitle(event: ChangeEvent): string {
  if (event.type === 'group.member_added') return 'Added to a group';
  if (event.type === 'group.member_removed') return 'Removed from a group';
  const { mapping, change } = (event.summary ?? {}) as { mapping?: unknown; change?: unknown };
  return change === 'added'
    ? `${String(mapping)} mapping added to a group membership`
    : `${String(mapping)} mapping removed; still in the group`;
}

function origin(event: ChangeEvent): string | undefined {
  const value = (event.summary as { origin?: unknown } | null)?.origin;
  return typeof value === 'string' ? value : undefined;
}

function RecentChanges({ userId }: { userId: string }) {
  const actorName = useActorName();
  const events = useQuery({
    queryKey: ['user', userId, 'events'],
    queryFn: ({ signal }) => api.users.events(userId, 20, signal),
  });
  return (
    <Card withBorder radius="md" padding="lg">
      <Group justify="space-between" mb="md">
        <Title order={2} fz="lg">
          Recent changes
        </Title>
        <Anchor component={Link} to={`/activity?tab=changes&resource=${userId}`} size="sm">
          All changes
        </Anchor>
      </Group>
      {events.isPending ? (
        <Stack gap="sm">
          {[0, 1, 2].map((row) => (
            <Skeleton key={row} h={36} />
          ))}
        </Stack>
      ) : events.isError ? (
        <ErrorAlert error={events.error} title="Could not load the changes" />
      ) : events.data.items.length === 0 ? (
        <EmptyState
          size="sm"
          py="md"
          icon={<IconHistory size={22} aria-hidden />}
          withIndicatorBackground
          title="No changes recorded"
        />
      ) : (
        <Timeline bulletSize={14} lineWidth={2}>
          {events.data.items.map((event) => {
            const group = membershipOf(event, userId);
            return (
              <Timeline.Item
                key={event.seq}
                color={eventColor(event.type)}
                title={
                  <Group gap={8} justify="space-between" wrap="nowrap">
                    <Text size="sm" fw={600}>
                      {group ? membershipTitle(event) : eventLabel(event.type)}
                    </Text>
                    <TimeAgo value={event.occurredAt} size="xs" />
                  </Group>
                }
              >
                <Text size="xs" c="dimmed" lineClamp={2}>
                  {actorName(event.actor)}
                  {group ? (
                    <>
                      {' · '}
                      <ResourceName type="Group" id={group} />
                      {origin(event) ? ` · origin: ${origin(event)}` : ''}
                    </>
                  ) : (
                    <>
                      {summaryText(event.summary) ? ' · ' : ''}
                      <EventSummary summary={event.summary} />
                    </>
                  )}
                </Text>
              </Timeline.Item>
            );
          })}
        </Timeline>
      )}
    </Card>
  );
}

function PasswordModal({
  opened,
  onClose,
  user,
}: {
  opened: boolean;
  onClose: () => void;
  user: UserDetail;
}) {
  const self = useSession().data?.user.id === user.id;
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const save = useMutation({
    mutationFn: () => api.users.setPassword(user.id, password),
    onSuccess: () => close(),
  });
  const close = () => {
    setPassword('');
    setConfirm('');
    setSubmitted(false);
    save.reset();
    onClose();
  };
  const tooShort = password.length < 12;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (tooShort || confirm !== password) return;
    save.mutate();
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={<Text fw={650}>Set password for {user.userName}</Text>}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {save.isError && <ErrorAlert error={save.error} title="Could not set the password" />}
          <Text size="sm" c="dimmed">
            {self
              ? 'Your sessions end, this one too: sign in again with the new password.'
              : 'The password signs this user in to the console. Their sessions end.'}
          </Text>
          <PasswordInput
            label="New password"
            description="At least 12 characters."
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={
              (submitted && tooShort ? 'At least 12 characters.' : undefined) ??
              fieldError(save.error, 'password')
            }
            data-autofocus
          />
          <PasswordInput
            label="Confirm password"
            autoComplete="new-password"
            value={confirm}
            onChange={(event) => setConfirm(event.currentTarget.value)}
            error={submitted && confirm !== password ? 'The passwords do not match.' : undefined}
          />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Set password
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
