import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '@/api/types';
import { TRANSITIONS, transitionLabel } from './status';

describe('order status machine', () => {
  it('matches the API contract', () => {
    expect(TRANSITIONS).toEqual({
      pending: ['processing', 'cancelled'],
      processing: ['shipped', 'cancelled'],
      shipped: ['delivered', 'cancelled'],
      delivered: [],
      cancelled: ['pending'],
    });
    for (const status of ORDER_STATUSES) {
      expect(TRANSITIONS[status]).not.toContain(status);
    }
  });

  it('labels the actions', () => {
    expect(transitionLabel('pending', 'processing')).toBe('Mark as processing');
    expect(transitionLabel('shipped', 'cancelled')).toBe('Cancel order');
    expect(transitionLabel('cancelled', 'pending')).toBe('Reactivate');
  });
});
