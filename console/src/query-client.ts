import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Stale at once: a page shows what it has and asks again when it opens, so a user
      // provisioned a moment ago is there when the admin comes back to the list.
      staleTime: 0,
      // A 4xx answer will not change on a retry (401 already sent the browser to sign in).
      retry: (failureCount, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) &&
        failureCount < 2,
      refetchOnWindowFocus: true,
    },
  },
});
