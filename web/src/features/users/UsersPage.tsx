import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { deleteUser, listUsers, resetPassword, updateUser } from '@/api/users';
import type { User } from '@/api/types';
import { Badge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { CsvActions } from '@/components/CsvActions';
import { DataTable } from '@/components/DataTable';
import { Dialog } from '@/components/Dialog';
import { SelectField, TextField } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Pagination } from '@/components/Pagination';
import { Alert, EmptyState, ErrorState, Loading } from '@/components/States';
import { formatDateTime } from '@/lib/format';
import { useUrlSort } from '@/lib/listSort';
import { useDebouncedValue } from '@/lib/useDebouncedValue';
import { usePagedList } from '@/lib/usePagedList';
import { useSession } from '@/lib/useSession';
import { UserDialog } from './UserDialog';

/** What the users list sorts by (the API's `sort` values). */
const SORTS = ['name', 'email', 'created_at'] as const;

interface Secret {
  email: string;
  password: string;
}

export default function UsersPage() {
  const me = useSession();
  const client = useQueryClient();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState('');
  const [editing, setEditing] = useState<User | null | undefined>(undefined);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [secret, setSecret] = useState<Secret | null>(null);
  const q = useDebouncedValue(search.trim());
  const { sort, param: sortParam, toggle: toggleSort } = useUrlSort(SORTS);
  const { query, page, setPage, pageSize } = usePagedList('users', { q, role, sort: sortParam }, listUsers);
  const invalidate = () => void client.invalidateQueries({ queryKey: ['users'] });

  const toggleActive = useMutation({
    mutationFn: (user: User) => updateUser(user.id, { is_active: !user.is_active }),
    onSuccess: invalidate,
  });
  const reset = useMutation({
    mutationFn: (user: User) => resetPassword(user.id),
    onSuccess: (result, user) => setSecret({ email: user.email, password: result.temp_password }),
  });
  const remove = useMutation({
    mutationFn: (user: User) => deleteUser(user.id),
    onSuccess: () => {
      invalidate();
      setDeleting(null);
    },
  });
  const actionError = toggleActive.error ?? reset.error;

  return (
    <>
      <PageHeader
        title="Users"
        actions={
          <>
            <CsvActions base="/users" filename="users.csv" canImport onImported={invalidate} />
            <Button onClick={() => setEditing(null)}>New user</Button>
          </>
        }
      />
      <form
        role="search"
        aria-label="Filter users"
        onSubmit={(event) => event.preventDefault()}
        className="mb-4 grid gap-3 sm:grid-cols-[1fr_12rem]"
      >
        <TextField
          label="Search"
          type="search"
          placeholder="Name or email"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <SelectField
          label="Role"
          value={role}
          onChange={(event) => setRole(event.target.value)}
          options={[
            { value: '', label: 'All roles' },
            { value: 'user', label: 'User' },
            { value: 'admin', label: 'Admin' },
          ]}
        />
      </form>
      {secret && (
        <Alert tone="info" className="mb-4">
          Temporary password for {secret.email}: <code className="font-mono font-semibold">{secret.password}</code>
          <br />
          It is shown only once; pass it on now.{' '}
          <button type="button" className="underline" onClick={() => setSecret(null)}>
            Done
          </button>
        </Alert>
      )}
      {actionError && (
        <Alert tone="error" className="mb-4">
          {actionError.message}
        </Alert>
      )}

      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState title="No users found.">Try another search.</EmptyState>
      ) : (
        <>
          <DataTable
            caption="Users"
            rows={query.data.items}
            rowKey={(user) => user.id}
            sort={sort}
            onSort={toggleSort}
            columns={[
              { header: 'Name', cell: (user) => user.name, sortKey: 'name' },
              { header: 'Email', cell: (user) => user.email, sortKey: 'email' },
              {
                header: 'Role',
                cell: (user) => <Badge tone={user.role === 'admin' ? 'indigo' : 'gray'}>{user.role}</Badge>,
              },
              {
                header: 'Status',
                cell: (user) => (
                  <Badge tone={user.is_active ? 'green' : 'red'}>{user.is_active ? 'Active' : 'Inactive'}</Badge>
                ),
              },
              { header: 'Created', cell: (user) => formatDateTime(user.created_at), sortKey: 'created_at' },
              {
                header: 'Actions',
                cell: (user) => (
                  <span className="flex flex-wrap gap-1 max-sm:justify-end">
                    <Button variant="ghost" size="sm" aria-label={`Edit ${user.email}`} onClick={() => setEditing(user)}>
                      Edit
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`${user.is_active ? 'Deactivate' : 'Activate'} ${user.email}`}
                      disabled={user.id === me?.userId}
                      onClick={() => toggleActive.mutate(user)}
                    >
                      {user.is_active ? 'Deactivate' : 'Activate'}
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`Reset password of ${user.email}`}
                      onClick={() => reset.mutate(user)}
                    >
                      Reset password
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`Delete ${user.email}`}
                      disabled={user.id === me?.userId}
                      onClick={() => setDeleting(user)}
                    >
                      Delete
                    </Button>
                  </span>
                ),
              },
            ]}
          />
          <Pagination page={page} pageSize={pageSize} total={query.data.total} onPageChange={setPage} />
        </>
      )}

      <UserDialog
        user={editing}
        onClose={() => setEditing(undefined)}
        onTemporaryPassword={(email, password) => setSecret({ email, password })}
      />
      <Dialog open={deleting !== null} title={`Delete ${deleting?.email ?? ''}?`} onClose={() => setDeleting(null)}>
        <p className="text-sm">The account is removed for good.</p>
        {remove.isError && (
          <Alert tone="error" className="mt-3">
            {remove.error.message}
          </Alert>
        )}
        <div className="mt-4 flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setDeleting(null)}>
            Keep it
          </Button>
          <Button variant="danger" busy={remove.isPending} onClick={() => deleting && remove.mutate(deleting)}>
            Delete
          </Button>
        </div>
      </Dialog>
    </>
  );
}
