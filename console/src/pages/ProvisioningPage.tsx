import {
  Anchor,
  Badge,
  Button,
  Card,
  Divider,
  Drawer,
  EmptyState,
  Grid,
  Group,
  List,
  Menu,
  ActionIcon,
  Modal,
  NumberInput,
  Select,
  Skeleton,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconDots,
  IconKey,
  IconPlugConnected,
  IconPlus,
  IconRefresh,
  IconShieldOff,
  IconTrash,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { FormEvent, ReactNode } from 'react';
import entraGuide from '../../../docs/idp/entra-id.md?raw';
import oktaGuide from '../../../docs/idp/okta.md?raw';
import { api, fieldError } from '../api';
import { Markdown } from '../components/Markdown';
import { ConfirmModal } from '../components/ConfirmModal';
import { CopyValue } from '../components/CopyValue';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageHeader } from '../components/PageHeader';
import { SecretOnce } from '../components/SecretOnce';
import { TimeAgo, formatDateTime } from '../components/TimeAgo';
import { useCanWrite } from '../session';
import type { Connection, ConnectionSettings, TokenStatus } from '../types';

const DIALECTS = [
  { value: 'auto', label: 'Detect per request (auto)' },
  { value: 'okta', label: 'Okta' },
  { value: 'entra', label: 'Microsoft Entra ID' },
  { value: 'onelogin', label: 'OneLogin' },
  { value: 'jumpcloud', label: 'JumpCloud' },
  { value: 'authentik', label: 'authentik' },
  { value: 'ping', label: 'Ping Identity' },
  { value: 'keycloak', label: 'Keycloak' },
  { value: 'rippling', label: 'Rippling' },
  { value: 'generic', label: 'Generic (tolerant)' },
  { value: 'strict', label: 'Strict RFC 7644' },
];

const GRACE = [
  { value: '86400', label: '24 hours (recommended)' },
  { value: '3600', label: '1 hour' },
  { value: '604800', label: '7 days' },
  { value: '0', label: 'End them now' },
];

// The project's own guides, bundled at build time: the guide shown is the running version's.
const GUIDES = {
  okta: { title: 'Okta', source: oktaGuide },
  entra: { title: 'Microsoft Entra ID', source: entraGuide },
} as const;
type GuideName = keyof typeof GUIDES;

function TokenStatusBadge({ status }: { status: TokenStatus }) {
  const color = status === 'active' ? 'teal' : status === 'expiring' ? 'yellow' : 'gray';
  const label = status === 'active' ? 'Active' : status === 'expiring' ? 'Expiring' : 'Expired';
  return (
    <Badge color={color} variant="light">
      {label}
    </Badge>
  );
}

/** The connection's state in one badge: working, rotating, or without a usable token. */
function ConnectionStatus({ connection }: { connection: Connection }) {
  const live = connection.tokens.filter((token) => token.status !== 'expired');
  if (live.length === 0) {
    return (
      <Badge color="red" variant="light">
        No valid token
      </Badge>
    );
  }
  if (!connection.lastUsedAt) {
    return (
      <Badge color="yellow" variant="light">
        Waiting for the first request
      </Badge>
    );
  }
  return (
    <Badge color="teal" variant="light">
      Connected
    </Badge>
  );
}

export function ProvisioningPage() {
  const canWrite = useCanWrite();
  const [creating, create] = useDisclosure();
  const connections = useQuery({
    queryKey: ['connections'],
    queryFn: ({ signal }) => api.connections.list(signal),
    // While a connection waits for its identity provider's first request (its admin is
    // pasting the token and testing it), look often; otherwise now and then.
    refetchInterval: (query) =>
      query.state.data?.items.some((connection) => !connection.lastUsedAt) ? 3000 : 15_000,
  });
  const scimBaseUrl = connections.data?.scimBaseUrl ?? '';

  return (
    <>
      <PageHeader
        title="Provisioning"
        description="Identity providers create, update and deactivate the platform's users and groups over SCIM 2.0. Each provider gets its own connection and bearer token."
        actions={
          canWrite && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={create.open}>
              New connection
            </Button>
          )
        }
      />
      <Card withBorder radius="md" padding="lg" mb="lg">
        <Group justify="space-between" gap="md" align="center">
          <Stack gap={4} miw={0}>
            <Title order={2} fz="md">
              SCIM base URL
            </Title>
            <Text size="sm" c="dimmed">
              Paste it into the identity provider with a connection's token (Entra ID: add{' '}
              <code>?aadOptscim062020</code>).
            </Text>
          </Stack>
          {connections.isPending ? (
            <Skeleton h={30} w={360} />
          ) : (
            <CopyValue value={scimBaseUrl} label="the SCIM base URL" />
          )}
        </Group>
      </Card>

      <Title order={2} fz="lg" mb="sm">
        Connections
      </Title>
      {connections.isPending ? (
        <Stack gap="lg">
          <Skeleton h={260} radius="md" />
        </Stack>
      ) : connections.isError ? (
        <ErrorAlert
          error={connections.error}
          title="Could not load the connections"
          onRetry={() => void connections.refetch()}
        />
      ) : connections.data.items.length === 0 ? (
        <Card withBorder radius="md" padding="xl">
          <EmptyState
            icon={<IconPlugConnected size={28} aria-hidden />}
            withIndicatorBackground
            title="No SCIM connection yet"
            description="Create one for your identity provider (Okta, Entra ID, OneLogin…): you get a bearer token to paste into it, with the SCIM base URL above."
          >
            {canWrite && (
              <EmptyState.Actions>
                <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={create.open}>
                  New connection
                </Button>
              </EmptyState.Actions>
            )}
          </EmptyState>
        </Card>
      ) : (
        <Stack gap="lg">
          {connections.data.items.map((connection) => (
            <ConnectionCard key={connection.id} connection={connection} />
          ))}
        </Stack>
      )}

      <SetupGuide scimBaseUrl={scimBaseUrl} />
      <CreateConnectionModal opened={creating} onClose={create.close} />
    </>
  );
}

function ConnectionCard({ connection }: { connection: Connection }) {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const [rotating, rotate] = useDisclosure();
  const [revoking, revoke] = useDisclosure();
  const [deleting, del] = useDisclosure();
  const [grace, setGrace] = useState('86400');
  const [newToken, setNewToken] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['connections'] });
  const rotation = useMutation({
    mutationFn: () => api.connections.rotateToken(connection.id, Number(grace)),
    onSuccess: async (result) => {
      rotate.close();
      setNewToken(result.token);
      await refresh();
    },
  });
  const revocation = useMutation({
    mutationFn: () => api.connections.revokeTokens(connection.id),
    onSuccess: async () => {
      revoke.close();
      await refresh();
    },
  });
  const deletion = useMutation({
    mutationFn: () => api.connections.delete(connection.id),
    onSuccess: async () => {
      del.close();
      await refresh();
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
    },
  });

  return (
    <Card
      withBorder
      radius="md"
      padding="lg"
      component="section"
      aria-labelledby={`connection-${connection.id}`}
    >
      <Group justify="space-between" wrap="nowrap" mb="md">
        <Group gap="sm" wrap="nowrap">
          <Title order={3} fz="lg" id={`connection-${connection.id}`}>
            {connection.name}
          </Title>
          <ConnectionStatus connection={connection} />
        </Group>
        {canWrite && (
          <Group gap="xs" wrap="nowrap">
            <Button
              variant="default"
              size="sm"
              leftSection={<IconRefresh size={16} aria-hidden />}
              onClick={rotate.open}
            >
              Rotate token
            </Button>
            <Menu position="bottom-end" shadow="md" width={220}>
              <Menu.Target>
                <ActionIcon
                  variant="default"
                  size="lg"
                  aria-label={`More actions for ${connection.name}`}
                >
                  <IconDots size={16} aria-hidden />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item
                  leftSection={<IconShieldOff size={16} aria-hidden />}
                  color="red"
                  onClick={revoke.open}
                >
                  Revoke all tokens
                </Menu.Item>
                <Menu.Item
                  leftSection={<IconTrash size={16} aria-hidden />}
                  color="red"
                  onClick={del.open}
                >
                  Delete connection
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        )}
      </Group>
      <Group gap="xl" mb="md">
        <Text size="sm" c="dimmed">
          Last request: <TimeAgo value={connection.lastUsedAt} never="never" />
        </Text>
        <Text size="sm" c="dimmed">
          Created <TimeAgo value={connection.createdAt} />
        </Text>
        <Text size="sm" c="dimmed">
          ID <code>{connection.id}</code>
        </Text>
      </Group>
      <Grid gap="xl">
        <Grid.Col span={{ base: 12, xl: 6 }}>
          <Text fw={600} size="sm" mb={6} component="h4" m={0}>
            Tokens
          </Text>
          {connection.tokens.length === 0 ? (
            <Text size="sm" c="dimmed" mt="xs">
              No token: the identity provider's requests are refused. Rotate the token to make one.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={420} type="native">
              <Table
                aria-label={`Tokens of ${connection.name}`}
                verticalSpacing="xs"
                style={{ whiteSpace: 'nowrap' }}
              >
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Token</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Last used</Table.Th>
                    <Table.Th>Expires</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {connection.tokens.map((token) => (
                    <Table.Tr key={token.id}>
                      <Table.Td>
                        <Text size="sm" ff="monospace">
                          {token.prefix}…
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <TokenStatusBadge status={token.status} />
                      </Table.Td>
                      <Table.Td>
                        <TimeAgo value={token.lastUsedAt} />
                      </Table.Td>
                      <Table.Td>
                        {token.expiresAt ? (
                          <Text size="sm" title={formatDateTime(token.expiresAt)}>
                            <TimeAgo value={token.expiresAt} />
                          </Text>
                        ) : (
                          <Text size="sm" c="dimmed">
                            Does not expire
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Grid.Col>
        <Grid.Col span={{ base: 12, xl: 6 }}>
          <SettingsForm connection={connection} />
        </Grid.Col>
      </Grid>

      <Modal
        opened={rotating}
        onClose={() => {
          rotation.reset();
          rotate.close();
        }}
        title={<Text fw={650}>Rotate the token of {connection.name}?</Text>}
      >
        <Stack gap="md">
          <Text size="sm">
            A new token is made and shown once. Paste it into the identity provider; the current
            tokens keep working for the grace period, so no request fails during the switch.
          </Text>
          <Select
            label="Current tokens keep working for"
            data={GRACE}
            value={grace}
            allowDeselect={false}
            onChange={(value) => value && setGrace(value)}
          />
          {rotation.isError && (
            <ErrorAlert error={rotation.error} title="Could not rotate the token" />
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={rotate.close}>
              Cancel
            </Button>
            <Button
              onClick={() => rotation.mutate()}
              loading={rotation.isPending}
              leftSection={<IconKey size={16} aria-hidden />}
            >
              Make a new token
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal
        opened={newToken !== null}
        onClose={() => setNewToken(null)}
        title={<Text fw={650}>New token for {connection.name}</Text>}
        size="lg"
        // The token is shown this once: only "I have copied the token" closes the dialog.
        closeOnClickOutside={false}
        closeOnEscape={false}
        withCloseButton={false}
      >
        {newToken && (
          <Stack gap="md">
            <SecretOnce secret={newToken} label="SCIM bearer token" />
            <Group justify="flex-end">
              <Button onClick={() => setNewToken(null)}>I have copied the token</Button>
            </Group>
          </Stack>
        )}
      </Modal>
      <ConfirmModal
        opened={revoking}
        onClose={() => {
          revocation.reset();
          revoke.close();
        }}
        title={`Revoke every token of ${connection.name}?`}
        confirmLabel="Revoke tokens"
        onConfirm={() => revocation.mutate()}
        loading={revocation.isPending}
        error={revocation.error}
      >
        The identity provider's requests are refused (401) within a second, until you rotate the
        token and paste the new one. Users and groups stay as they are.
      </ConfirmModal>
      <ConfirmModal
        opened={deleting}
        onClose={() => {
          deletion.reset();
          del.close();
        }}
        title={`Delete the connection ${connection.name}?`}
        confirmLabel="Delete connection"
        onConfirm={() => deletion.mutate()}
        loading={deletion.isPending}
        error={deletion.error}
      >
        Its tokens stop working. What it provisioned stays in the directory with origin IDP. This
        cannot be undone.
      </ConfirmModal>
    </Card>
  );
}

function SettingsForm({ connection }: { connection: Connection }) {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const [settings, setSettings] = useState<ConnectionSettings>(connection.settings);
  const [saved, setSaved] = useState<ConnectionSettings>(connection.settings);
  // The server's settings changed (saved here or elsewhere): start from them.
  if (
    saved !== connection.settings &&
    JSON.stringify(saved) !== JSON.stringify(connection.settings)
  ) {
    setSaved(connection.settings);
    setSettings(connection.settings);
  }
  const save = useMutation({
    mutationFn: () => api.connections.update(connection.id, settings),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['connections'] }),
  });
  const dirty = JSON.stringify(settings) !== JSON.stringify(connection.settings);
  const change = (patch: Partial<ConnectionSettings>) => {
    save.reset();
    setSettings((current) => ({ ...current, ...patch }));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const id = connection.id;
  return (
    <form onSubmit={submit} aria-label={`Provisioning rules of ${connection.name}`}>
      <Text fw={600} size="sm" mb={6} component="h4" m={0}>
        Provisioning rules
      </Text>
      <fieldset disabled={!canWrite} style={{ border: 0, padding: 0, margin: 0 }}>
        <Grid gap="sm" mt={6}>
          <Grid.Col span={6}>
            <Select
              id={`dialect-${id}`}
              label="Dialect"
              size="sm"
              data={DIALECTS}
              value={settings.dialect}
              allowDeselect={false}
              onChange={(value) => value && change({ dialect: value })}
              error={fieldError(save.error, 'dialect')}
            />
          </Grid.Col>
          <Grid.Col span={6}>
            <Select
              id={`deprovision-${id}`}
              label="When the IdP deactivates a user"
              size="sm"
              data={[
                { value: 'delete', label: 'Remove from the platform' },
                { value: 'suspend', label: 'Keep listed, inactive' },
              ]}
              value={settings.deprovisionPolicy}
              allowDeselect={false}
              onChange={(value) =>
                value &&
                change({ deprovisionPolicy: value as ConnectionSettings['deprovisionPolicy'] })
              }
            />
          </Grid.Col>
          <Grid.Col span={6}>
            <NumberInput
              id={`retention-${id}`}
              label="Restorable for (days)"
              size="sm"
              min={0}
              max={3650}
              allowDecimal={false}
              value={settings.retentionDays}
              onChange={(value) =>
                change({ retentionDays: typeof value === 'number' ? value : Number(value) || 0 })
              }
              error={fieldError(save.error, 'retentionDays')}
            />
          </Grid.Col>
          <Grid.Col span={6}>
            <NumberInput
              id={`rate-${id}`}
              label="Rate limit (requests/s)"
              placeholder="Server default"
              size="sm"
              min={25}
              max={100000}
              allowDecimal={false}
              value={settings.rateLimit ?? ''}
              onChange={(value) =>
                change({
                  rateLimit:
                    value === '' ? null : typeof value === 'number' ? value : Number(value),
                })
              }
              error={fieldError(save.error, 'rateLimit')}
            />
          </Grid.Col>
          <Grid.Col span={12}>
            <Switch
              id={`link-${id}`}
              label="Link LOCAL users with the same userName"
              description="The IdP takes over a LOCAL user it creates again (never an administrator)."
              checked={settings.linkLocalUsers}
              onChange={(event) => change({ linkLocalUsers: event.currentTarget.checked })}
            />
          </Grid.Col>
        </Grid>
      </fieldset>
      {save.isError && <ErrorAlert error={save.error} title="Could not save the rules" />}
      {canWrite && (
        <Group justify="flex-end" gap="sm" mt="sm">
          {save.isSuccess && !dirty && (
            <Text size="sm" c="teal.9" role="status">
              Saved
            </Text>
          )}
          {dirty && (
            <Button
              variant="subtle"
              color="gray"
              size="sm"
              onClick={() => setSettings(connection.settings)}
            >
              Discard
            </Button>
          )}
          <Button type="submit" size="sm" disabled={!dirty} loading={save.isPending}>
            Save rules
          </Button>
        </Group>
      )}
    </form>
  );
}

function CreateConnectionModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => api.connections.create(name.trim()),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['connections'] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
    },
  });
  const close = () => {
    setName('');
    create.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate();
  };
  const created = create.data;
  return (
    <Modal
      opened={opened}
      onClose={close}
      size="lg"
      // Once the token is shown (this once), only "I have copied the token" closes the dialog.
      closeOnClickOutside={!created}
      closeOnEscape={!created}
      withCloseButton={!created}
      title={
        <Text fw={650}>
          {created ? `Connection ${created.name} created` : 'New SCIM connection'}
        </Text>
      }
    >
      {created ? (
        <Stack gap="md">
          <Text size="sm">
            Paste these two values into the identity provider's provisioning settings.
          </Text>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" fw={600} w={140}>
              SCIM base URL
            </Text>
            <CopyValue value={created.scimBaseUrl} label="the SCIM base URL" />
          </Group>
          <SecretOnce secret={created.token} label="Bearer token" />
          <Group justify="flex-end">
            <Button onClick={close}>I have copied the token</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            {create.isError && !fieldError(create.error, 'name') && (
              <ErrorAlert error={create.error} title="Could not create the connection" />
            )}
            <TextInput
              label="Name"
              description="One connection per identity provider, e.g. okta or entra."
              placeholder="okta"
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={fieldError(create.error, 'name')}
              required
              data-autofocus
            />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
                Create connection
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function ValueRow({ field, children }: { field: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" fw={500} w={260} style={{ whiteSpace: 'normal' }}>
        {field}
      </Table.Th>
      <Table.Td style={{ whiteSpace: 'normal' }}>{children}</Table.Td>
    </Table.Tr>
  );
}

/** The values to paste into an identity provider's form, one row each. */
function ValuesTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.ScrollContainer minWidth={420} type="native">
      <Table
        withTableBorder
        withRowBorders
        verticalSpacing="xs"
        highlightOnHover={false}
        aria-label={label}
      >
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function SetupGuide({ scimBaseUrl }: { scimBaseUrl: string }) {
  const [guide, setGuide] = useState<GuideName | null>(null);
  const token = (
    <Text size="sm">
      The connection's token, as shown when it was made (<code>gh_scim_…</code>). Lost it? Rotate
      the token.
    </Text>
  );
  return (
    <Card
      withBorder
      radius="md"
      padding="lg"
      mt="xl"
      component="section"
      aria-labelledby="setup-guide"
    >
      <Title order={2} fz="lg" id="setup-guide" mb={4}>
        Set up Okta / Entra ID
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        The exact values to paste. The full guides explain each step and what every action does in
        Gatehouse.
      </Text>
      <Tabs defaultValue="okta" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="okta">Okta</Tabs.Tab>
          <Tabs.Tab value="entra">Microsoft Entra ID</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="okta" pt="md">
          <Text size="sm" mb="sm">
            In the platform's Okta app: <b>General</b> → <b>App Settings</b> → <b>Edit</b> →
            Provisioning: <b>SCIM</b>. Then <b>Provisioning</b> → <b>Integration</b> → <b>Edit</b>:
          </Text>
          <ValuesTable label="Values for Okta">
            <ValueRow field="SCIM connector base URL">
              <CopyValue value={scimBaseUrl} label="the SCIM connector base URL for Okta" />
            </ValueRow>
            <ValueRow field="Unique identifier field for users">
              <CopyValue value="userName" label="the unique identifier field" />
            </ValueRow>
            <ValueRow field="Supported provisioning actions">
              <Text size="sm">
                <b>Push New Users</b>, <b>Push Profile Updates</b>, <b>Push Groups</b>
              </Text>
            </ValueRow>
            <ValueRow field="Authentication Mode">
              <Text size="sm">
                <b>HTTP Header</b>
              </Text>
            </ValueRow>
            <ValueRow field="Authorization (Bearer)">{token}</ValueRow>
          </ValuesTable>
          <Text size="sm" mt="md" mb={4}>
            Then <b>Provisioning</b> → <b>To App</b> → <b>Edit</b>, enable:
          </Text>
          <List size="sm" spacing={2}>
            <List.Item>Create Users</List.Item>
            <List.Item>Update User Attributes</List.Item>
            <List.Item>Deactivate Users</List.Item>
          </List>
          <Text size="sm" c="dimmed" mt="sm">
            Leave Sync Password off: users sign in through Okta. Assign people on <b>Assignments</b>{' '}
            and push groups on <b>Push Groups</b>.{' '}
            <Anchor
              component="button"
              type="button"
              size="sm"
              underline="always"
              onClick={() => setGuide('okta')}
            >
              Read the full Okta guide
            </Anchor>
          </Text>
        </Tabs.Panel>
        <Tabs.Panel value="entra" pt="md">
          <Text size="sm" mb="sm">
            In the enterprise application: <b>Provisioning</b> → <b>Get started</b>, Provisioning
            Mode <b>Automatic</b>, then under <b>Admin Credentials</b>:
          </Text>
          <ValuesTable label="Values for Entra ID">
            <ValueRow field="Tenant URL">
              <CopyValue
                value={`${scimBaseUrl}?aadOptscim062020`}
                label="the tenant URL for Entra ID"
              />
            </ValueRow>
            <ValueRow field="Secret Token">{token}</ValueRow>
          </ValuesTable>
          <Text size="sm" c="dimmed" mt="sm">
            <code>?aadOptscim062020</code> makes Entra ID send standard RFC 7644 requests. Click{' '}
            <b>Test Connection</b>, then <b>Save</b>; keep the default attribute mappings, assign
            users and groups, and set <b>Provisioning Status</b> to <b>On</b>.{' '}
            <Anchor
              component="button"
              type="button"
              size="sm"
              underline="always"
              onClick={() => setGuide('entra')}
            >
              Read the full Entra ID guide
            </Anchor>
          </Text>
        </Tabs.Panel>
      </Tabs>
      <Divider my="md" />
      <Text size="sm" c="dimmed">
        Requests and their errors appear in{' '}
        <Anchor component={Link} to="/activity" size="sm" underline="always">
          Activity
        </Anchor>{' '}
        within a second.
      </Text>
      <Drawer
        opened={guide !== null}
        onClose={() => setGuide(null)}
        position="right"
        size="xl"
        title={<Text fw={650}>{guide ? `${GUIDES[guide].title} guide` : ''}</Text>}
      >
        {guide && <Markdown source={GUIDES[guide].source} />}
      </Drawer>
    </Card>
  );
}
