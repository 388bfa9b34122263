import {
  Anchor,
  Button,
  Card,
  EmptyState,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlugConnected, IconPlus, IconUsersGroup } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, fieldError } from '../api';
import { OriginBadge } from '../components/badges';
import { ErrorAlert } from '../components/ErrorAlert';
import { ConnectionFilter, OriginFilter, SearchInput } from '../components/filters';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows, SortableTh, TableMessageRow, TablePager } from '../components/table';
import type { SortOrder } from '../components/table';
import { TimeAgo } from '../components/TimeAgo';
import { useCanWrite } from '../session';
import { useUrlState } from '../url-state';

const COLUMNS = 4;
const SORTS = ['displayName', 'memberCount', 'createdAt'];

export function GroupsPage() {
  const navigate = useNavigate();
  const canWrite = useCanWrite();
  const url = useUrlState();
  const [creating, create] = useDisclosure();
  const search = url.get('q');
  const origin = url.get('origin');
  const connection = url.get('connection');
  const sort = SORTS.includes(url.get('sort')) ? url.get('sort') : 'displayName';
  const order: SortOrder = url.get('order') === 'desc' ? 'desc' : 'asc';
  const pageSize = [25, 50, 100, 200].includes(Number(url.get('size')))
    ? Number(url.get('size'))
    : 50;
  const page = url.page;
  const filtered = Boolean(search || origin || connection);
  const clear = () => url.set({ q: null, origin: null, connection: null });

  const groups = useQuery({
    queryKey: ['groups', { search, origin, connection, sort, order, pageSize, page }],
    queryFn: ({ signal }) =>
      api.groups.list(
        { search, origin, connection, sort, order, limit: pageSize, offset: (page - 1) * pageSize },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
  const onSort = (field: string, next: SortOrder) => url.set({ sort: field, order: next });

  return (
    <>
      <PageHeader
        title="Groups"
        description="Groups pushed by your identity providers (IDP) and groups made here (LOCAL). LOCAL members can be added to any group."
        actions={
          canWrite && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={create.open}>
              New group
            </Button>
          )
        }
      />
      <Card withBorder padding="md" radius="md">
        <Group gap="sm" mb="md">
          <SearchInput
            label="Search groups"
            placeholder="Search by name"
            value={search}
            onSearch={(q) => url.set({ q })}
            loading={groups.isFetching && groups.isPlaceholderData}
          />
          <OriginFilter value={origin} onChange={(next) => url.set({ origin: next })} />
          <ConnectionFilter value={connection} onChange={(next) => url.set({ connection: next })} />
          {filtered && (
            <Button variant="subtle" color="gray" onClick={clear}>
              Clear filters
            </Button>
          )}
        </Group>
        {groups.isError && !groups.data ? (
          <ErrorAlert
            error={groups.error}
            title="Could not load the groups"
            onRetry={() => void groups.refetch()}
          />
        ) : (
          <Table.ScrollContainer minWidth={720}>
            <Table className="gh-table" aria-label="Groups" aria-busy={groups.isFetching}>
              <colgroup>
                <col style={{ width: '44%' }} />
                <col style={{ width: '24%' }} />
                <col style={{ width: '14%' }} />
                <col style={{ width: '18%' }} />
              </colgroup>
              <Table.Thead>
                <Table.Tr>
                  <SortableTh field="displayName" sort={sort} order={order} onSort={onSort}>
                    Name
                  </SortableTh>
                  <Table.Th>Origin</Table.Th>
                  <SortableTh
                    field="memberCount"
                    sort={sort}
                    order={order}
                    onSort={onSort}
                    style={{ textAlign: 'right' }}
                  >
                    Members
                  </SortableTh>
                  <SortableTh field="createdAt" sort={sort} order={order} onSort={onSort}>
                    Created
                  </SortableTh>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody style={{ opacity: groups.isPlaceholderData ? 0.6 : 1 }}>
                {groups.isPending ? (
                  <SkeletonRows columns={COLUMNS} rows={8} />
                ) : groups.data?.items.length === 0 ? (
                  <TableMessageRow columns={COLUMNS}>
                    {filtered ? (
                      <EmptyState
                        py="xl"
                        icon={<IconUsersGroup size={28} aria-hidden />}
                        withIndicatorBackground
                        title="No groups match"
                        description="Try another search, or clear the filters."
                      >
                        <EmptyState.Actions>
                          <Button variant="default" onClick={clear}>
                            Clear filters
                          </Button>
                        </EmptyState.Actions>
                      </EmptyState>
                    ) : (
                      <EmptyState
                        py="xl"
                        icon={<IconUsersGroup size={28} aria-hidden />}
                        withIndicatorBackground
                        title="No groups yet"
                        description="Push groups from your identity provider (Okta: Push Groups; Entra ID: assign groups to the app), or create a LOCAL group."
                      >
                        <EmptyState.Actions>
                          <Button
                            component={Link}
                            to="/provisioning"
                            leftSection={<IconPlugConnected size={16} aria-hidden />}
                          >
                            Set up provisioning
                          </Button>
                          {canWrite && (
                            <Button variant="default" onClick={create.open}>
                              New LOCAL group
                            </Button>
                          )}
                        </EmptyState.Actions>
                      </EmptyState>
                    )}
                  </TableMessageRow>
                ) : (
                  groups.data?.items.map((group) => (
                    <Table.Tr
                      key={group.id}
                      className="gh-row-clickable"
                      onClick={(event) => {
                        if ((event.target as HTMLElement).closest('a')) return;
                        void navigate(`/groups/${group.id}`);
                      }}
                    >
                      <Table.Td>
                        <Anchor component={Link} to={`/groups/${group.id}`} fw={600} size="sm">
                          {group.displayName}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <OriginBadge origin={group.origin} connection={group.connection} />
                      </Table.Td>
                      <Table.Td style={{ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>
                        <Text size="sm">{new Intl.NumberFormat().format(group.memberCount)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <TimeAgo value={group.createdAt} />
                      </Table.Td>
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <TablePager
          total={groups.data?.total}
          page={page}
          pageSize={pageSize}
          onPage={(next) => url.set({ page: next })}
          onPageSize={(size) => url.set({ size })}
          noun="groups"
        />
      </Card>
      <GroupNameModal
        opened={creating}
        onClose={create.close}
        onSaved={(id) => void navigate(`/groups/${id}`)}
      />
    </>
  );
}

/** Creates a LOCAL group, or renames one (`group` given). */
export function GroupNameModal({
  opened,
  onClose,
  group,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  group?: { id: string; displayName: string };
  onSaved?: (id: string) => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={650}>{group ? `Rename ${group.displayName}` : 'New LOCAL group'}</Text>}
    >
      {opened && <GroupNameForm group={group} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function GroupNameForm({
  group,
  onClose,
  onSaved,
}: {
  group?: { id: string; displayName: string };
  onClose: () => void;
  onSaved?: (id: string) => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(group?.displayName ?? '');
  const save = useMutation({
    mutationFn: () =>
      group ? api.groups.rename(group.id, name.trim()) : api.groups.create(name.trim()),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['groups'] });
      await queryClient.invalidateQueries({ queryKey: ['group', saved.id] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
      onSaved?.(saved.id);
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) save.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {save.isError && !fieldError(save.error, 'displayName') && (
          <ErrorAlert error={save.error} title="Could not save the group" />
        )}
        <TextInput
          label="Group name"
          description="Unique, whatever the case."
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={fieldError(save.error, 'displayName')}
          required
          data-autofocus
        />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!name.trim()}>
            {group ? 'Rename' : 'Create group'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
