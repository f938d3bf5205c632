import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '@/api/errors';
import { deleteOrder, getOrder, getTimeline, setOrderStatus } from '@/api/orders';
import type { OrderStatus } from '@/api/types';
import { Button } from '@/components/Button';
import { Card } from '@/components/Card';
import { DataTable } from '@/components/DataTable';
import { Dialog } from '@/components/Dialog';
import { PageHeader } from '@/components/PageHeader';
import { Alert, EmptyState, ErrorState, Loading } from '@/components/States';
import { formatDateTime } from '@/lib/format';
import { centsToDecimal, formatMoney, toCents } from '@/lib/money';
import { useSession } from '@/lib/useSession';
import { StatusBadge } from './StatusBadge';
import { Timeline } from './Timeline';
import { TRANSITIONS, transitionLabel } from './status';

export default function OrderDetailPage() {
  const id = useParams().id ?? '';
  const isAdmin = useSession()?.role === 'admin';
  const client = useQueryClient();
  const navigate = useNavigate();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const order = useQuery({ queryKey: ['orders', 'detail', id], queryFn: () => getOrder(id) });
  const timeline = useQuery({ queryKey: ['orders', 'timeline', id], queryFn: () => getTimeline(id) });

  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['orders'] });
    void client.invalidateQueries({ queryKey: ['inventory'] });
  };
  const move = useMutation({
    mutationFn: (status: OrderStatus) => setOrderStatus(id, status),
    onSuccess: (updated) => {
      client.setQueryData(['orders', 'detail', id], updated);
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteOrder(id),
    onSuccess: () => {
      refresh();
      void navigate('/app/orders', { replace: true });
    },
  });

  if (order.isPending) return <Loading />;
  if (order.isError) {
    if (order.error instanceof ApiError && order.error.status === 404) {
      return (
        <EmptyState title="Order not found">
          It does not exist or is not yours.{' '}
          <Link to="/app/orders" className="text-indigo-600 underline dark:text-indigo-400">
            Back to orders
          </Link>
        </EmptyState>
      );
    }
    return <ErrorState error={order.error} onRetry={() => void order.refetch()} />;
  }

  const current = order.data;
  const canDelete = isAdmin || current.status === 'pending' || current.status === 'cancelled';
  return (
    <>
      <PageHeader
        title={`Order ${current.id}`}
        actions={
          <Link to="/app/orders" className="text-sm text-indigo-600 underline dark:text-indigo-400">
            All orders
          </Link>
        }
      />
      <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
        <div className="space-y-4">
          <Card title="Summary">
            <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
              <div>
                <dt className="text-slate-500 dark:text-slate-400">Status</dt>
                <dd className="mt-1" data-testid="order-status">
                  <StatusBadge status={current.status} />
                </dd>
              </div>
              <div>
                <dt className="text-slate-500 dark:text-slate-400">Total</dt>
                <dd className="mt-1 font-semibold">{formatMoney(current.total)}</dd>
              </div>
              <div>
                <dt className="text-slate-500 dark:text-slate-400">User</dt>
                <dd className="mt-1">{current.user_id}</dd>
              </div>
              <div>
                <dt className="text-slate-500 dark:text-slate-400">Created</dt>
                <dd className="mt-1">{formatDateTime(current.created_at)}</dd>
              </div>
            </dl>
          </Card>
          <Card title="Items">
            <DataTable
              caption="Order items"
              rows={current.items}
              rowKey={(item) => item.sku}
              columns={[
                { header: 'SKU', cell: (item) => <span className="font-mono">{item.sku}</span> },
                { header: 'Quantity', cell: (item) => item.quantity, className: 'text-right' },
                { header: 'Price', cell: (item) => formatMoney(item.price), className: 'text-right' },
                {
                  header: 'Subtotal',
                  cell: (item) => formatMoney(centsToDecimal(toCents(item.price) * item.quantity)),
                  className: 'text-right',
                },
              ]}
            />
          </Card>
          <Card title="Actions">
            {move.isError && (
              <Alert tone="error" className="mb-3">
                {move.error.message}
              </Alert>
            )}
            <div className="flex flex-wrap gap-2">
              {TRANSITIONS[current.status].map((next) => (
                <Button
                  key={next}
                  variant={next === 'cancelled' ? 'secondary' : 'primary'}
                  busy={move.isPending && move.variables === next}
                  disabled={move.isPending}
                  onClick={() => move.mutate(next)}
                >
                  {transitionLabel(current.status, next)}
                </Button>
              ))}
              {TRANSITIONS[current.status].length === 0 && (
                <p className="text-sm text-slate-500">This order is delivered; its status is final.</p>
              )}
              {canDelete && (
                <Button variant="danger" className="ml-auto" onClick={() => setConfirmDelete(true)}>
                  Delete order
                </Button>
              )}
            </div>
          </Card>
        </div>
        <Card title="Timeline">
          {timeline.isPending ? (
            <Loading />
          ) : timeline.isError ? (
            <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} />
          ) : timeline.data.length === 0 ? (
            <EmptyState title="No events yet." />
          ) : (
            <Timeline events={timeline.data} />
          )}
        </Card>
      </div>
      <Dialog open={confirmDelete} title="Delete this order?" onClose={() => setConfirmDelete(false)}>
        <p className="text-sm">Stock still held by the order is given back. The timeline is kept.</p>
        {remove.isError && (
          <Alert tone="error" className="mt-3">
            {remove.error.message}
          </Alert>
        )}
        <div className="mt-4 flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirmDelete(false)}>
            Keep it
          </Button>
          <Button variant="danger" busy={remove.isPending} onClick={() => remove.mutate()}>
            Delete
          </Button>
        </div>
      </Dialog>
    </>
  );
}
