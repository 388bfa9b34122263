import {
  ActionIcon,
  Badge,
  Button,
  Card,
  EmptyState,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconKey, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Navigate } from 'react-router';
import { api, fieldError } from '../api';
import { RoleBadge } from '../components/badges';
import { ConfirmModal } from '../components/ConfirmModal';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageHeader } from '../components/PageHeader';
import { SecretOnce } from '../components/SecretOnce';
import { SkeletonRows, TableMessageRow } from '../components/table';
import { TimeAgo } from '../components/TimeAgo';
import { useCanWrite } from '../session';
import type { ApiKey, Role } from '../types';

const COLUMNS = 6;

/** API keys for scripts and the platform's services (admins only). */
export function ApiKeysPage() {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const [creating, create] = useDisclosure();
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: ({ signal }) => api.apiKeys.list(signal),
    enabled: canWrite,
  });
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => api.apiKeys.revoke(key.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['api-keys'] });
      setRevoking(null);
    },
  });
  if (!canWrite) return <Navigate to="/users" replace />;

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys for scripts and the platform's services to call the admin API (for example to follow the change feed). Each key has a role: viewer keys only read."
        actions={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={create.open}>
            New API key
          </Button>
        }
      />
      <Card withBorder radius="md" padding="md">
        {keys.isError ? (
          <ErrorAlert
            error={keys.error}
            title="Could not load the API keys"
            onRetry={() => void keys.refetch()}
          />
        ) : (
          <Table className="gh-table" aria-label="API keys">
            <colgroup>
              <col style={{ width: '26%' }} />
              <col style={{ width: '18%' }} />
              <col style={{ width: '12%' }} />
              <col style={{ width: '16%' }} />
              <col style={{ width: '20%' }} />
              <col style={{ width: '8%' }} />
            </colgroup>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.isPending ? (
                <SkeletonRows columns={COLUMNS} rows={3} />
              ) : keys.data.items.length === 0 ? (
                <TableMessageRow columns={COLUMNS}>
                  <EmptyState
                    py="xl"
                    icon={<IconKey size={28} aria-hidden />}
                    withIndicatorBackground
                    title="No API keys"
                    description="Make one for each script or service, so that each can be revoked on its own. Scripts send it as Authorization: Bearer gh_api_…"
                  >
                    <EmptyState.Actions>
                      <Button onClick={create.open}>New API key</Button>
                    </EmptyState.Actions>
                  </EmptyState>
                </TableMessageRow>
              ) : (
                keys.data.items.map((key) => (
                  <Table.Tr key={key.id} style={key.revokedAt ? { opacity: 0.6 } : undefined}>
                    <Table.Td>
                      <Text size="sm" fw={600} truncate>
                        {key.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {key.prefix}…
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <RoleBadge role={key.role} />
                    </Table.Td>
                    <Table.Td>
                      <TimeAgo value={key.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      {key.revokedAt ? (
                        <Badge color="gray" variant="light">
                          Revoked
                        </Badge>
                      ) : (
                        <TimeAgo value={key.lastUsedAt} />
                      )}
                    </Table.Td>
                    <Table.Td style={{ textAlign: 'right' }}>
                      {!key.revokedAt && (
                        <Tooltip label="Revoke">
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label={`Revoke the API key ${key.name}`}
                            onClick={() => setRevoking(key)}
                          >
                            <IconTrash size={16} aria-hidden />
                          </ActionIcon>
                        </Tooltip>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))
              )}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <CreateKeyModal opened={creating} onClose={create.close} />
      <ConfirmModal
        opened={revoking !== null}
        onClose={() => {
          revoke.reset();
          setRevoking(null);
        }}
        title="Revoke this API key?"
        confirmLabel="Revoke key"
        onConfirm={() => revoking && revoke.mutate(revoking)}
        loading={revoke.isPending}
        error={revoke.error}
      >
        Scripts using <b>{revoking?.name}</b> get 401 from now on. This cannot be undone.
      </ConfirmModal>
    </>
  );
}

function CreateKeyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const create = useMutation({
    mutationFn: () => api.apiKeys.create(name.trim(), role),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const close = () => {
    setName('');
    setRole('viewer');
    create.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate();
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      size="lg"
      // Once the key is shown (this once), only "I have copied the key" closes the dialog.
      closeOnClickOutside={!create.data}
      closeOnEscape={!create.data}
      withCloseButton={!create.data}
      title={
        <Text fw={650}>{create.data ? `API key ${create.data.name} created` : 'New API key'}</Text>
      }
    >
      {create.data ? (
        <Stack gap="md">
          <SecretOnce secret={create.data.key} label="API key" />
          <Group justify="flex-end">
            <Button onClick={close}>I have copied the key</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            {create.isError && <ErrorAlert error={create.error} title="Could not create the key" />}
            <TextInput
              label="Name"
              description="What uses it, e.g. warehouse-sync."
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={fieldError(create.error, 'name')}
              required
              data-autofocus
            />
            <Select
              label="Role"
              data={[
                { value: 'viewer', label: 'Viewer: read only' },
                { value: 'admin', label: 'Administrator: read and write' },
              ]}
              value={role}
              allowDeselect={false}
              onChange={(value) => value && setRole(value as Role)}
            />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
