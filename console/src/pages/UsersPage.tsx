import { Anchor, Button, Card, EmptyState, Group, Select, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlugConnected, IconPlus, IconUsers } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api } from '../api';
import { OriginBadge, StatusBadge } from '../components/badges';
import { ErrorAlert } from '../components/ErrorAlert';
import { ConnectionFilter, OriginFilter, SearchInput } from '../components/filters';
import { PageHeader } from '../components/PageHeader';
import { SkeletonRows, SortableTh, TableMessageRow, TablePager } from '../components/table';
import type { SortOrder } from '../components/table';
import { UserFormModal } from '../components/UserFormModal';
import { useCanWrite } from '../session';
import { useUrlState } from '../url-state';

const COLUMNS = 6;
const SORTS = ['userName', 'displayName', 'email', 'origin', 'createdAt', 'updatedAt'];

export function UsersPage() {
  const navigate = useNavigate();
  const canWrite = useCanWrite();
  const url = useUrlState();
  const [creating, create] = useDisclosure();
  const search = url.get('q');
  const origin = url.get('origin');
  const status = url.get('status');
  const connection = url.get('connection');
  const sort = SORTS.includes(url.get('sort')) ? url.get('sort') : 'userName';
  const order: SortOrder = url.get('order') === 'desc' ? 'desc' : 'asc';
  const pageSize = [25, 50, 100, 200].includes(Number(url.get('size')))
    ? Number(url.get('size'))
    : 50;
  const page = url.page;
  const filtered = Boolean(search || origin || status || connection);

  const users = useQuery({
    queryKey: ['users', { search, origin, status, connection, sort, order, pageSize, page }],
    queryFn: ({ signal }) =>
      api.users.list(
        {
          search,
          origin,
          status,
          connection,
          sort,
          order,
          limit: pageSize,
          offset: (page - 1) * pageSize,
        },
        signal,
      ),
    placeholderData: keepPreviousData,
  });

  const onSort = (field: string, next: SortOrder) => url.set({ sort: field, order: next });

  return (
    <>
      <PageHeader
        title="Users"
        description="Everyone in the platform's directory: provisioned by your identity providers (IDP) or made here (LOCAL)."
        actions={
          canWrite && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={create.open}>
              New user
            </Button>
          )
        }
      />
      <Card withBorder padding="md" radius="md">
        <Group gap="sm" mb="md" wrap="wrap">
          <SearchInput
            label="Search users"
            placeholder="Search by username, name or email"
            value={search}
            onSearch={(q) => url.set({ q })}
            loading={users.isFetching && users.isPlaceholderData}
          />
          <OriginFilter value={origin} onChange={(next) => url.set({ origin: next })} />
          <Select
            aria-label="Status"
            placeholder="Any status"
            w={150}
            clearable
            data={[
              { value: 'active', label: 'Active' },
              { value: 'inactive', label: 'Inactive' },
            ]}
            value={status || null}
            onChange={(next) => url.set({ status: next })}
          />
          <ConnectionFilter value={connection} onChange={(next) => url.set({ connection: next })} />
          {filtered && (
            <Button
              variant="subtle"
              color="gray"
              onClick={() => url.set({ q: null, origin: null, status: null, connection: null })}
            >
              Clear filters
            </Button>
          )}
        </Group>

        {users.isError && !users.data ? (
          <ErrorAlert
            error={users.error}
            title="Could not load the users"
            onRetry={() => void users.refetch()}
          />
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table className="gh-table" aria-label="Users" aria-busy={users.isFetching}>
              <colgroup>
                <col style={{ width: '25%' }} />
                <col style={{ width: '17%' }} />
                <col style={{ width: '22%' }} />
                <col style={{ width: '16%' }} />
                <col style={{ width: '10%' }} />
                <col style={{ width: '10%' }} />
              </colgroup>
              <Table.Thead>
                <Table.Tr>
                  <SortableTh field="userName" sort={sort} order={order} onSort={onSort}>
                    Username
                  </SortableTh>
                  <SortableTh field="displayName" sort={sort} order={order} onSort={onSort}>
                    Name
                  </SortableTh>
                  <SortableTh field="email" sort={sort} order={order} onSort={onSort}>
                    Email
                  </SortableTh>
                  <SortableTh field="origin" sort={sort} order={order} onSort={onSort}>
                    Origin
                  </SortableTh>
                  <Table.Th>Status</Table.Th>
                  <Table.Th style={{ textAlign: 'right' }}>Groups</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody style={{ opacity: users.isPlaceholderData ? 0.6 : 1 }}>
                {users.isPending ? (
                  <SkeletonRows columns={COLUMNS} rows={10} />
                ) : users.data?.items.length === 0 ? (
                  <TableMessageRow columns={COLUMNS}>
                    {filtered ? (
                      <EmptyState
                        py="xl"
                        icon={<IconUsers size={28} aria-hidden />}
                        withIndicatorBackground
                        title="No users match"
                        description="Try another search, or clear the filters."
                      >
                        <EmptyState.Actions>
                          <Button
                            variant="default"
                            onClick={() =>
                              url.set({ q: null, origin: null, status: null, connection: null })
                            }
                          >
                            Clear filters
                          </Button>
                        </EmptyState.Actions>
                      </EmptyState>
                    ) : (
                      <EmptyState
                        py="xl"
                        icon={<IconUsers size={28} aria-hidden />}
                        withIndicatorBackground
                        title="No users yet"
                        description="Connect your identity provider so that it provisions people here, or create a LOCAL user."
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
                              New LOCAL user
                            </Button>
                          )}
                        </EmptyState.Actions>
                      </EmptyState>
                    )}
                  </TableMessageRow>
                ) : (
                  users.data?.items.map((user) => (
                    <Table.Tr
                      key={user.id}
                      className="gh-row-clickable"
                      onClick={(event) => {
                        if ((event.target as HTMLElement).closest('a')) return;
                        void navigate(`/users/${user.id}`);
                      }}
                    >
                      <Table.Td>
                        <Anchor component={Link} to={`/users/${user.id}`} fw={600} size="sm">
                          {user.userName}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" truncate>
                          {user.displayName ||
                            [user.givenName, user.familyName].filter(Boolean).join(' ') || (
                              <Text span c="dimmed" size="sm">
                                —
                              </Text>
                            )}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" truncate>
                          {user.email ?? (
                            <Text span c="dimmed" size="sm">
                              —
                            </Text>
                          )}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <OriginBadge origin={user.origin} connection={user.connection} />
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge active={user.active} />
                      </Table.Td>
                      <Table.Td style={{ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>
                        <Text size="sm">{user.groupCount}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <TablePager
          total={users.data?.total}
          page={page}
          pageSize={pageSize}
          onPage={(next) => url.set({ page: next })}
          onPageSize={(size) => url.set({ size })}
          noun="users"
        />
      </Card>
      <UserFormModal
        opened={creating}
        onClose={create.close}
        onSaved={(user) => void navigate(`/users/${user.id}`)}
      />
    </>
  );
}
