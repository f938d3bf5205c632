import type { ReactNode } from 'react';
import { cn } from '@/lib/cn';
import type { SortState } from '@/lib/listSort';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
  /** The API's name for sorting by this column (`sort=<key>`); without it the column does not sort. */
  sortKey?: string;
}

interface DataTableProps<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  sort?: SortState | null;
  onSort?: (sortKey: string) => void;
}

function SortButton({ header, sortKey, sort, onSort }: { header: string; sortKey: string; sort: SortState | null; onSort: (key: string) => void }) {
  const active = sort?.column === sortKey;
  return (
    <button
      type="button"
      onClick={() => onSort(sortKey)}
      className="inline-flex items-center gap-1 rounded font-semibold hover:text-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:text-indigo-400"
    >
      {header}
      <span aria-hidden="true" className={active ? 'text-indigo-600 dark:text-indigo-400' : 'text-slate-400'}>
        {active ? (sort.descending ? '↓' : '↑') : '↕'}
      </span>
    </button>
  );
}

/**
 * A table; its sortable headers sort it. From `sm` up it scrolls sideways rather than
 * squeezing its columns; on a phone each row becomes a card of label–value lines and the
 * sortable headers a row of buttons, so nothing is wider than the screen.
 */
export function DataTable<T>({ caption, columns, rows, rowKey, sort = null, onSort }: DataTableProps<T>) {
  const sortable = (column: Column<T>) => (onSort && column.sortKey ? column.sortKey : undefined);
  const anySortable = columns.some(sortable);
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="min-w-full divide-y divide-slate-200 text-sm max-sm:block dark:divide-slate-800">
        <caption className="sr-only">{caption}</caption>
        <thead className={cn('bg-slate-50 dark:bg-slate-800/50', anySortable ? 'max-sm:block' : 'max-sm:sr-only')}>
          <tr className="max-sm:flex max-sm:flex-wrap max-sm:gap-x-4 max-sm:gap-y-1 max-sm:px-3 max-sm:py-2">
            {columns.map((column) => {
              const sortKey = sortable(column);
              const active = sortKey !== undefined && sort?.column === sortKey;
              return (
                <th
                  key={column.header}
                  scope="col"
                  aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}
                  className={cn(
                    'px-3 py-2 text-left font-semibold whitespace-nowrap max-sm:p-0',
                    !sortKey && 'max-sm:hidden',
                    column.className,
                  )}
                >
                  {sortKey && onSort ? (
                    <SortButton header={column.header} sortKey={sortKey} sort={sort} onSort={onSort} />
                  ) : (
                    column.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 max-sm:block dark:divide-slate-800">
          {rows.map((row) => (
            <tr key={rowKey(row)} className="hover:bg-slate-50 max-sm:block max-sm:px-3 max-sm:py-2 dark:hover:bg-slate-800/40">
              {columns.map((column) => (
                <td
                  key={column.header}
                  className={cn(
                    'px-3 py-2 whitespace-nowrap max-sm:flex max-sm:items-center max-sm:justify-between max-sm:gap-3 max-sm:px-0 max-sm:py-1 max-sm:whitespace-normal',
                    column.className,
                  )}
                >
                  <span aria-hidden="true" className="shrink-0 text-slate-500 sm:hidden dark:text-slate-400">
                    {column.header}
                  </span>
                  <span className="min-w-0 [overflow-wrap:anywhere] max-sm:text-right">{column.cell(row)}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
