import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getPreferences, savePreferences } from '@/api/users';
import type { Preferences } from '@/api/types';
import type { Theme } from './theme';

export const PAGE_SIZES = [10, 20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

export interface ResolvedPreferences {
  theme: Theme;
  pageSize: number;
}

/** Fills in defaults and ignores values this version of the UI does not know. */
export function resolvePreferences(stored: Preferences | null | undefined): ResolvedPreferences {
  const theme = stored?.theme;
  const pageSize = Number(stored?.page_size);
  return {
    theme: theme === 'light' || theme === 'dark' || theme === 'system' ? theme : 'system',
    pageSize: (PAGE_SIZES as readonly number[]).includes(pageSize) ? pageSize : DEFAULT_PAGE_SIZE,
  };
}

const preferencesKey = ['preferences'] as const;

export function usePreferences() {
  const query = useQuery({ queryKey: preferencesKey, queryFn: getPreferences, staleTime: Infinity });
  return { ...resolvePreferences(query.data), query };
}

export function useSavePreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (changes: Partial<ResolvedPreferences>) => {
      const current = client.getQueryData<Preferences | null>(preferencesKey) ?? {};
      const next: Preferences = { ...current };
      if (changes.theme) next.theme = changes.theme;
      if (changes.pageSize) next.page_size = changes.pageSize;
      return savePreferences(next);
    },
    onSuccess: (stored) => client.setQueryData(preferencesKey, stored),
  });
}
