import type { BadgeTone } from '@/components/Badge';

export type StockLevel = 'out' | 'low' | 'ok';

/** Low means below the threshold, as the inventory service's `low_stock` counts it. */
export function stockLevel(qty: number, threshold: number): StockLevel {
  if (qty <= 0) return 'out';
  return qty < threshold ? 'low' : 'ok';
}

export const STOCK_DISPLAY: Record<StockLevel, { tone: BadgeTone; label: string }> = {
  out: { tone: 'red', label: 'Out of stock' },
  low: { tone: 'amber', label: 'Low' },
  ok: { tone: 'green', label: 'In stock' },
};

export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
