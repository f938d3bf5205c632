import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Page, Query } from '@/api/client';
import { usePreferences } from './preferences';

/**
 * A paginated list query that follows the user's page-size preference and goes back to
 * the first page whenever the filters change.
 */
export function usePagedList<T>(
  key: string,
  filters: Query,
  fetchPage: (query: Query, signal: AbortSignal) => Promise<Page<T>>,
) {
  const { pageSize } = usePreferences();
  const [page, setPage] = useState(0);
  const filterKey = JSON.stringify(filters);
  const [lastFilterKey, setLastFilterKey] = useState(filterKey);
  if (filterKey !== lastFilterKey) {
    setLastFilterKey(filterKey);
    setPage(0);
  }
  const query = useQuery({
    queryKey: [key, 'list', filters, page, pageSize],
    queryFn: ({ signal }) => fetchPage({ ...filters, skip: page * pageSize, limit: pageSize }, signal),
    placeholderData: keepPreviousData,
  });
  return { query, page, setPage, pageSize };
}
