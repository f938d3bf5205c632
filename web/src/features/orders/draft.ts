import type { Item, OrderItem } from '@/api/types';
import { centsToDecimal, toCents } from '@/lib/money';

export interface DraftLine {
  sku: string;
  quantity: number;
}

export const MAX_QUANTITY = 10_000;

/** The order the API gets for the picked lines: each line priced from the inventory. */
export function buildOrder(lines: DraftLine[], items: Item[]): { items: OrderItem[]; total: string } {
  const bySku = new Map(items.map((item) => [item.sku, item]));
  let totalCents = 0;
  const orderItems = lines.map((line) => {
    const cents = toCents(bySku.get(line.sku)?.price);
    totalCents += cents * line.quantity;
    return { sku: line.sku, quantity: line.quantity, price: centsToDecimal(cents) };
  });
  return { items: orderItems, total: centsToDecimal(totalCents) };
}

/** Why the draft cannot be sent yet, or null when it can. */
export function draftProblem(lines: DraftLine[], items: Item[]): string | null {
  if (lines.length === 0) return 'Add at least one item.';
  const bySku = new Map(items.map((item) => [item.sku, item]));
  for (const line of lines) {
    const item = bySku.get(line.sku);
    if (!item) return `${line.sku} is no longer in the inventory.`;
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY)
      return `Quantity for ${line.sku} must be between 1 and ${MAX_QUANTITY}.`;
    if (line.quantity > item.qty) return `Only ${item.qty} of ${line.sku} in stock.`;
  }
  return null;
}

/** Adds a line, or adds to the quantity of the line for the same SKU. */
export function addLine(lines: DraftLine[], line: DraftLine): DraftLine[] {
  const existing = lines.find((current) => current.sku === line.sku);
  if (!existing) return [...lines, line];
  return lines.map((current) =>
    current.sku === line.sku ? { ...current, quantity: current.quantity + line.quantity } : current,
  );
}
