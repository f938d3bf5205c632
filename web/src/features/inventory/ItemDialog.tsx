import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { ApiError } from '@/api/errors';
import { createItem, updateItem, type ItemInput } from '@/api/inventory';
import type { Item } from '@/api/types';
import { Button } from '@/components/Button';
import { Dialog } from '@/components/Dialog';
import { TextField } from '@/components/Field';
import { Alert } from '@/components/States';
import { SKU_PATTERN } from './stock';

interface ItemDialogProps {
  /** The item to edit, `null` to create one, `undefined` when closed. */
  item: Item | null | undefined;
  onClose: () => void;
}

export function ItemDialog({ item, onClose }: ItemDialogProps) {
  return (
    <Dialog open={item !== undefined} title={item ? `Edit ${item.sku}` : 'New item'} onClose={onClose}>
      {item !== undefined && <ItemForm item={item} onClose={onClose} />}
    </Dialog>
  );
}

type Errors = Partial<Record<'sku' | 'qty' | 'price', string>>;

function ItemForm({ item, onClose }: { item: Item | null; onClose: () => void }) {
  const client = useQueryClient();
  const [sku, setSku] = useState(item?.sku ?? '');
  const [name, setName] = useState(item?.name ?? '');
  const [qty, setQty] = useState(String(item?.qty ?? 0));
  const [price, setPrice] = useState(item?.price ?? '');
  const [errors, setErrors] = useState<Errors>({});

  const save = useMutation({
    mutationFn: (input: ItemInput) => (item ? updateItem(item.id, input) : createItem(input)),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['inventory'] });
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError) {
        setErrors({
          sku: error.fieldMessage('sku'),
          qty: error.fieldMessage('qty'),
          price: error.fieldMessage('price'),
        });
      }
    },
  });

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const found: Errors = {};
    if (!SKU_PATTERN.test(sku)) found.sku = '1–64 characters: letters, digits, - _ .';
    const amount = Number(qty);
    if (qty.trim() === '' || !Number.isInteger(amount) || amount < 0) found.qty = 'A whole number, 0 or more.';
    if (price.trim() && !/^\d+(\.\d{1,2})?$/.test(price.trim())) found.price = 'A price like 19.90.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    save.mutate({ sku, qty: amount, name: name.trim() || null, price: price.trim() || null });
  }

  return (
    <form noValidate onSubmit={submit} className="space-y-4">
      <TextField label="SKU" value={sku} onChange={(event) => setSku(event.target.value)} error={errors.sku} required />
      <TextField label="Name" value={name} onChange={(event) => setName(event.target.value)} />
      <div className="grid grid-cols-2 gap-3">
        <TextField
          label="Quantity"
          type="number"
          min={0}
          value={qty}
          onChange={(event) => setQty(event.target.value)}
          error={errors.qty}
        />
        <TextField
          label="Price"
          inputMode="decimal"
          placeholder="0.00"
          value={price}
          onChange={(event) => setPrice(event.target.value)}
          error={errors.price}
        />
      </div>
      {save.isError && <Alert tone="error">{save.error.message}</Alert>}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" busy={save.isPending}>
          {item ? 'Save' : 'Create item'}
        </Button>
      </div>
    </form>
  );
}
