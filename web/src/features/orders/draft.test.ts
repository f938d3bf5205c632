import { describe, expect, it } from 'vitest';
import type { Item } from '@/api/types';
import { addLine, buildOrder, draftProblem } from './draft';

const item = (sku: string, qty: number, price: string | null): Item => ({
  id: sku.length,
  sku,
  qty,
  price,
  name: null,
  created_at: '2026-11-25T10:00:00Z',
  updated_at: '2026-11-25T10:00:00Z',
});

const items = [item('A-1', 10, '0.10'), item('B-2', 3, '19.99'), item('FREE', 5, null)];

describe('order drafts', () => {
  it('prices each line from the inventory and sums in cents', () => {
    const order = buildOrder(
      [
        { sku: 'A-1', quantity: 3 },
        { sku: 'B-2', quantity: 2 },
        { sku: 'FREE', quantity: 1 },
      ],
      items,
    );
    expect(order.items).toEqual([
      { sku: 'A-1', quantity: 3, price: '0.10' },
      { sku: 'B-2', quantity: 2, price: '19.99' },
      { sku: 'FREE', quantity: 1, price: '0.00' },
    ]);
    expect(order.total).toBe('40.28');
  });

  it('merges lines for the same SKU', () => {
    const lines = addLine(addLine([], { sku: 'A-1', quantity: 2 }), { sku: 'A-1', quantity: 3 });
    expect(lines).toEqual([{ sku: 'A-1', quantity: 5 }]);
  });

  it('says what is wrong with a draft', () => {
    expect(draftProblem([], items)).toMatch(/at least one/);
    expect(draftProblem([{ sku: 'B-2', quantity: 4 }], items)).toBe('Only 3 of B-2 in stock.');
    expect(draftProblem([{ sku: 'GONE', quantity: 1 }], items)).toMatch(/no longer/);
    expect(draftProblem([{ sku: 'A-1', quantity: 0 }], items)).toMatch(/between 1/);
    expect(draftProblem([{ sku: 'A-1', quantity: 10 }], items)).toBeNull();
  });
});
