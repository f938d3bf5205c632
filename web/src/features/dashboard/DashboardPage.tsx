import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { Link } from 'react-router';
import { getInventoryAnalytics, listItems } from '@/api/inventory';
import { getForecast, getOrderAnalytics, getOrderTimeseries } from '@/api/orders';
import { ORDER_STATUSES } from '@/api/types';
import { getUserAnalytics, getUserTimeseries } from '@/api/users';
import { Card } from '@/components/Card';
import { DataTable } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { EmptyState, ErrorState, Loading } from '@/components/States';
import { formatDateTime } from '@/lib/format';
import { formatMoney } from '@/lib/money';
import { usePreferences } from '@/lib/preferences';
import { useSession } from '@/lib/useSession';
import { OrderLink } from '@/features/orders/OrderLink';
import { StatusBadge } from '@/features/orders/StatusBadge';
import { statusLabel } from '@/features/orders/status';
import { ChartCard } from './ChartCard';
import { categoryTable, ordersRevenueTable, signupsTable, type Category } from './chartData';
import { CategoryChart, OrdersRevenueChart, SignupsChart } from './Charts';
import { DaySwitch } from './DaySwitch';
import { ForecastNote } from './ForecastNote';
import { useDays } from './useDays';

/** How many of the lowest-stocked items the stock chart shows. */
const LOWEST_STOCK = 10;

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <dt className="text-sm text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold">{value}</dd>
    </div>
  );
}

/** A query's loading and error states, then `children` with its data. */
function Loaded<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return children(query.data);
}

export default function DashboardPage() {
  const isAdmin = useSession()?.role === 'admin';
  const [days, setDays] = useDays();
  const preferences = usePreferences();
  const { palette } = preferences;
  const forecastOptions = {
    days,
    method: preferences.forecastMethod,
    seasonality: preferences.forecastSeasonality,
    conf: preferences.forecastConfidence,
  };

  const analytics = useQuery({ queryKey: ['orders', 'analytics'], queryFn: getOrderAnalytics });
  const timeseries = useQuery({ queryKey: ['orders', 'timeseries', days], queryFn: () => getOrderTimeseries(days) });
  const forecast = useQuery({
    queryKey: ['orders', 'forecast', forecastOptions],
    queryFn: () => getForecast(forecastOptions),
    // The request follows the user's forecast settings: wait until they are known.
    enabled: !preferences.query.isPending,
  });
  const stock = useQuery({ queryKey: ['inventory', 'analytics'], queryFn: getInventoryAnalytics });
  const lowest = useQuery({
    queryKey: ['inventory', 'list', 'lowest'],
    queryFn: ({ signal }) => listItems({ sort: 'qty', limit: LOWEST_STOCK }, signal),
  });
  const users = useQuery({ queryKey: ['users', 'analytics'], queryFn: getUserAnalytics, enabled: isAdmin });
  const signups = useQuery({
    queryKey: ['users', 'timeseries', days],
    queryFn: () => getUserTimeseries(days),
    enabled: isAdmin,
  });

  const statuses = useMemo<Category[] | undefined>(
    () =>
      analytics.data &&
      ORDER_STATUSES.map((status) => ({ label: statusLabel(status), value: analytics.data.status_breakdown[status] ?? 0 })),
    [analytics.data],
  );
  const roles = useMemo<Category[] | undefined>(
    () =>
      users.data &&
      Object.entries(users.data.role_breakdown).map(([role, count]) => ({ label: statusLabel(role), value: count })),
    [users.data],
  );
  const lowestItems = useMemo<Category[] | undefined>(
    () => lowest.data?.items.map((item) => ({ label: item.sku, value: item.qty })),
    [lowest.data],
  );
  const forecastData = forecast.data && forecast.data.forecast.length > 0 ? forecast.data : undefined;

  return (
    <>
      <PageHeader
        title={isAdmin ? 'Dashboard — all orders' : 'Dashboard — your orders'}
        actions={<DaySwitch days={days} onChange={setDays} />}
      />
      {analytics.isPending ? (
        <Loading />
      ) : analytics.isError ? (
        <ErrorState error={analytics.error} onRetry={() => void analytics.refetch()} />
      ) : (
        <dl className="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-4">
          <Stat label="Orders" value={analytics.data.total_orders} />
          <Stat label="Revenue" value={formatMoney(analytics.data.total_revenue)} />
          <Stat label="Orders, last 7 days" value={analytics.data.recent_orders_7d} />
          <Stat label="Low-stock items" value={stock.data ? stock.data.low_stock + stock.data.out_of_stock : '–'} />
        </dl>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <ChartCard
          title={`Orders and revenue, last ${days} days, with a ${days}-day forecast`}
          filename={`orders-revenue-${days}d`}
          table={timeseries.data && ordersRevenueTable(timeseries.data.series, forecastData)}
          className="lg:col-span-2"
        >
          <Loaded query={timeseries}>
            {(data) => (
              <>
                <OrdersRevenueChart series={data.series} forecast={forecastData} palette={palette} />
                <ForecastNote forecast={forecast} confidence={preferences.forecastConfidence} />
              </>
            )}
          </Loaded>
        </ChartCard>
        {isAdmin && (
          <ChartCard
            title={`User sign-ups, last ${days} days`}
            filename={`signups-${days}d`}
            table={signups.data && signupsTable(signups.data.series)}
          >
            <Loaded query={signups}>{(data) => <SignupsChart series={data.series} palette={palette} />}</Loaded>
          </ChartCard>
        )}
        <ChartCard
          title="Orders by status"
          filename="orders-by-status"
          table={statuses && categoryTable(['status', 'orders'], statuses)}
        >
          <Loaded query={analytics}>
            {() => statuses && <CategoryChart categories={statuses} label="Orders" palette={palette} colour={0} />}
          </Loaded>
        </ChartCard>
        {isAdmin && (
          <ChartCard title="Users by role" filename="users-by-role" table={roles && categoryTable(['role', 'users'], roles)}>
            <Loaded query={users}>
              {() => roles && <CategoryChart categories={roles} label="Users" palette={palette} colour={1} />}
            </Loaded>
          </ChartCard>
        )}
        <ChartCard
          title={`The ${LOWEST_STOCK} lowest stock levels`}
          filename="lowest-stock"
          table={lowestItems && categoryTable(['sku', 'qty'], lowestItems)}
        >
          <Loaded query={lowest}>
            {() =>
              lowestItems?.length ? (
                <CategoryChart categories={lowestItems} label="In stock" palette={palette} colour={3} />
              ) : (
                <EmptyState title="Nothing has been stocked yet." />
              )
            }
          </Loaded>
        </ChartCard>
        <Card title="Recent orders" className="lg:col-span-2">
          <Loaded query={analytics}>
            {(data) =>
              data.recent_orders.length === 0 ? (
                <EmptyState title="No orders yet.">
                  <Link to="/app/orders" className="text-indigo-600 underline dark:text-indigo-400">
                    Place the first one
                  </Link>
                </EmptyState>
              ) : (
                <DataTable
                  caption="Recent orders"
                  rows={data.recent_orders}
                  rowKey={(order) => order.id}
                  columns={[
                    {
                      header: 'Order',
                      cell: (order) => <OrderLink id={order.id} />,
                    },
                    { header: 'Status', cell: (order) => <StatusBadge status={order.status} /> },
                    { header: 'Total', cell: (order) => formatMoney(order.total), className: 'text-right' },
                    { header: 'Created', cell: (order) => formatDateTime(order.created_at) },
                  ]}
                />
              )
            }
          </Loaded>
        </Card>
      </div>
    </>
  );
}
