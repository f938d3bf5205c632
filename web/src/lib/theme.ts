import { useEffect } from 'react';

export type Theme = 'light' | 'dark' | 'system';

/** Read by the inline script in index.html so the first paint has the right theme. */
export const THEME_STORAGE_KEY = 'spin-shop.theme';

const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

export function applyTheme(theme: Theme) {
  const dark = theme === 'dark' || (theme === 'system' && darkQuery().matches);
  document.documentElement.classList.toggle('dark', dark);
  localStorage.setItem(THEME_STORAGE_KEY, theme);
}

/** Keeps <html> in the given theme, following the OS while the theme is `system`. */
export function useApplyTheme(theme: Theme) {
  useEffect(() => {
    applyTheme(theme);
    if (theme !== 'system') return;
    const query = darkQuery();
    const onChange = () => applyTheme('system');
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, [theme]);
}
