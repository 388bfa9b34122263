import { createBrowserRouter, Navigate } from 'react-router';
import { rememberSession, setUnauthorizedHandler } from './api';
import { Layout } from './components/Layout';
import { RequireSession } from './components/RequireSession';
import { ActivityPage } from './pages/ActivityPage';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { GroupDetailPage } from './pages/GroupDetailPage';
import { GroupsPage } from './pages/GroupsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ProvisioningPage } from './pages/ProvisioningPage';
import { SetupPage } from './pages/SetupPage';
import { SignInPage } from './pages/SignInPage';
import { UserDetailPage } from './pages/UserDetailPage';
import { UsersPage } from './pages/UsersPage';
import { queryClient } from './query-client';
import { sessionQuery } from './session';

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
      { path: 'users', element: <UsersPage /> },
      { path: 'users/:id', element: <UserDetailPage /> },
      { path: 'groups', element: <GroupsPage /> },
      { path: 'groups/:id', element: <GroupDetailPage /> },
      { path: 'provisioning', element: <ProvisioningPage /> },
      { path: 'activity', element: <ActivityPage /> },
      { path: 'settings/api-keys', element: <ApiKeysPage /> },
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
