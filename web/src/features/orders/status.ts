import type { BadgeTone } from '@/components/Badge';
import type { OrderStatus } from '@/api/types';

/** The status machine of the API contract: where each status may go next. */
export const TRANSITIONS: Record<OrderStatus, OrderStatus[]> = {
  pending: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered', 'cancelled'],
  delivered: [],
  cancelled: ['pending'],
};

export const STATUS_TONES: Record<OrderStatus, BadgeTone> = {
  pending: 'amber',
  processing: 'blue',
  shipped: 'indigo',
  delivered: 'green',
  cancelled: 'red',
};

export function statusLabel(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}

/** What the button moving an order to `status` says. */
export function transitionLabel(from: OrderStatus, to: OrderStatus): string {
  if (to === 'cancelled') return 'Cancel order';
  if (from === 'cancelled' && to === 'pending') return 'Reactivate';
  return `Mark as ${to}`;
}
