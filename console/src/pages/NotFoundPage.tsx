import { Button, Card, EmptyState } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconMapSearch } from '@tabler/icons-react';
import { Link } from 'react-router';

export function NotFoundPage({ what }: { what?: 'user' | 'group' }) {
  const title = what ? `No such ${what}` : 'Page not found';
  useDocumentTitle(`${title} · Gatehouse`);
  return (
    <Card withBorder radius="md" padding="xl" mt="xl">
      <EmptyState py="xl" withIndicatorBackground>
        <EmptyState.Indicator>
          <IconMapSearch size={28} aria-hidden />
        </EmptyState.Indicator>
        {/* The page's one heading. */}
        <EmptyState.Title order={1}>{title}</EmptyState.Title>
        <EmptyState.Description>
          {what
            ? 'It may have been deleted, or deprovisioned by its identity provider.'
            : 'The address does not match a page of the console.'}
        </EmptyState.Description>
        <EmptyState.Actions>
          <Button component={Link} to={what === 'group' ? '/groups' : '/users'}>
            {what === 'group' ? 'Back to groups' : 'Back to users'}
          </Button>
        </EmptyState.Actions>
      </EmptyState>
    </Card>
  );
}
