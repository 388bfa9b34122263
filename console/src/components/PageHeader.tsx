import { Anchor, Breadcrumbs, Group, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

export interface Crumb {
  readonly label: string;
  readonly to: string;
}

/** The page's title (its one h1), what the page is for, and its main actions on the right. */
export function PageHeader({
  title,
  description,
  actions,
  crumbs,
  badges,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  crumbs?: readonly Crumb[];
  badges?: ReactNode;
}) {
  useDocumentTitle(typeof title === 'string' ? `${title} · Gatehouse` : 'Gatehouse');
  return (
    <Stack gap={6} mb="lg">
      {crumbs && crumbs.length > 0 && (
        <Breadcrumbs separatorMargin={6} aria-label="Breadcrumb">
          {crumbs.map((crumb) => (
            <Anchor key={crumb.to} component={Link} to={crumb.to} size="sm">
              {crumb.label}
            </Anchor>
          ))}
        </Breadcrumbs>
      )}
      {/* The actions go below the title when both do not fit: a title is never squashed away. */}
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="lg">
        <Stack gap={4} miw={0} style={{ flex: '1 1 320px' }}>
          <Group gap="sm" wrap="wrap" miw={0}>
            <Title
              order={1}
              fz={26}
              lineClamp={2}
              title={typeof title === 'string' ? title : undefined}
              style={{ overflowWrap: 'anywhere' }}
            >
              {title}
            </Title>
            {badges}
          </Group>
          {description && (
            <Text c="dimmed" size="sm" maw={760}>
              {description}
            </Text>
          )}
        </Stack>
        {actions && (
          <Group gap="sm" wrap="wrap">
            {actions}
          </Group>
        )}
      </Group>
    </Stack>
  );
}
