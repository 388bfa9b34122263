import { Alert, Button, Loader, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, fieldError } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert } from '../components/ErrorAlert';
import { useStartSession } from '../session';

const MIN_PASSWORD = 12;

/** The token of the one-time setup link (`/setup#token=…`): in the hash, never sent to a server log. */
function tokenFromHash(): string {
  return new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token') ?? '';
}

export function SetupPage() {
  const navigate = useNavigate();
  const startSession = useStartSession();
  const [token] = useState(tokenFromHash);
  const [userName, setUserName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const status = useQuery({
    queryKey: ['setup'],
    queryFn: ({ signal }) => api.setup.status(signal),
  });
  const complete = useMutation({
    mutationFn: () =>
      api.setup.complete({
        token,
        userName: userName.trim(),
        password,
        ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
      }),
    onSuccess: (session) => {
      startSession(session);
      // The token is spent: drop it from the address bar and the history.
      window.history.replaceState(null, '', '/setup');
      void navigate('/users', { replace: true });
    },
  });

  const passwordError =
    submitted && password.length < MIN_PASSWORD
      ? `At least ${MIN_PASSWORD} characters.`
      : fieldError(complete.error, 'password');
  const confirmError =
    submitted && confirm !== password ? 'The passwords do not match.' : undefined;
  const userNameError =
    submitted && !userName.trim() ? 'Choose a username.' : fieldError(complete.error, 'userName');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!userName.trim() || password.length < MIN_PASSWORD || confirm !== password) return;
    complete.mutate();
  };

  if (status.isPending) {
    return (
      <AuthLayout title="Set up Gatehouse">
        <Loader aria-label="Checking the setup" />
      </AuthLayout>
    );
  }

  if (status.data && !status.data.needed) {
    return (
      <AuthLayout title="Gatehouse is set up" description="An administrator already exists.">
        <Stack>
          <Text size="sm">
            Sign in with your account. Administrators grant console access to others.
          </Text>
          <Button component={Link} to="/signin">
            Go to sign in
          </Button>
        </Stack>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Create the first administrator"
      description="This account manages the directory: users, groups and the identity providers that provision them."
      width={460}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {!token && (
            <Alert
              color="yellow"
              variant="light"
              icon={<IconInfoCircle size={18} aria-hidden />}
              title="Setup link needed"
            >
              <Text size="sm">
                Open the setup link that <code>npm start</code> printed: it carries a one-time
                token.
              </Text>
            </Alert>
          )}
          {status.isError && <ErrorAlert error={status.error} />}
          {complete.isError && (
            <ErrorAlert error={complete.error} title="Could not create the administrator" />
          )}
          <TextInput
            label="Username"
            description="Usually your work email address."
            autoComplete="username"
            value={userName}
            onChange={(event) => setUserName(event.currentTarget.value)}
            error={userNameError}
            required
            autoFocus
          />
          <TextInput
            label="Display name"
            autoComplete="name"
            value={displayName}
            onChange={(event) => setDisplayName(event.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            description={`At least ${MIN_PASSWORD} characters.`}
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={passwordError}
            required
          />
          <PasswordInput
            label="Confirm password"
            autoComplete="new-password"
            value={confirm}
            onChange={(event) => setConfirm(event.currentTarget.value)}
            error={confirmError}
            required
          />
          <Button type="submit" fullWidth loading={complete.isPending} disabled={!token}>
            Create administrator and sign in
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
