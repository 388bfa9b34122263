import { Alert, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert } from '../components/ErrorAlert';
import { useSession, useStartSession } from '../session';

/** Where to go after signing in: only a path of this console, never another site. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/users';
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const session = useSession();
  const startSession = useStartSession();
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const setup = useQuery({
    queryKey: ['setup'],
    queryFn: ({ signal }) => api.setup.status(signal),
    staleTime: 60_000,
  });
  const signIn = useMutation({
    mutationFn: () => api.session.signIn(userName.trim(), password),
    onSuccess: (result) => {
      startSession(result);
      void navigate(safeNext(params.get('next')), { replace: true });
    },
  });

  if (session.data && !signIn.isPending && !signIn.isSuccess) {
    return <Navigate to={safeNext(params.get('next'))} replace />;
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };

  return (
    <AuthLayout
      title="Sign in"
      description="The account console of your platform's identity directory."
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {setup.data?.needed && (
            <Alert
              color="blue"
              variant="light"
              icon={<IconInfoCircle size={18} aria-hidden />}
              title="No administrator yet"
            >
              <Text size="sm">
                Open the one-time setup link that <code>npm start</code> printed, or run{' '}
                <code>npx gatehouse admins create &lt;userName&gt;</code>.
              </Text>
            </Alert>
          )}
          {signIn.isError && <ErrorAlert error={signIn.error} title="Could not sign in" />}
          <TextInput
            label="Username"
            name="username"
            autoComplete="username"
            value={userName}
            onChange={(event) => setUserName(event.currentTarget.value)}
            required
            data-autofocus
            autoFocus
          />
          <PasswordInput
            label="Password"
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
          />
          <Button
            type="submit"
            fullWidth
            loading={signIn.isPending}
            disabled={!userName.trim() || !password}
          >
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
