import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '@/test/tokens';
import { CsvActions } from './CsvActions';

const csv = () => new File(['sku,qty\nA,1\n,x\n'], 'stock.csv', { type: 'text/csv' });

describe('CsvActions', () => {
  it('lists the rows an import rejected', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      jsonResponse(
        {
          detail: [
            { loc: ['row', 3, 'sku'], msg: 'SKU is required', type: 'missing' },
            { loc: ['row', 3, 'qty'], msg: 'not an integer', type: 'int_parsing' },
          ],
        },
        422,
      ),
    );
    const onImported = vi.fn();
    render(<CsvActions base="/inventory" filename="inventory.csv" canImport onImported={onImported} />);
    await userEvent.upload(screen.getByLabelText('CSV file to import'), csv());
    const errors = await screen.findByRole('list', { name: 'Import errors' });
    expect(errors).toHaveTextContent('Row 3, sku: SKU is required');
    expect(errors).toHaveTextContent('Row 3, qty: not an integer');
    expect(onImported).not.toHaveBeenCalled();
  });

  it('reports a successful import and sends the file as multipart', async () => {
    const fetchMock = vi
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(jsonResponse({ created_count: 1, updated_count: 2, total: 3 }));
    const onImported = vi.fn();
    render(<CsvActions base="/inventory" filename="inventory.csv" canImport onImported={onImported} />);
    await userEvent.upload(screen.getByLabelText('CSV file to import'), csv());
    expect(await screen.findByRole('status')).toHaveTextContent('Imported 3 rows: 1 created, 2 updated.');
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/inventory/import/csv');
    expect(fetchMock.mock.calls[0]?.[1]?.body).toBeInstanceOf(FormData);
    expect(onImported).toHaveBeenCalledWith({ created_count: 1, updated_count: 2, total: 3 });
  });

  it('offers only export without import rights', () => {
    render(<CsvActions base="/orders" filename="orders.csv" canImport={false} />);
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Import CSV' })).not.toBeInTheDocument();
  });

  it('downloads the export with the token', async () => {
    const fetchMock = vi
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(new Response('id,sku\n1,A\n', { headers: { 'Content-Type': 'text/csv' } }));
    const createObjectURL = vi.fn(() => 'blob:csv');
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<CsvActions base="/orders" filename="orders.csv" canImport={false} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/orders/export/csv');
    expect(createObjectURL).toHaveBeenCalled();
    expect(click).toHaveBeenCalled();
  });
});
