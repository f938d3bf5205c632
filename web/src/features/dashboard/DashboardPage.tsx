import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { getInventoryAnalytics } from '@/api/inventory';
import { getForecast, getOrderAnalytics, getOrderTimeseries } from '@/api/orders';
import { ORDER_STATUSES, type OrderAnalytics } from '@/api/types';
import { Card } from '@/components/Card';
import { DataTable } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { EmptyState, ErrorState, Loading } from '@/components/States';
import { formatDateTime } from '@/lib/format';
import { formatMoney } from '@/lib/money';
import { useSession } from '@/lib/useSession';
import { StatusBadge } from '@/features/orders/StatusBadge';
import { STATUS_TONES, statusLabel } from '@/features/orders/status';
import { ForecastChart, OrdersRevenueChart } from './Charts';

const DAYS = 30;

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <dt className="text-sm text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold">{value}</dd>
    </div>
  );
}

const barColours = {
  amber: 'bg-amber-400',
  blue: 'bg-sky-500',
  indigo: 'bg-indigo-500',
  green: 'bg-emerald-500',
  red: 'bg-rose-500',
  gray: 'bg-slate-400',
};

function StatusBreakdown({ breakdown }: { breakdown: OrderAnalytics['status_breakdown'] }) {
  const total = ORDER_STATUSES.reduce((sum, status) => sum + (breakdown[status] ?? 0), 0);
  return (
    <ul className="space-y-2">
      {ORDER_STATUSES.map((status) => {
        const count = breakdown[status] ?? 0;
        return (
          <li key={status} className="text-sm">
            <div className="flex justify-between">
              <span>{statusLabel(status)}</span>
              <span className="font-medium">{count}</span>
            </div>
            <div className="mt-1 h-2 rounded bg-slate-100 dark:bg-slate-800" aria-hidden="true">
              <div
                className={`h-2 rounded ${barColours[STATUS_TONES[status]]}`}
                style={{ width: `${total ? (count / total) * 100 : 0}%` }}
              />
            </div>
          </li>
        );
      })}
    </ul>
  );
}

export default function DashboardPage() {
  const isAdmin = useSession()?.role === 'admin';
  const analytics = useQuery({ queryKey: ['orders', 'analytics'], queryFn: getOrderAnalytics });
  const timeseries = useQuery({
    queryKey: ['orders', 'timeseries', DAYS],
    queryFn: () => getOrderTimeseries(DAYS),
  });
  const forecast = useQuery({ queryKey: ['orders', 'forecast', 14], queryFn: () => getForecast(14) });
  const stock = useQuery({ queryKey: ['inventory', 'analytics'], queryFn: getInventoryAnalytics });

  return (
    <>
      <PageHeader title={isAdmin ? 'Dashboard — all orders' : 'Dashboard — your orders'} />
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
        <Card title={`Orders and revenue, last ${DAYS} days`}>
          {timeseries.isPending ? (
            <Loading />
          ) : timeseries.isError ? (
            <ErrorState error={timeseries.error} onRetry={() => void timeseries.refetch()} />
          ) : (
            <OrdersRevenueChart series={timeseries.data.series} />
          )}
        </Card>
        <Card title="Revenue forecast, next 14 days">
          {forecast.isPending ? (
            <Loading />
          ) : forecast.isError ? (
            <ErrorState error={forecast.error} onRetry={() => void forecast.refetch()} />
          ) : forecast.data.forecast.length === 0 ? (
            <EmptyState title="Not enough history for a forecast yet." />
          ) : (
            <ForecastChart forecast={forecast.data} />
          )}
        </Card>
        <Card title="Orders by status">
          {analytics.isError ? (
            <ErrorState error={analytics.error} />
          ) : analytics.data ? (
            <StatusBreakdown breakdown={analytics.data.status_breakdown} />
          ) : (
            <Loading />
          )}
        </Card>
        <Card title="Low-stock alerts">
          {stock.isPending ? (
            <Loading />
          ) : stock.isError ? (
            <ErrorState error={stock.error} onRetry={() => void stock.refetch()} />
          ) : stock.data.low_stock_items.length === 0 ? (
            <EmptyState title="All items are well stocked." />
          ) : (
            <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800" aria-label="Low-stock items">
              {stock.data.low_stock_items.map((item) => (
                <li key={item.id} className="flex justify-between py-1.5">
                  <span className="font-mono">{item.sku}</span>
                  <span className={item.qty === 0 ? 'font-semibold text-rose-600' : 'text-amber-600'}>
                    {item.qty === 0 ? 'Out of stock' : `${item.qty} left`}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Recent orders" className="lg:col-span-2">
          {analytics.isError ? (
            <ErrorState error={analytics.error} />
          ) : !analytics.data ? (
            <Loading />
          ) : analytics.data.recent_orders.length === 0 ? (
            <EmptyState title="No orders yet.">
              <Link to="/app/orders" className="text-indigo-600 underline dark:text-indigo-400">
                Place the first one
              </Link>
            </EmptyState>
          ) : (
            <DataTable
              caption="Recent orders"
              rows={analytics.data.recent_orders}
              rowKey={(order) => order.id}
              columns={[
                {
                  header: 'Order',
                  cell: (order) => (
                    <Link to={`/app/orders/${encodeURIComponent(order.id)}`} className="font-mono text-indigo-600 underline dark:text-indigo-400">
                      {order.id}
                    </Link>
                  ),
                },
                { header: 'Status', cell: (order) => <StatusBadge status={order.status} /> },
                { header: 'Total', cell: (order) => formatMoney(order.total), className: 'text-right' },
                { header: 'Created', cell: (order) => formatDateTime(order.created_at) },
              ]}
            />
          )}
        </Card>
      </div>
    </>
  );
}
