import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '@/api/types';
import { Timeline } from './Timeline';

const event = (id: number, fields: Partial<OrderEvent>): OrderEvent => ({
  id,
  order_id: 'o-1',
  event_type: 'status_changed',
  description: null,
  old_value: null,
  new_value: null,
  user_id: 1,
  created_at: '2026-11-25T10:00:00Z',
  ...fields,
});

describe('Timeline', () => {
  it('lists the events in order, oldest first', () => {
    render(
      <Timeline
        events={[
          event(1, { event_type: 'created', description: 'Order created' }),
          event(2, { old_value: 'pending', new_value: 'processing' }),
          event(3, { old_value: 'processing', new_value: 'shipped' }),
        ]}
      />,
    );
    const items = within(screen.getByRole('list', { name: 'Order timeline' })).getAllByRole('listitem');
    expect(items.map((item) => item.querySelector('p')?.textContent)).toEqual([
      'Order created',
      'Status changed from Pending to Processing',
      'Status changed from Processing to Shipped',
    ]);
  });
});
