import { useState, type SyntheticEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { ApiError } from '@/api/errors';
import type { TokenResponse } from '@/api/types';
import { Button } from '@/components/Button';
import { TextField } from '@/components/Field';
import { Alert } from '@/components/States';
import { lastEndReason, startSession } from '@/lib/session';
import { useSession } from '@/lib/useSession';
import { validateCredentials, type CredentialErrors, type Credentials } from './validation';

interface AuthFormProps {
  mode: 'login' | 'register';
  submit: (values: Credentials) => Promise<TokenResponse>;
}

export function AuthForm({ mode, submit }: AuthFormProps) {
  const registering = mode === 'register';
  const navigate = useNavigate();
  const location = useLocation();
  const state = location.state as { from?: string } | null;
  // Where to go once signed in: back to the page that sent the user here, if it is ours.
  const from = state?.from?.startsWith('/app') ? state.from : '/app';
  const [values, setValues] = useState<Credentials>({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<CredentialErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signedIn = useSession() !== null;

  async function onSubmit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateCredentials(values, registering);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const { access_token } = await submit({ ...values, email: values.email.trim() });
      if (!startSession(access_token)) throw new Error('The server sent an unusable token.');
      void navigate(from, { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.length > 0) {
        setErrors({
          name: error.fieldMessage('name'),
          email: error.fieldMessage('email'),
          password: error.fieldMessage('password'),
        });
      }
      setFormError(error instanceof Error ? error.message : 'Something went wrong.');
    } finally {
      setBusy(false);
    }
  }

  // Someone already signed in has no business here. This also runs right after the form's
  // own sign-in, when it may re-render before its navigation lands: go to the same place.
  if (signedIn && !busy) return <Navigate to={from} replace />;

  const set = (field: keyof Credentials) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));

  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-10">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <p className="text-sm font-semibold text-indigo-600 dark:text-indigo-400">Spin Shop</p>
        <h1 className="mt-1 mb-5 text-2xl font-semibold">{registering ? 'Create an account' : 'Sign in'}</h1>
        {!registering && lastEndReason() === 'expired' && !formError && (
          <Alert tone="info" className="mb-4">
            Your session has ended. Please sign in again.
          </Alert>
        )}
        {formError && (
          <Alert tone="error" className="mb-4">
            {formError}
          </Alert>
        )}
        <form noValidate onSubmit={(event) => void onSubmit(event)} className="space-y-4">
          {registering && (
            <TextField label="Name" name="name" autoComplete="name" value={values.name} onChange={set('name')} error={errors.name} />
          )}
          <TextField
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            value={values.email}
            onChange={set('email')}
            error={errors.email}
          />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete={registering ? 'new-password' : 'current-password'}
            hint={registering ? 'At least 8 characters.' : undefined}
            value={values.password}
            onChange={set('password')}
            error={errors.password}
          />
          <Button type="submit" className="w-full" busy={busy}>
            {registering ? 'Create account' : 'Sign in'}
          </Button>
        </form>
        <p className="mt-5 text-center text-sm text-slate-600 dark:text-slate-400">
          {registering ? 'Already have an account? ' : 'New here? '}
          <Link
            to={registering ? '/login' : '/register'}
            state={state}
            className="font-medium text-indigo-600 underline dark:text-indigo-400"
          >
            {registering ? 'Sign in' : 'Create an account'}
          </Link>
        </p>
      </div>
    </main>
  );
}
