import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { useNavigate } from 'react-router';
import { listItems } from '@/api/inventory';
import { createOrder } from '@/api/orders';
import { Button } from '@/components/Button';
import { Dialog } from '@/components/Dialog';
import { SelectField, TextField } from '@/components/Field';
import { Alert, ErrorState, Loading } from '@/components/States';
import { formatMoney } from '@/lib/money';
import { addLine, buildOrder, draftProblem, MAX_QUANTITY, type DraftLine } from './draft';

export function CreateOrderDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="New order" onClose={onClose}>
      {/* Mounted only while open, so every opening starts a fresh draft and key. */}
      <OrderForm onClose={onClose} />
    </Dialog>
  );
}

function OrderForm({ onClose }: { onClose: () => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const inventory = useQuery({
    queryKey: ['inventory', 'all'],
    queryFn: ({ signal }) => listItems({ limit: 1000 }, signal),
  });
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [lines, setLines] = useState<DraftLine[]>([]);
  const [sku, setSku] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [touched, setTouched] = useState(false);
  const items = inventory.data?.items ?? [];

  const create = useMutation({
    mutationFn: () => createOrder(buildOrder(lines, items), idempotencyKey),
    onSuccess: (order) => {
      void client.invalidateQueries({ queryKey: ['orders'] });
      void client.invalidateQueries({ queryKey: ['inventory'] });
      onClose();
      void navigate(`/app/orders/${encodeURIComponent(order.id)}`);
    },
  });

  if (inventory.isPending) return <Loading label="Loading inventory…" />;
  if (inventory.isError) return <ErrorState error={inventory.error} onRetry={() => void inventory.refetch()} />;

  const inStock = items.filter((item) => item.qty > 0);
  const selected = sku || inStock[0]?.sku || '';
  const problem = draftProblem(lines, items);
  const { total } = buildOrder(lines, items);

  function add(event: SyntheticEvent) {
    event.preventDefault();
    const amount = Number(quantity);
    if (!selected || !Number.isInteger(amount) || amount < 1) return;
    setLines((current) => addLine(current, { sku: selected, quantity: amount }));
    setQuantity('1');
  }

  return (
    <div className="space-y-4">
      {inStock.length === 0 ? (
        <Alert tone="info">Nothing is in stock right now.</Alert>
      ) : (
        <form onSubmit={add} className="grid grid-cols-[1fr_6rem] items-end gap-2 sm:grid-cols-[1fr_6rem_auto]">
          <SelectField
            label="Item"
            value={selected}
            onChange={(event) => setSku(event.target.value)}
            options={inStock.map((item) => ({
              value: item.sku,
              label: `${item.sku}${item.name ? ` — ${item.name}` : ''} (${item.qty} in stock, ${formatMoney(item.price)})`,
            }))}
          />
          <TextField
            label="Quantity"
            type="number"
            min={1}
            max={MAX_QUANTITY}
            value={quantity}
            onChange={(event) => setQuantity(event.target.value)}
          />
          <Button type="submit" variant="secondary" className="col-span-2 sm:col-span-1">
            Add item
          </Button>
        </form>
      )}

      {lines.length > 0 && (
        <ul className="divide-y divide-slate-100 rounded-md border border-slate-200 text-sm dark:divide-slate-800 dark:border-slate-700" aria-label="Order items">
          {lines.map((line) => (
            <li key={line.sku} className="flex items-center justify-between gap-2 px-3 py-2">
              <span>
                <span className="font-mono">{line.sku}</span> × {line.quantity}
              </span>
              <Button
                variant="ghost"
                size="sm"
                aria-label={`Remove ${line.sku}`}
                onClick={() => setLines((current) => current.filter((other) => other.sku !== line.sku))}
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
      )}

      <p className="text-right text-lg font-semibold" aria-live="polite">
        Total: <span data-testid="order-total">{formatMoney(total)}</span>
      </p>
      {touched && problem && <Alert tone="error">{problem}</Alert>}
      {create.isError && <Alert tone="error">{create.error.message}</Alert>}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button
          busy={create.isPending}
          onClick={() => {
            setTouched(true);
            if (!problem) create.mutate();
          }}
        >
          Place order
        </Button>
      </div>
    </div>
  );
}
