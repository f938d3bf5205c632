import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { ApiError } from '@/api/errors';
import { createUser, updateUser } from '@/api/users';
import type { Role, User } from '@/api/types';
import { Button } from '@/components/Button';
import { Dialog } from '@/components/Dialog';
import { SelectField, TextField } from '@/components/Field';
import { Alert } from '@/components/States';
import { validateCredentials } from '@/features/auth/validation';

interface UserDialogProps {
  /** The user to edit, `null` to create one, `undefined` when closed. */
  user: User | null | undefined;
  onClose: () => void;
  /** Called with the temporary password the server made for a new user. */
  onTemporaryPassword: (email: string, password: string) => void;
}

export function UserDialog({ user, onClose, onTemporaryPassword }: UserDialogProps) {
  return (
    <Dialog open={user !== undefined} title={user ? `Edit ${user.name}` : 'New user'} onClose={onClose}>
      {user !== undefined && <UserForm user={user} onClose={onClose} onTemporaryPassword={onTemporaryPassword} />}
    </Dialog>
  );
}

type Errors = Partial<Record<'name' | 'email' | 'password', string>>;

function UserForm({ user, onClose, onTemporaryPassword }: UserDialogProps & { user: User | null }) {
  const client = useQueryClient();
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(user?.role ?? 'user');
  const [active, setActive] = useState(user?.is_active ?? true);
  const [errors, setErrors] = useState<Errors>({});

  const save = useMutation({
    mutationFn: async () => {
      if (user) {
        await updateUser(user.id, { name: name.trim(), email: email.trim(), role, is_active: active });
        return undefined;
      }
      const created = await createUser({
        name: name.trim(),
        email: email.trim(),
        role,
        ...(password ? { password } : {}),
      });
      return created.temp_password;
    },
    onSuccess: (temporary) => {
      void client.invalidateQueries({ queryKey: ['users'] });
      if (temporary) onTemporaryPassword(email.trim(), temporary);
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError) {
        setErrors({ name: error.fieldMessage('name'), email: error.fieldMessage('email') });
      }
    },
  });

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    // Reuse the sign-up rules; an empty password is fine here (the server makes one).
    const found: Errors = validateCredentials({ name, email, password: password || 'placeholder' }, true);
    setErrors(found);
    if (Object.keys(found).length === 0) save.mutate();
  }

  return (
    <form noValidate onSubmit={submit} className="space-y-4">
      <TextField label="Name" value={name} onChange={(event) => setName(event.target.value)} error={errors.name} />
      <TextField
        label="Email"
        type="email"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        error={errors.email}
      />
      {!user && (
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="Leave empty to generate a temporary password."
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errors.password}
        />
      )}
      <SelectField
        label="Role"
        value={role}
        onChange={(event) => setRole(event.target.value === 'admin' ? 'admin' : 'user')}
        options={[
          { value: 'user', label: 'User' },
          { value: 'admin', label: 'Admin' },
        ]}
      />
      {user && (
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={active}
            onChange={(event) => setActive(event.target.checked)}
            className="size-4 accent-indigo-600"
          />
          Active
        </label>
      )}
      {save.isError && <Alert tone="error">{save.error.message}</Alert>}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" busy={save.isPending}>
          {user ? 'Save' : 'Create user'}
        </Button>
      </div>
    </form>
  );
}
