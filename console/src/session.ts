import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { ApiError, api, rememberSession } from './api';
import type { Session } from './types';

/** The signed-in session, or null when nobody is signed in. */
export const sessionQuery = queryOptions({
  queryKey: ['session'],
  queryFn: async ({ signal }): Promise<Session | null> => {
    try {
      const session = await api.session.get(signal);
      rememberSession(session);
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        rememberSession(undefined);
        return null;
      }
      throw error;
    }
  },
  staleTime: 5 * 60_000,
  retry: false,
});

export function useSession() {
  return useQuery(sessionQuery);
}

/** Admins may write; viewers see no write buttons (the API would answer 403 anyway). */
export function useCanWrite(): boolean {
  return useSession().data?.user.role === 'admin';
}

/** Stores a session answered by sign-in or setup, dropping anything cached for someone else. */
export function useStartSession(): (session: Session) => void {
  const queryClient = useQueryClient();
  return useCallback(
    (session: Session) => {
      rememberSession(session);
      queryClient.clear();
      queryClient.setQueryData(sessionQuery.queryKey, session);
    },
    [queryClient],
  );
}

export function useEndSession(): () => void {
  const queryClient = useQueryClient();
  return useCallback(() => {
    rememberSession(undefined);
    queryClient.clear();
    queryClient.setQueryData(sessionQuery.queryKey, null);
  }, [queryClient]);
}
