import { useRef, useState } from 'react';
import { downloadFile, uploadCsv, type ImportResult } from '@/api/client';
import { ApiError, describeLocation } from '@/api/errors';
import { Button } from './Button';
import { Alert } from './States';

interface CsvActionsProps {
  /** API base, e.g. `/inventory`: export is `<base>/export/csv`, import `<base>/import/csv`. */
  base: string;
  filename: string;
  canImport: boolean;
  onImported?: (result: ImportResult) => void;
}

type Outcome =
  | { kind: 'imported'; result: ImportResult }
  | { kind: 'failed'; error: ApiError | Error };

export function CsvActions({ base, filename, canImport, onImported }: CsvActionsProps) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<'export' | 'import' | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function exportCsv() {
    setBusy('export');
    setOutcome(null);
    try {
      await downloadFile(`${base}/export/csv`, filename);
    } catch (error) {
      setOutcome({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    } finally {
      setBusy(null);
    }
  }

  async function importCsv(file: File) {
    setBusy('import');
    setOutcome(null);
    try {
      const result = await uploadCsv(`${base}/import/csv`, file);
      setOutcome({ kind: 'imported', result });
      onImported?.(result);
    } catch (error) {
      setOutcome({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    } finally {
      setBusy(null);
      if (input.current) input.current.value = '';
    }
  }

  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex gap-2">
        <Button variant="secondary" busy={busy === 'export'} onClick={() => void exportCsv()}>
          Export CSV
        </Button>
        {canImport && (
          <>
            <label className="sr-only" htmlFor={`${base}-csv-import`}>
              CSV file to import
            </label>
            <input
              ref={input}
              id={`${base}-csv-import`}
              type="file"
              accept=".csv,text/csv"
              className="hidden"
              onChange={(event) => {
                const file = event.target.files?.[0];
                if (file) void importCsv(file);
              }}
            />
            <Button variant="secondary" busy={busy === 'import'} onClick={() => input.current?.click()}>
              Import CSV
            </Button>
          </>
        )}
      </div>
      {outcome && <ImportOutcome outcome={outcome} onDismiss={() => setOutcome(null)} />}
    </div>
  );
}

function ImportOutcome({ outcome, onDismiss }: { outcome: Outcome; onDismiss: () => void }) {
  if (outcome.kind === 'imported') {
    const { created_count, updated_count, total } = outcome.result;
    return (
      <Alert tone="success" className="w-full max-w-md">
        Imported {total} rows: {created_count} created, {updated_count} updated.{' '}
        <button type="button" className="underline" onClick={onDismiss}>
          Dismiss
        </button>
      </Alert>
    );
  }
  const { error } = outcome;
  const rows = error instanceof ApiError ? error.fieldErrors : [];
  return (
    <Alert tone="error" className="w-full max-w-md">
      {rows.length > 0 ? (
        <>
          <p className="font-medium">Nothing was imported. Fix these rows and try again:</p>
          <ul className="mt-1 list-disc pl-5" aria-label="Import errors">
            {rows.map((row, index) => (
              <li key={index}>
                {describeLocation(row.loc) ? `${describeLocation(row.loc)}: ` : ''}
                {row.msg}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{error.message}</p>
      )}
      <button type="button" className="mt-1 underline" onClick={onDismiss}>
        Dismiss
      </button>
    </Alert>
  );
}
