import { useState } from 'react';
import { Button } from '@/components/Button';
import { SelectField } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Alert, ErrorState, Loading } from '@/components/States';
import { PAGE_SIZES, usePreferences, useSavePreferences, type ResolvedPreferences } from '@/lib/preferences';
import type { Theme } from '@/lib/theme';

const THEMES: { value: Theme; label: string }[] = [
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
  { value: 'system', label: 'Same as the system' },
];

export default function SettingsPage() {
  const { query, ...stored } = usePreferences();
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <SettingsForm stored={stored} />;
}

function SettingsForm({ stored }: { stored: ResolvedPreferences }) {
  const save = useSavePreferences();
  const [theme, setTheme] = useState(stored.theme);
  const [pageSize, setPageSize] = useState(stored.pageSize);

  return (
    <>
      <PageHeader title="Settings" />
      <form
        className="max-w-md space-y-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate({ theme, pageSize });
        }}
      >
        <fieldset>
          <legend className="text-sm font-medium">Theme</legend>
          <div className="mt-2 space-y-2">
            {THEMES.map((option) => (
              <label key={option.value} className="flex items-center gap-2 text-sm">
                <input
                  type="radio"
                  name="theme"
                  value={option.value}
                  checked={theme === option.value}
                  onChange={() => setTheme(option.value)}
                  className="size-4 accent-indigo-600"
                />
                {option.label}
              </label>
            ))}
          </div>
        </fieldset>
        <SelectField
          label="Rows per page"
          value={String(pageSize)}
          onChange={(event) => setPageSize(Number(event.target.value))}
          options={PAGE_SIZES.map((size) => ({ value: String(size), label: String(size) }))}
        />
        {save.isSuccess && <Alert tone="success">Preferences saved.</Alert>}
        {save.isError && <Alert tone="error">{save.error.message}</Alert>}
        <Button type="submit" busy={save.isPending}>
          Save preferences
        </Button>
      </form>
    </>
  );
}
