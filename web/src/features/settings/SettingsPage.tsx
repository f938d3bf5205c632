import { useState } from 'react';
import { Button } from '@/components/Button';
import { SelectField } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Alert, ErrorState, Loading } from '@/components/States';
import { PALETTE_NAMES, PALETTES } from '@/lib/palette';
import {
  FORECAST_CONFIDENCES,
  FORECAST_METHODS,
  FORECAST_SEASONALITIES,
  PAGE_SIZES,
  usePreferences,
  useSavePreferences,
  type ForecastConfidence,
  type ForecastMethod,
  type ForecastSeasonality,
  type ResolvedPreferences,
} from '@/lib/preferences';
import type { Theme } from '@/lib/theme';
import { RadioGroup } from './RadioGroup';

const THEMES: { value: Theme; label: string }[] = [
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
  { value: 'system', label: 'Same as the system' },
];

const METHOD_LABELS: Record<ForecastMethod, string> = {
  auto: 'Automatic (Holt-Winters when there is a weekly pattern)',
  linear: 'Linear trend',
  exp: 'Holt (exponential smoothing)',
  hw: 'Holt-Winters (weekly)',
};

const SEASONALITY_LABELS: Record<ForecastSeasonality, string> = {
  auto: 'Automatic (when the weekdays differ)',
  weekday: 'By weekday',
  none: 'None',
};

function Swatches({ colours }: { colours: readonly string[] }) {
  return (
    <span aria-hidden="true" className="ml-1 inline-flex gap-0.5">
      {colours.slice(0, 6).map((colour) => (
        <span key={colour} className="size-3 rounded-sm" style={{ backgroundColor: colour }} />
      ))}
    </span>
  );
}

export default function SettingsPage() {
  const { query, ...stored } = usePreferences();
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <SettingsForm stored={stored} />;
}

function SettingsForm({ stored }: { stored: ResolvedPreferences }) {
  const save = useSavePreferences();
  const [form, setForm] = useState(stored);
  const set = <K extends keyof ResolvedPreferences>(key: K, value: ResolvedPreferences[K]) =>
    setForm((previous) => ({ ...previous, [key]: value }));

  return (
    <>
      <PageHeader title="Settings" />
      <form
        className="max-w-md space-y-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate(form);
        }}
      >
        <RadioGroup
          legend="Theme"
          name="theme"
          value={form.theme}
          onChange={(theme) => set('theme', theme)}
          options={THEMES}
        />
        <SelectField
          label="Rows per page"
          value={String(form.pageSize)}
          onChange={(event) => set('pageSize', Number(event.target.value))}
          options={PAGE_SIZES.map((size) => ({ value: String(size), label: String(size) }))}
        />
        <RadioGroup
          legend="Chart colours"
          name="palette"
          value={form.palette}
          onChange={(palette) => set('palette', palette)}
          options={PALETTE_NAMES.map((name) => ({
            value: name,
            label: PALETTES[name].label,
            extra: <Swatches colours={PALETTES[name].colours} />,
          }))}
        />
        <fieldset className="space-y-4">
          <legend className="text-sm font-medium">Revenue forecast</legend>
          <SelectField
            label="Forecast method"
            value={form.forecastMethod}
            onChange={(event) => set('forecastMethod', event.target.value as ForecastMethod)}
            options={FORECAST_METHODS.map((value) => ({ value, label: METHOD_LABELS[value] }))}
          />
          <SelectField
            label="Seasonality"
            value={form.forecastSeasonality}
            onChange={(event) => set('forecastSeasonality', event.target.value as ForecastSeasonality)}
            options={FORECAST_SEASONALITIES.map((value) => ({ value, label: SEASONALITY_LABELS[value] }))}
          />
          <SelectField
            label="Confidence band"
            value={form.forecastConfidence}
            onChange={(event) => set('forecastConfidence', event.target.value as ForecastConfidence)}
            options={FORECAST_CONFIDENCES.map((value) => ({ value, label: `${Math.round(Number(value) * 100)} %` }))}
          />
        </fieldset>
        {save.isSuccess && <Alert tone="success">Preferences saved.</Alert>}
        {save.isError && <Alert tone="error">{save.error.message}</Alert>}
        <Button type="submit" busy={save.isPending}>
          Save preferences
        </Button>
      </form>
    </>
  );
}
