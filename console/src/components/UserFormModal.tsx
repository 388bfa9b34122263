import {
  Button,
  Group,
  Modal,
  PasswordInput,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, fieldError } from '../api';
import type { UserInput } from '../api';
import type { User } from '../types';
import { ErrorAlert } from './ErrorAlert';

/** Creates a LOCAL user, or edits one (`user` given). IDP users are never edited here. */
export function UserFormModal({
  opened,
  onClose,
  user,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  user?: User;
  onSaved?: (user: User) => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={650}>{user ? `Edit ${user.userName}` : 'New LOCAL user'}</Text>}
      size="lg"
    >
      {/* Mounted only while open, so each opening starts from the user's current values. */}
      {opened && <UserForm user={user} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function UserForm({
  user,
  onClose,
  onSaved,
}: {
  user?: User;
  onClose: () => void;
  onSaved?: (user: User) => void;
}) {
  const queryClient = useQueryClient();
  const [userName, setUserName] = useState(user?.userName ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [givenName, setGivenName] = useState(user?.givenName ?? '');
  const [familyName, setFamilyName] = useState(user?.familyName ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [active, setActive] = useState(user?.active ?? true);
  const [password, setPassword] = useState('');
  const save = useMutation({
    mutationFn: () => {
      const input: UserInput = {
        userName: userName.trim(),
        displayName: displayName.trim() || null,
        givenName: givenName.trim() || null,
        familyName: familyName.trim() || null,
        email: email.trim() || null,
        active,
      };
      if (user) return api.users.update(user.id, input);
      return api.users.create({ ...input, ...(password ? { password } : {}) });
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['users'] });
      await queryClient.invalidateQueries({ queryKey: ['user', saved.id] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
      onSaved?.(saved);
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {save.isError && <ErrorAlert error={save.error} title="Could not save the user" />}
        <TextInput
          label="Username"
          description="Unique, whatever the case. Usually a work email address."
          value={userName}
          onChange={(event) => setUserName(event.currentTarget.value)}
          error={fieldError(save.error, 'userName')}
          required
          data-autofocus
        />
        <SimpleGrid cols={2}>
          <TextInput
            label="Given name"
            value={givenName}
            onChange={(event) => setGivenName(event.currentTarget.value)}
          />
          <TextInput
            label="Family name"
            value={familyName}
            onChange={(event) => setFamilyName(event.currentTarget.value)}
          />
        </SimpleGrid>
        <SimpleGrid cols={2}>
          <TextInput
            label="Display name"
            value={displayName}
            onChange={(event) => setDisplayName(event.currentTarget.value)}
          />
          <TextInput
            label="Email"
            type="email"
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            error={fieldError(save.error, 'email')}
          />
        </SimpleGrid>
        {!user && (
          <PasswordInput
            label="Password"
            description="Optional: only needed to sign in to this console (at least 12 characters)."
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={fieldError(save.error, 'password')}
          />
        )}
        <Switch
          label="Active"
          description="Inactive users stay listed but cannot sign in."
          checked={active}
          onChange={(event) => setActive(event.currentTarget.checked)}
        />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!userName.trim()}>
            {user ? 'Save changes' : 'Create user'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
