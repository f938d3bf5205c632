import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getPreferences, savePreferences } from '@/api/users';
import type { Preferences } from '@/api/types';
import { isPaletteName, type PaletteName } from './palette';
import type { Theme } from './theme';

export const PAGE_SIZES = [10, 20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

// The forecast options the API takes (shared/design/api.md, the forecast endpoint).
export const FORECAST_METHODS = ['auto', 'linear', 'exp', 'hw'] as const;
export const FORECAST_SEASONALITIES = ['auto', 'weekday', 'none'] as const;
/** As text: the API takes exactly these spellings. */
export const FORECAST_CONFIDENCES = ['0.80', '0.95', '0.99'] as const;

export type ForecastMethod = (typeof FORECAST_METHODS)[number];
export type ForecastSeasonality = (typeof FORECAST_SEASONALITIES)[number];
export type ForecastConfidence = (typeof FORECAST_CONFIDENCES)[number];

export interface ResolvedPreferences {
  theme: Theme;
  pageSize: number;
  palette: PaletteName;
  forecastMethod: ForecastMethod;
  forecastSeasonality: ForecastSeasonality;
  forecastConfidence: ForecastConfidence;
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown, fallback: T): T {
  return allowed.find((option) => option === value) ?? fallback;
}

/** Fills in defaults and ignores values this version of the UI does not know. */
export function resolvePreferences(stored: Preferences | null | undefined): ResolvedPreferences {
  const pageSize = Number(stored?.page_size);
  const palette = stored?.chart_palette;
  return {
    theme: oneOf(['light', 'dark', 'system'], stored?.theme, 'system'),
    pageSize: (PAGE_SIZES as readonly number[]).includes(pageSize) ? pageSize : DEFAULT_PAGE_SIZE,
    palette: isPaletteName(palette) ? palette : 'default',
    forecastMethod: oneOf(FORECAST_METHODS, stored?.forecast_method, 'auto'),
    forecastSeasonality: oneOf(FORECAST_SEASONALITIES, stored?.forecast_seasonality, 'auto'),
    forecastConfidence: oneOf(FORECAST_CONFIDENCES, stored?.forecast_conf, '0.95'),
  };
}

/** The stored key of each preference: the server keeps the object as the UI sends it. */
const STORED_KEYS: Record<keyof ResolvedPreferences, string> = {
  theme: 'theme',
  pageSize: 'page_size',
  palette: 'chart_palette',
  forecastMethod: 'forecast_method',
  forecastSeasonality: 'forecast_seasonality',
  forecastConfidence: 'forecast_conf',
};

/** `changes` written over the stored object; keys this UI does not know are kept. */
export function mergePreferences(
  stored: Preferences | null | undefined,
  changes: Partial<ResolvedPreferences>,
): Preferences {
  const next: Preferences = { ...stored };
  for (const [key, value] of Object.entries(changes)) {
    next[STORED_KEYS[key as keyof ResolvedPreferences]] = value;
  }
  return next;
}

const preferencesKey = ['preferences'] as const;

export function usePreferences() {
  const query = useQuery({ queryKey: preferencesKey, queryFn: getPreferences, staleTime: Infinity });
  return { ...resolvePreferences(query.data), query };
}

export function useSavePreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (changes: Partial<ResolvedPreferences>) =>
      savePreferences(mergePreferences(client.getQueryData<Preferences | null>(preferencesKey), changes)),
    onSuccess: (stored) => client.setQueryData(preferencesKey, stored),
  });
}
