import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { ErrorBoundary } from '@/components/ErrorBoundary';
import { Loading } from '@/components/States';
import { useSession } from '@/lib/useSession';
import { NotFound } from './NotFound';

// Everything behind the login (TanStack Query, the layout, the pages, the charts) loads
// only after sign-in, so the login page stays small.
const LoginPage = lazy(() => import('@/features/auth/LoginPage'));
const RegisterPage = lazy(() => import('@/features/auth/RegisterPage'));
const AuthenticatedApp = lazy(() => import('./AuthenticatedApp'));

/** SPA pages live under /app so they never share a path with the API (/users, ...). */
export const APP_HOME = '/app';

function Page({ children }: { children: ReactNode }) {
  return (
    <ErrorBoundary>
      <Suspense fallback={<Loading />}>{children}</Suspense>
    </ErrorBoundary>
  );
}

function RequireAuth({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return children;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/" element={<Navigate to={APP_HOME} replace />} />
      <Route
        path="/login"
        element={
          <Page>
            <LoginPage />
          </Page>
        }
      />
      <Route
        path="/register"
        element={
          <Page>
            <RegisterPage />
          </Page>
        }
      />
      <Route
        path="/app/*"
        element={
          <RequireAuth>
            <Page>
              <AuthenticatedApp />
            </Page>
          </RequireAuth>
        }
      />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
