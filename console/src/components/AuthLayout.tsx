import { Box, Center, Group, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconBuildingCastle } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** The frame of the pages seen before signing in: the product, a title and a card. */
export function AuthLayout({
  title,
  description,
  children,
  width = 420,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  width?: number;
}) {
  useDocumentTitle(`${title} · Gatehouse`);
  return (
    <Box
      mih="100vh"
      style={{
        background:
          'radial-gradient(1200px 600px at 50% -10%, var(--mantine-color-indigo-1), var(--mantine-color-gray-0) 60%)',
      }}
    >
      <Center mih="100vh" p="md" component="main">
        <Stack w={width} maw="100%" gap="lg">
          <Group gap={10} justify="center">
            <ThemeIcon size={40} radius="md" aria-hidden>
              <IconBuildingCastle size={24} />
            </ThemeIcon>
            <Text fw={750} fz={26}>
              Gatehouse
            </Text>
          </Group>
          <Paper withBorder shadow="sm" radius="lg" p="xl">
            <Stack gap={4} mb="lg">
              <Title order={1} fz={22}>
                {title}
              </Title>
              {description && (
                <Text size="sm" c="dimmed">
                  {description}
                </Text>
              )}
            </Stack>
            {children}
          </Paper>
        </Stack>
      </Center>
    </Box>
  );
}
