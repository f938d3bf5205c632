import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderApp } from '@/test/render';
import { jsonResponse } from '@/test/tokens';
import { CreateOrderDialog } from './CreateOrderDialog';

const items = [
  { id: 1, sku: 'MUG', qty: 5, name: 'Mug', price: '4.50', created_at: '', updated_at: '' },
  { id: 2, sku: 'TEE', qty: 2, name: null, price: '12.00', created_at: '', updated_at: '' },
  { id: 3, sku: 'GONE', qty: 0, name: null, price: '1.00', created_at: '', updated_at: '' },
];

describe('CreateOrderDialog', () => {
  it('computes the total and sends the priced order with an idempotency key', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockImplementation((input) =>
      Promise.resolve(
        (input as string).startsWith('/inventory/')
          ? jsonResponse(items, 200, { 'X-Total-Count': '3' })
          : jsonResponse({ id: 'o-9', status: 'pending' }, 201),
      ),
    );
    renderApp(<CreateOrderDialog open onClose={vi.fn()} />);
    const item = await screen.findByLabelText('Item');
    expect(screen.queryByRole('option', { name: /GONE/ })).not.toBeInTheDocument();

    await userEvent.clear(screen.getByLabelText('Quantity'));
    await userEvent.type(screen.getByLabelText('Quantity'), '3');
    await userEvent.click(screen.getByRole('button', { name: 'Add item' }));
    await userEvent.selectOptions(item, 'TEE');
    await userEvent.click(screen.getByRole('button', { name: 'Add item' }));
    expect(screen.getByTestId('order-total')).toHaveTextContent('$25.50');

    await userEvent.click(screen.getByRole('button', { name: 'Place order' }));
    expect(await screen.findByText('order page')).toBeInTheDocument();
    const [url, init] = fetchMock.mock.calls[1] ?? [];
    expect(url).toBe('/orders/');
    expect(JSON.parse(init?.body as string)).toEqual({
      items: [
        { sku: 'MUG', quantity: 3, price: '4.50' },
        { sku: 'TEE', quantity: 1, price: '12.00' },
      ],
      total: '25.50',
    });
    expect(new Headers(init?.headers).get('Idempotency-Key')).toMatch(/[0-9a-f-]{36}/);
  });

  it('refuses more than is in stock', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse(items));
    renderApp(<CreateOrderDialog open onClose={vi.fn()} />);
    await userEvent.selectOptions(await screen.findByLabelText('Item'), 'TEE');
    await userEvent.clear(screen.getByLabelText('Quantity'));
    await userEvent.type(screen.getByLabelText('Quantity'), '3');
    await userEvent.click(screen.getByRole('button', { name: 'Add item' }));
    await userEvent.click(screen.getByRole('button', { name: 'Place order' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Only 2 of TEE in stock.');
  });
});
