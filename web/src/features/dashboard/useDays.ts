import { useSearchParams } from 'react-router';

export const DAY_CHOICES = [7, 30, 90] as const;
const DEFAULT_DAYS = 30;

/** The dashboard's period, kept in the URL (`?days=7`) so a reload keeps it. */
export function useDays() {
  const [params, setParams] = useSearchParams();
  const asked = Number(params.get('days'));
  const days = (DAY_CHOICES as readonly number[]).includes(asked) ? asked : DEFAULT_DAYS;
  const setDays = (next: number) =>
    setParams((previous) => {
      const updated = new URLSearchParams(previous);
      updated.set('days', String(next));
      return updated;
    });
  return [days, setDays] as const;
}
