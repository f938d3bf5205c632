import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { listOrders } from '@/api/orders';
import { ORDER_STATUSES } from '@/api/types';
import { Button } from '@/components/Button';
import { CsvActions } from '@/components/CsvActions';
import { DataTable } from '@/components/DataTable';
import { SelectField, TextField } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Pagination } from '@/components/Pagination';
import { EmptyState, ErrorState, Loading } from '@/components/States';
import { formatDateTime } from '@/lib/format';
import { useUrlSort } from '@/lib/listSort';
import { formatMoney } from '@/lib/money';
import { useDebouncedValue } from '@/lib/useDebouncedValue';
import { usePagedList } from '@/lib/usePagedList';
import { useSession } from '@/lib/useSession';
import { CreateOrderDialog } from './CreateOrderDialog';
import { OrderLink } from './OrderLink';
import { StatusBadge } from './StatusBadge';
import { statusLabel } from './status';

/** What the orders list sorts by (the API's `sort` values). */
const SORTS = ['total', 'created_at', 'updated_at'] as const;

export default function OrdersPage() {
  const isAdmin = useSession()?.role === 'admin';
  const client = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const q = useDebouncedValue(search.trim());
  const { sort, param: sortParam, toggle: toggleSort } = useUrlSort(SORTS);
  const { query, page, setPage, pageSize } = usePagedList(
    'orders',
    { status, q, from: from || undefined, to: to || undefined, sort: sortParam },
    listOrders,
  );

  return (
    <>
      <PageHeader
        title="Orders"
        actions={
          <>
            <CsvActions
              base="/orders"
              filename="orders.csv"
              canImport={isAdmin}
              onImported={() => void client.invalidateQueries({ queryKey: ['orders'] })}
            />
            <Button onClick={() => setCreating(true)}>New order</Button>
          </>
        }
      />
      <form
        role="search"
        aria-label="Filter orders"
        onSubmit={(event) => event.preventDefault()}
        className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-4"
      >
        <TextField
          label="Search"
          type="search"
          placeholder="Order id or SKU"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          className="col-span-2 md:col-span-1"
        />
        <SelectField
          label="Status"
          value={status}
          onChange={(event) => setStatus(event.target.value)}
          options={[
            { value: '', label: 'All statuses' },
            ...ORDER_STATUSES.map((value) => ({ value, label: statusLabel(value) })),
          ]}
          className="col-span-2 md:col-span-1"
        />
        <TextField label="From" type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        <TextField label="To" type="date" value={to} onChange={(event) => setTo(event.target.value)} />
      </form>

      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState title="No orders found.">
          {status || q || from || to ? 'Try other filters.' : 'Create one with “New order”.'}
        </EmptyState>
      ) : (
        <>
          <DataTable
            caption="Orders"
            rows={query.data.items}
            rowKey={(order) => order.id}
            sort={sort}
            onSort={toggleSort}
            columns={[
              {
                header: 'Order',
                cell: (order) => <OrderLink id={order.id} />,
              },
              ...(isAdmin ? [{ header: 'User', cell: (order: { user_id: number }) => order.user_id }] : []),
              { header: 'Status', cell: (order) => <StatusBadge status={order.status} /> },
              { header: 'Items', cell: (order) => order.items.reduce((sum, item) => sum + item.quantity, 0) },
              { header: 'Total', cell: (order) => formatMoney(order.total), className: 'text-right', sortKey: 'total' },
              { header: 'Created', cell: (order) => formatDateTime(order.created_at), sortKey: 'created_at' },
              { header: 'Updated', cell: (order) => formatDateTime(order.updated_at), sortKey: 'updated_at' },
            ]}
          />
          <Pagination page={page} pageSize={pageSize} total={query.data.total} onPageChange={setPage} />
        </>
      )}
      <CreateOrderDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
