import {
  Alert,
  Anchor,
  Button,
  Card,
  EmptyState,
  Group,
  Loader,
  Modal,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import {
  IconCloudComputing,
  IconEdit,
  IconTrash,
  IconUserMinus,
  IconUserPlus,
  IconUsers,
} from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api } from '../api';
import { MappingBadges, OriginBadge, StatusBadge } from '../components/badges';
import { ConfirmModal } from '../components/ConfirmModal';
import { CopyValue } from '../components/CopyValue';
import { ErrorAlert } from '../components/ErrorAlert';
import { SearchInput } from '../components/filters';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows, TableMessageRow, TablePager } from '../components/table';
import { TimeAgo } from '../components/TimeAgo';
import { OrphanedAlert } from '../components/OrphanedAlert';
import { useCanWrite } from '../session';
import type { Group as GroupType, Member } from '../types';
import { useUrlState } from '../url-state';
import { GroupNameModal } from './GroupsPage';
import { NotFoundPage } from './NotFoundPage';

const PAGE_SIZE = 50;
const COLUMNS = 5;

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Card withBorder radius="md" padding="md">
      <Text size="xs" c="dimmed" fw={600} mb={6}>
        {label}
      </Text>
      <div>{children}</div>
    </Card>
  );
}

export function GroupDetailPage() {
  const { id = '' } = useParams();
  const group = useQuery({
    queryKey: ['group', id],
    queryFn: ({ signal }) => api.groups.get(id, signal),
  });
  if (group.isError && group.error instanceof ApiError && group.error.status === 404) {
    return <NotFoundPage what="group" />;
  }
  if (group.isError) {
    return (
      <>
        <PageHeader title="Group" crumbs={[{ label: 'Groups', to: '/groups' }]} />
        <ErrorAlert
          error={group.error}
          title="Could not load the group"
          onRetry={() => void group.refetch()}
        />
      </>
    );
  }
  if (!group.data) {
    return (
      <>
        <PageHeader
          title={<Skeleton h={28} w={260} />}
          crumbs={[{ label: 'Groups', to: '/groups' }]}
        />
        <SimpleGrid cols={4} mb="lg">
          {[0, 1, 2, 3].map((cell) => (
            <Skeleton key={cell} h={74} radius="md" />
          ))}
        </SimpleGrid>
        <Skeleton h={420} radius="md" />
      </>
    );
  }
  return <GroupView group={group.data} />;
}

function GroupView({ group }: { group: GroupType }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  // An identity provider's group whose connection was deleted is managed here, like a LOCAL one.
  const orphaned = group.origin === 'IDP' && group.connection === null;
  const local = group.origin === 'LOCAL' || orphaned;
  const [renaming, rename] = useDisclosure();
  const [deleting, del] = useDisclosure();
  const [adding, add] = useDisclosure();
  const remove = useMutation({
    mutationFn: () => api.groups.delete(group.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['groups'] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
      queryClient.removeQueries({ queryKey: ['group', group.id] });
      void navigate('/groups', { replace: true });
    },
  });

  return (
    <>
      <PageHeader
        title={group.displayName}
        crumbs={[{ label: 'Groups', to: '/groups' }]}
        badges={<OriginBadge origin={group.origin} connection={group.connection} />}
        actions={
          canWrite && (
            <>
              <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={add.open}>
                Add member
              </Button>
              {local && (
                <>
                  <Button
                    variant="default"
                    leftSection={<IconEdit size={16} aria-hidden />}
                    onClick={rename.open}
                  >
                    Rename
                  </Button>
                  <Button
                    color="red"
                    variant="outline"
                    leftSection={<IconTrash size={16} aria-hidden />}
                    onClick={del.open}
                  >
                    Delete
                  </Button>
                </>
              )}
            </>
          )
        }
      />
      {orphaned && (
        <OrphanedAlert>
          An identity provider made this group, but its SCIM connection was deleted: Gatehouse
          manages it like a LOCAL group. A connection that pushes it again takes it over, with the
          members it names.
        </OrphanedAlert>
      )}
      {!local && (
        <Alert
          color="blue"
          variant="light"
          mb="lg"
          icon={<IconCloudComputing size={18} aria-hidden />}
          title={`Managed by ${group.connection?.name ?? 'an identity provider'} — change it in the identity provider`}
        >
          <Text size="sm">
            Its name and its IDP members come from the identity provider's group push. LOCAL members
            added here stay when the identity provider pushes the group again.
          </Text>
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, md: 4 }} mb="lg">
        <Stat label="Members">
          <Text fz={22} fw={650} lh={1.1}>
            {new Intl.NumberFormat().format(group.memberCount)}
          </Text>
        </Stat>
        <Stat label="Origin">
          <Group gap={8}>
            <OriginBadge
              origin={group.origin}
              connection={group.connection}
              withConnection={false}
            />
            <Text size="sm">
              {group.connection ? (
                <>
                  by{' '}
                  <Anchor component={Link} to="/provisioning" size="sm" fw={600} underline="always">
                    {group.connection.name}
                  </Anchor>
                </>
              ) : orphaned ? (
                'its connection was deleted'
              ) : (
                'made in Gatehouse'
              )}
            </Text>
          </Group>
        </Stat>
        <Stat label="Created">
          <TimeAgo value={group.createdAt} />
        </Stat>
        <Stat label="Group ID">
          <CopyValue value={group.id} label="the group's ID" />
        </Stat>
      </SimpleGrid>
      <Members group={group} onAdd={add.open} />
      <GroupNameModal opened={renaming} onClose={rename.close} group={group} />
      <AddMemberModal opened={adding} onClose={add.close} group={group} />
      <ConfirmModal
        opened={deleting}
        onClose={() => {
          remove.reset();
          del.close();
        }}
        title="Delete this group?"
        confirmLabel="Delete group"
        onConfirm={() => remove.mutate()}
        loading={remove.isPending}
        error={remove.error}
      >
        <Text size="sm">
          <b>{group.displayName}</b> and its {group.memberCount} memberships are deleted. The users
          stay. This cannot be undone.
        </Text>
      </ConfirmModal>
    </>
  );
}

function Members({ group, onAdd }: { group: GroupType; onAdd: () => void }) {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const url = useUrlState();
  const search = url.get('q');
  const page = url.page;
  const [removing, setRemoving] = useState<Member | null>(null);
  const members = useQuery({
    queryKey: ['group', group.id, 'members', { search, page }],
    queryFn: ({ signal }) =>
      api.groups.members(
        group.id,
        { search, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (member: Member) => api.groups.removeMember(group.id, member.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['group', group.id] });
      void queryClient.invalidateQueries({ queryKey: ['groups'] });
      void queryClient.invalidateQueries({ queryKey: ['user'] });
      setRemoving(null);
    },
  });

  return (
    <Card withBorder radius="md" padding="md">
      <Group justify="space-between" mb="md">
        <Group gap="sm">
          <Text fw={650} component="h2" fz="lg" m={0}>
            Members
          </Text>
          <Text size="sm" c="dimmed">
            IDP mappings come from the identity provider; LOCAL ones were added in Gatehouse. A
            member held by both stays until both are removed.
          </Text>
        </Group>
        <SearchInput
          label="Search members"
          placeholder="Search members"
          value={search}
          onSearch={(q) => url.set({ q })}
          loading={members.isFetching && members.isPlaceholderData}
          width={280}
        />
      </Group>
      {members.isError && !members.data ? (
        <ErrorAlert
          error={members.error}
          title="Could not load the members"
          onRetry={() => void members.refetch()}
        />
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table className="gh-table" aria-label="Members" aria-busy={members.isFetching}>
            <colgroup>
              <col style={{ width: '26%' }} />
              <col style={{ width: '22%' }} />
              <col style={{ width: '10%' }} />
              <col style={{ width: '23%' }} />
              <col style={{ width: '19%' }} />
            </colgroup>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Member</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Membership</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody style={{ opacity: members.isPlaceholderData ? 0.6 : 1 }}>
              {members.isPending ? (
                <SkeletonRows columns={COLUMNS} rows={6} />
              ) : members.data?.items.length === 0 ? (
                <TableMessageRow columns={COLUMNS}>
                  <EmptyState
                    py="xl"
                    icon={<IconUsers size={28} aria-hidden />}
                    withIndicatorBackground
                    title={search ? 'No members match' : 'No members yet'}
                    description={
                      search
                        ? 'Try another search.'
                        : group.origin === 'IDP'
                          ? 'The identity provider has pushed no members yet. You can add LOCAL members.'
                          : 'Add users to this group.'
                    }
                  >
                    {!search && canWrite && (
                      <EmptyState.Actions>
                        <Button
                          leftSection={<IconUserPlus size={16} aria-hidden />}
                          onClick={onAdd}
                        >
                          Add member
                        </Button>
                      </EmptyState.Actions>
                    )}
                  </EmptyState>
                </TableMessageRow>
              ) : (
                members.data?.items.map((member) => (
                  <Table.Tr key={`${member.type}-${member.id}`}>
                    <Table.Td>
                      <Stack gap={0}>
                        <Anchor
                          component={Link}
                          to={
                            member.type === 'Group' ? `/groups/${member.id}` : `/users/${member.id}`
                          }
                          size="sm"
                          fw={600}
                          truncate
                        >
                          {member.name}
                        </Anchor>
                        <Text size="xs" c="dimmed" truncate>
                          {member.type === 'Group'
                            ? 'Nested group'
                            : member.displayName || '\u00a0'}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" truncate>
                        {member.email ?? (
                          <Text span c="dimmed" size="sm">
                            —
                          </Text>
                        )}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {member.active === null ? null : <StatusBadge active={member.active} />}
                    </Table.Td>
                    <Table.Td>
                      <MappingBadges mappings={member.mappings} connection={member.connection} />
                    </Table.Td>
                    <Table.Td style={{ textAlign: 'right', overflow: 'visible' }}>
                      {canWrite && removable(member) ? (
                        <Button
                          variant="subtle"
                          color="red"
                          size="compact-sm"
                          leftSection={<IconUserMinus size={14} aria-hidden />}
                          aria-label={
                            keepsIdpMapping(member)
                              ? `Remove LOCAL mapping of ${member.name} in ${group.displayName}`
                              : `Remove ${member.name} from ${group.displayName}`
                          }
                          onClick={() => setRemoving(member)}
                        >
                          {keepsIdpMapping(member) ? 'Remove LOCAL' : 'Remove'}
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <TablePager
        total={members.data?.total}
        page={page}
        pageSize={PAGE_SIZE}
        onPage={(next) => url.set({ page: next })}
        noun="members"
      />
      <ConfirmModal
        opened={removing !== null}
        onClose={() => {
          remove.reset();
          setRemoving(null);
        }}
        title={
          removing !== null && keepsIdpMapping(removing)
            ? 'Remove the LOCAL mapping?'
            : 'Remove this member?'
        }
        confirmLabel={
          removing !== null && keepsIdpMapping(removing) ? 'Remove LOCAL mapping' : 'Remove member'
        }
        onConfirm={() => removing && remove.mutate(removing)}
        loading={remove.isPending}
        error={remove.error}
      >
        {removing !== null && keepsIdpMapping(removing) ? (
          <Text size="sm">
            <b>{removing.name}</b> stays in <b>{group.displayName}</b>, held by the identity
            provider&apos;s mapping alone: when the identity provider removes them, they leave the
            group.
          </Text>
        ) : removing !== null && removing.mappings.includes('IDP') ? (
          <Text size="sm">
            <b>{removing.name}</b> leaves <b>{group.displayName}</b>: the mapping left by the
            deleted connection goes
            {removing.mappings.includes('LOCAL') ? ', and the LOCAL one with it' : ''}. The user
            stays in the directory.
          </Text>
        ) : (
          <Text size="sm">
            <b>{removing?.name}</b> leaves <b>{group.displayName}</b>. Only this LOCAL membership is
            removed; the user stays in the directory.
          </Text>
        )}
      </ConfirmModal>
    </Card>
  );
}

/**
 * The console removes a LOCAL mapping, and an IDP one whose connection was deleted (no identity
 * provider stands behind it); a live connection's mapping is changed in the identity provider.
 */
function removable(member: Member): boolean {
  return member.mappings.includes('LOCAL') || member.connection === null;
}

/** Whether the identity provider's mapping keeps the member after the console's removal. */
function keepsIdpMapping(member: Member): boolean {
  return member.mappings.includes('IDP') && member.connection !== null;
}

/** Adds a LOCAL membership, picking the user by a server-side search. */
function AddMemberModal({
  opened,
  onClose,
  group,
}: {
  opened: boolean;
  onClose: () => void;
  group: GroupType;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={650}>Add a member to {group.displayName}</Text>}
    >
      {opened && <AddMemberForm group={group} onClose={onClose} />}
    </Modal>
  );
}

function AddMemberForm({ group, onClose }: { group: GroupType; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<{ value: string; label: string } | null>(null);
  // Picking an option puts its label in the box: that is no new search.
  const [debounced] = useDebouncedValue(picked && search === picked.label ? '' : search, 250);
  const candidates = useQuery({
    queryKey: ['users', 'picker', debounced],
    queryFn: ({ signal }) =>
      api.users.list(
        { search: debounced, limit: 20, offset: 0, sort: 'userName', order: 'asc' },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
  const add = useMutation({
    mutationFn: (memberId: string) => api.groups.addMember(group.id, memberId),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['group', group.id] });
      void queryClient.invalidateQueries({ queryKey: ['groups'] });
      void queryClient.invalidateQueries({ queryKey: ['user'] });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      onClose();
    },
  });
  const found = (candidates.data?.items ?? []).map((user) => ({
    value: user.id,
    label: user.displayName ? `${user.userName} (${user.displayName})` : user.userName,
  }));
  const options =
    picked && !found.some((option) => option.value === picked.value) ? [picked, ...found] : found;
  const selected = picked?.value ?? null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (selected) add.mutate(selected);
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {add.isError && <ErrorAlert error={add.error} title="Could not add the member" />}
        <Select
          label="User"
          description="Search by username, name or email."
          placeholder="Type to search users"
          searchable
          data={options}
          value={selected}
          onChange={(_value, option) => setPicked(option)}
          searchValue={search}
          onSearchChange={setSearch}
          // The API has already filtered the users by the search.
          filter={({ options: all }) => all}
          nothingFoundMessage={candidates.isFetching ? 'Searching…' : 'No user matches'}
          rightSection={
            candidates.isFetching ? <Loader size={14} aria-label="Searching users" /> : undefined
          }
          data-autofocus
          comboboxProps={{ withinPortal: true }}
          maxDropdownHeight={260}
        />
        <Text size="sm" c="dimmed">
          The mapping is LOCAL: it keeps the user in the group whatever the identity provider
          pushes, and only Gatehouse can remove it. Someone the identity provider maps already is
          then held by both.
        </Text>
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={add.isPending} disabled={!selected}>
            Add member
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
