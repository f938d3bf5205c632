import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { deleteItem, getInventoryAnalytics, listItems } from '@/api/inventory';
import type { Item } from '@/api/types';
import { Badge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { CsvActions } from '@/components/CsvActions';
import { DataTable, type Column } from '@/components/DataTable';
import { Dialog } from '@/components/Dialog';
import { TextField } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Pagination } from '@/components/Pagination';
import { Alert, EmptyState, ErrorState, Loading } from '@/components/States';
import { formatDateTime } from '@/lib/format';
import { useUrlSort } from '@/lib/listSort';
import { formatMoney } from '@/lib/money';
import { useDebouncedValue } from '@/lib/useDebouncedValue';
import { usePagedList } from '@/lib/usePagedList';
import { useSession } from '@/lib/useSession';
import { ItemDialog } from './ItemDialog';
import { STOCK_DISPLAY, stockLevel } from './stock';

const DEFAULT_THRESHOLD = 20;
/** What the inventory list sorts by (the API's `sort` values). */
const SORTS = ['sku', 'qty', 'created_at'] as const;

export default function InventoryPage() {
  const isAdmin = useSession()?.role === 'admin';
  const client = useQueryClient();
  const [search, setSearch] = useState('');
  const [lowOnly, setLowOnly] = useState(false);
  const [editing, setEditing] = useState<Item | null | undefined>(undefined);
  const [deleting, setDeleting] = useState<Item | null>(null);
  const q = useDebouncedValue(search.trim());
  const { sort, param: sortParam, toggle: toggleSort } = useUrlSort(SORTS);
  const { query, page, setPage, pageSize } = usePagedList(
    'inventory',
    { q, low_stock: lowOnly || undefined, sort: sortParam },
    listItems,
  );
  const analytics = useQuery({ queryKey: ['inventory', 'analytics'], queryFn: getInventoryAnalytics });
  const threshold = analytics.data?.low_stock_threshold ?? DEFAULT_THRESHOLD;
  const remove = useMutation({
    mutationFn: (item: Item) => deleteItem(item.id),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['inventory'] });
      setDeleting(null);
    },
  });

  const columns: Column<Item>[] = [
    { header: 'SKU', cell: (item) => <span className="font-mono">{item.sku}</span>, sortKey: 'sku' },
    { header: 'Name', cell: (item) => item.name ?? '—' },
    {
      header: 'Stock',
      sortKey: 'qty',
      cell: (item) => {
        const { tone, label } = STOCK_DISPLAY[stockLevel(item.qty, threshold)];
        return (
          <span className="flex items-center gap-2">
            <span className="w-12 text-right tabular-nums" data-testid={`stock-${item.sku}`}>
              {item.qty}
            </span>
            <Badge tone={tone}>{label}</Badge>
          </span>
        );
      },
    },
    { header: 'Price', cell: (item) => (item.price === null ? '—' : formatMoney(item.price)), className: 'text-right' },
    { header: 'Created', cell: (item) => formatDateTime(item.created_at), sortKey: 'created_at' },
    { header: 'Updated', cell: (item) => formatDateTime(item.updated_at) },
  ];
  if (isAdmin) {
    columns.push({
      header: 'Actions',
      cell: (item) => (
        <span className="flex flex-wrap gap-1 max-sm:justify-end">
          <Button variant="ghost" size="sm" aria-label={`Edit ${item.sku}`} onClick={() => setEditing(item)}>
            Edit
          </Button>
          <Button variant="ghost" size="sm" aria-label={`Delete ${item.sku}`} onClick={() => setDeleting(item)}>
            Delete
          </Button>
        </span>
      ),
    });
  }

  return (
    <>
      <PageHeader
        title="Inventory"
        actions={
          <>
            <CsvActions
              base="/inventory"
              filename="inventory.csv"
              canImport={isAdmin}
              onImported={() => void client.invalidateQueries({ queryKey: ['inventory'] })}
            />
            {isAdmin && <Button onClick={() => setEditing(null)}>New item</Button>}
          </>
        }
      />
      <form
        role="search"
        aria-label="Filter inventory"
        onSubmit={(event) => event.preventDefault()}
        className="mb-4 flex flex-wrap items-end gap-4"
      >
        <TextField
          label="Search SKU"
          type="search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          className="w-full sm:w-64"
        />
        <label className="flex items-center gap-2 pb-2 text-sm">
          <input
            type="checkbox"
            checked={lowOnly}
            onChange={(event) => setLowOnly(event.target.checked)}
            className="size-4 accent-indigo-600"
          />
          Low stock only
        </label>
      </form>

      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState title="No items found.">
          {q || lowOnly ? 'Try other filters.' : isAdmin ? 'Add one with “New item”.' : 'Nothing has been stocked yet.'}
        </EmptyState>
      ) : (
        <>
          <DataTable
            caption="Inventory items"
            rows={query.data.items}
            rowKey={(item) => item.id}
            columns={columns}
            sort={sort}
            onSort={toggleSort}
          />
          <Pagination page={page} pageSize={pageSize} total={query.data.total} onPageChange={setPage} />
        </>
      )}

      <ItemDialog item={editing} onClose={() => setEditing(undefined)} />
      <Dialog open={deleting !== null} title={`Delete ${deleting?.sku ?? ''}?`} onClose={() => setDeleting(null)}>
        <p className="text-sm">The item and its stock count are removed.</p>
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
