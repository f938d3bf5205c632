import { useRef, useState, type ReactNode } from 'react';
import { Button } from '@/components/Button';
import { Card } from '@/components/Card';
import { chartPng } from '@/lib/chartImage';
import { toCsv } from '@/lib/csv';
import { saveBlob } from '@/lib/download';
import type { Table } from './chartData';

interface ChartCardProps {
  title: string;
  /** The file name without extension, e.g. `orders-revenue-30d`. */
  filename: string;
  /** The chart's data, once loaded; the export buttons wait for it. */
  table?: Table | undefined;
  className?: string;
  children: ReactNode;
}

/** A dashboard card whose chart can be saved as its data (CSV) or as a picture (PNG). */
export function ChartCard({ title, filename, table, className, children }: ChartCardProps) {
  const body = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);

  const exportCsv = () => {
    if (!table) return;
    saveBlob(new Blob([toCsv(table.header, table.rows)], { type: 'text/csv;charset=utf-8' }), `${filename}.csv`);
  };
  const exportPng = async () => {
    setError(null);
    if (!body.current) return;
    try {
      saveBlob(await chartPng(body.current, title), `${filename}.png`);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  return (
    <Card title={title} className={className}>
      <div ref={body}>{children}</div>
      <div className="mt-2 flex flex-wrap items-center justify-end gap-2">
        {error && <p className="text-xs text-rose-600 dark:text-rose-400">{error}</p>}
        <Button variant="ghost" size="sm" disabled={!table} aria-label={`Download ${title} as CSV`} onClick={exportCsv}>
          CSV
        </Button>
        <Button
          variant="ghost"
          size="sm"
          disabled={!table}
          aria-label={`Download ${title} as PNG`}
          onClick={() => void exportPng()}
        >
          PNG
        </Button>
      </div>
    </Card>
  );
}
