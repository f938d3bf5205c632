import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { Route, Routes } from 'react-router';
import { ApiError } from '@/api/errors';
import { ErrorBoundary } from '@/components/ErrorBoundary';
import { ErrorState, Loading } from '@/components/States';
import { usePreferences } from '@/lib/preferences';
import { useApplyTheme } from '@/lib/theme';
import { useSession } from '@/lib/useSession';
import { Layout } from './Layout';
import { NotFound } from './NotFound';

const DashboardPage = lazy(() => import('@/features/dashboard/DashboardPage'));
const OrdersPage = lazy(() => import('@/features/orders/OrdersPage'));
const OrderDetailPage = lazy(() => import('@/features/orders/OrderDetailPage'));
const InventoryPage = lazy(() => import('@/features/inventory/InventoryPage'));
const UsersPage = lazy(() => import('@/features/users/UsersPage'));
const SettingsPage = lazy(() => import('@/features/settings/SettingsPage'));

function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // A 4xx will not fix itself; a dropped connection or a 503 might.
        retry: (count, error) =>
          count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
    },
  });
}

function ThemeFromPreferences() {
  useApplyTheme(usePreferences().theme);
  return null;
}

function AdminOnly({ children }: { children: ReactNode }) {
  const session = useSession();
  if (session?.role !== 'admin') {
    return <ErrorState error={new Error('This page is for administrators only.')} />;
  }
  return children;
}

export default function AuthenticatedApp() {
  // One cache per signed-in session: signing out unmounts this and drops it.
  const [client] = useState(createQueryClient);
  return (
    <QueryClientProvider client={client}>
      <ThemeFromPreferences />
      <Layout>
        <ErrorBoundary>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route index element={<DashboardPage />} />
              <Route path="orders" element={<OrdersPage />} />
              <Route path="orders/:id" element={<OrderDetailPage />} />
              <Route path="inventory" element={<InventoryPage />} />
              <Route
                path="users"
                element={
                  <AdminOnly>
                    <UsersPage />
                  </AdminOnly>
                }
              />
              <Route path="settings" element={<SettingsPage />} />
              <Route path="*" element={<NotFound />} />
            </Routes>
          </Suspense>
        </ErrorBoundary>
      </Layout>
    </QueryClientProvider>
  );
}
