import {
  AppShell,
  Avatar,
  Badge,
  Box,
  Burger,
  Group,
  Menu,
  NavLink,
  Stack,
  Text,
  ThemeIcon,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconActivity,
  IconBuildingCastle,
  IconChevronDown,
  IconKey,
  IconLogout,
  IconPlugConnected,
  IconUser,
  IconUsers,
  IconUsersGroup,
} from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { ComponentType } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { api } from '../api';
import { useEndSession, useSession } from '../session';
import { RoleBadge } from './badges';

interface NavItem {
  readonly to: string;
  readonly label: string;
  readonly icon: ComponentType<{ size?: number; 'aria-hidden'?: boolean }>;
  readonly count?: number;
  readonly alert?: number;
}

function initials(name: string): string {
  const parts = name
    .replace(/@.*/, '')
    .split(/[\s._-]+/)
    .filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

/** The console's frame: the product, the signed-in user, and the navigation on the left. */
export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const session = useSession().data;
  const endSession = useEndSession();
  const overview = useQuery({
    queryKey: ['overview'],
    queryFn: ({ signal }) => api.overview(signal),
    refetchInterval: 30_000,
  });
  const signOut = useMutation({
    mutationFn: api.session.signOut,
    onSettled: () => {
      endSession();
      void navigate('/signin', { replace: true });
    },
  });

  const format = new Intl.NumberFormat();
  const items: NavItem[] = [
    { to: '/users', label: 'Users', icon: IconUsers, count: overview.data?.users },
    { to: '/groups', label: 'Groups', icon: IconUsersGroup, count: overview.data?.groups },
    { to: '/provisioning', label: 'Provisioning', icon: IconPlugConnected },
    {
      to: '/activity',
      label: 'Activity',
      icon: IconActivity,
      alert: overview.data?.failedRequests24h,
    },
  ];
  const user = session?.user;
  const name = user?.displayName || user?.userName || '';

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={{ base: 'md', md: 'xl' }}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
            />
            <UnstyledButton component={Link} to="/users" aria-label="Gatehouse, home">
              <Group gap={10} wrap="nowrap">
                <ThemeIcon size={30} radius="md" variant="filled" aria-hidden>
                  <IconBuildingCastle size={18} />
                </ThemeIcon>
                <Text fw={700} fz="lg" lh={1}>
                  Gatehouse
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          {user && (
            <Menu position="bottom-end" width={240} shadow="md">
              <Menu.Target>
                <UnstyledButton px={6} py={4}>
                  <VisuallyHidden>Account menu of </VisuallyHidden>
                  <Group gap={10} wrap="nowrap">
                    <Avatar radius="xl" size={32} color="indigo" variant="light" aria-hidden>
                      {initials(name)}
                    </Avatar>
                    <Stack gap={0} visibleFrom="xs">
                      <Text size="sm" fw={600} lh={1.2} data-testid="signed-in-user">
                        {name}
                      </Text>
                      <Text size="xs" c="dimmed" lh={1.2}>
                        {user.role === 'admin' ? 'Administrator' : 'Viewer (read only)'}
                      </Text>
                    </Stack>
                    <IconChevronDown size={14} aria-hidden />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Signed in as</Menu.Label>
                <Box px="sm" pb="xs">
                  <Text size="sm" fw={600} truncate>
                    {user.userName}
                  </Text>
                  <Box mt={4}>
                    <RoleBadge role={user.role} />
                  </Box>
                </Box>
                <Menu.Divider />
                <Menu.Item
                  leftSection={<IconUser size={16} aria-hidden />}
                  component={Link}
                  to={`/users/${user.id}`}
                >
                  Your profile
                </Menu.Item>
                <Menu.Item
                  color="red"
                  leftSection={<IconLogout size={16} aria-hidden />}
                  onClick={() => signOut.mutate()}
                >
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main">
        <AppShell.Section grow>
          <Stack gap={2}>
            {items.map((item) => (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={item.label}
                className="gh-nav-link"
                active={pathname === item.to || pathname.startsWith(`${item.to}/`)}
                leftSection={<item.icon size={18} aria-hidden />}
                rightSection={
                  item.alert ? (
                    <Badge size="sm" color="red" variant="filled">
                      {format.format(item.alert)}
                      <VisuallyHidden> failed requests in the last 24 hours</VisuallyHidden>
                    </Badge>
                  ) : item.count !== undefined ? (
                    <Text size="xs" c="dimmed" aria-hidden>
                      {format.format(item.count)}
                    </Text>
                  ) : null
                }
                onClick={close}
              />
            ))}
          </Stack>
          {user?.role === 'admin' && (
            <>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase" mt="lg" mb={4} px="sm">
                Settings
              </Text>
              <NavLink
                component={Link}
                to="/settings/api-keys"
                label="API keys"
                className="gh-nav-link"
                active={pathname.startsWith('/settings/api-keys')}
                leftSection={<IconKey size={18} aria-hidden />}
                onClick={close}
              />
            </>
          )}
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="sm" pb={4}>
            Identity directory · SCIM 2.0
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main bg="gray.0">
        <Box maw={1480} mx="auto">
          <Outlet />
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
