// The sort of a list as the API takes it (`sort=name`, `sort=-name` for descending) and as
// the page's URL keeps it, so a reload or a shared link shows the same order.

import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

export interface SortState {
  column: string;
  descending: boolean;
}

/** Reads `sort` from the URL; a column the list cannot sort by counts as no sort. */
export function parseSort(value: string | null, columns: readonly string[]): SortState | null {
  if (!value) return null;
  const descending = value.startsWith('-');
  const column = descending ? value.slice(1) : value;
  return columns.includes(column) ? { column, descending } : null;
}

export function formatSort(sort: SortState | null): string | undefined {
  if (!sort) return undefined;
  return sort.descending ? `-${sort.column}` : sort.column;
}

/**
 * A click on a column header: a new column sorts ascending, a second click descending,
 * a third goes back to the list's own order (newest first).
 */
export function nextSort(current: SortState | null, column: string): SortState | null {
  if (current?.column !== column) return { column, descending: false };
  return current.descending ? null : { column, descending: true };
}

/** The list's sort, kept in the URL's `sort` parameter next to whatever else is there. */
export function useUrlSort(columns: readonly string[]) {
  const [params, setParams] = useSearchParams();
  const sort = parseSort(params.get('sort'), columns);
  const toggle = useCallback(
    (column: string) =>
      setParams((previous) => {
        const next = new URLSearchParams(previous);
        const value = formatSort(nextSort(parseSort(previous.get('sort'), columns), column));
        if (value) next.set('sort', value);
        else next.delete('sort');
        return next;
      }),
    [setParams, columns],
  );
  return { sort, param: formatSort(sort), toggle };
}
