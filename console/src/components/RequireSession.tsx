import { Center, Loader } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../session';
import { ErrorAlert } from './ErrorAlert';

/** Renders its children for a signed-in user; otherwise sends the browser to /signin. */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading the console" />
      </Center>
    );
  }
  if (session.isError) {
    return (
      <Center h="100vh" p="xl">
        <ErrorAlert
          error={session.error}
          title="The console could not start"
          onRetry={() => void session.refetch()}
        />
      </Center>
    );
  }
  if (!session.data) {
    const next = location.pathname + location.search;
    const target = next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`;
    return <Navigate to={target} replace />;
  }
  return children;
}
