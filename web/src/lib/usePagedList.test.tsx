import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { Query } from '@/api/client';
import { usePagedList } from './usePagedList';

function wrapper(preferences: object) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(['preferences'], preferences);
  return ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
}

describe('usePagedList', () => {
  it('pages by the preferred page size and starts over when filters change', async () => {
    const fetchPage = vi.fn((query: Query) => Promise.resolve({ items: [query.skip], total: 120 }));
    const { result, rerender } = renderHook(({ status }) => usePagedList('orders', { status }, fetchPage), {
      initialProps: { status: '' },
      wrapper: wrapper({ page_size: 50 }),
    });
    await waitFor(() => expect(result.current.query.data?.items).toEqual([0]));
    expect(fetchPage).toHaveBeenLastCalledWith({ status: '', skip: 0, limit: 50 }, expect.anything());

    act(() => result.current.setPage(2));
    await waitFor(() => expect(result.current.query.data?.items).toEqual([100]));

    rerender({ status: 'shipped' });
    expect(result.current.page).toBe(0);
    await waitFor(() =>
      expect(fetchPage).toHaveBeenLastCalledWith({ status: 'shipped', skip: 0, limit: 50 }, expect.anything()),
    );
  });
});
