import type { ComponentType } from 'react';
import { createBrowserRouter, Navigate } from 'react-router';
import { rememberSession, setUnauthorizedHandler } from './api';
import { Layout } from './components/Layout';
import { RequireSession } from './components/RequireSession';
import { NotFoundPage } from './pages/NotFoundPage';
import { SetupPage } from './pages/SetupPage';
import { SignInPage } from './pages/SignInPage';
import { queryClient } from './query-client';
import { sessionQuery } from './session';

/**
 * A page loaded when first visited: the sign-in page and the shell do not wait for every
 * page's code (each page is its own chunk).
 */
function page<K extends string>(
  load: () => Promise<Record<K, ComponentType>>,
  name: K,
): () => Promise<{ Component: ComponentType }> {
  return async () => ({ Component: (await load())[name] });
}

export const router = createBrowserRouter([
  { path: '/setup', element: <SetupPage /> },
  { path: '/signin', element: <SignInPage /> },
  {
    path: '/',
    element: (
      <RequireSession>
        <Layout />
      </RequireSession>
    ),
    children: [
      { index: true, element: <Navigate to="/users" replace /> },
      { path: 'users', lazy: page(() => import('./pages/UsersPage'), 'UsersPage') },
      { path: 'users/:id', lazy: page(() => import('./pages/UserDetailPage'), 'UserDetailPage') },
      { path: 'groups', lazy: page(() => import('./pages/GroupsPage'), 'GroupsPage') },
      {
        path: 'groups/:id',
        lazy: page(() => import('./pages/GroupDetailPage'), 'GroupDetailPage'),
      },
      {
        path: 'provisioning',
        lazy: page(() => import('./pages/ProvisioningPage'), 'ProvisioningPage'),
      },
      { path: 'activity', lazy: page(() => import('./pages/ActivityPage'), 'ActivityPage') },
      { path: 'settings/api-keys', lazy: page(() => import('./pages/ApiKeysPage'), 'ApiKeysPage') },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

// The session ended (expired, signed out elsewhere, role lost): forget it; RequireSession then
// sends the browser to /signin with the page to come back to.
setUnauthorizedHandler(() => {
  rememberSession(undefined);
  queryClient.setQueryData(sessionQuery.queryKey, null);
});
