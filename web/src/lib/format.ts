const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** `2026-11-25` → `Nov 25`, read as a calendar day (not shifted by the time zone). */
export function formatDay(day: string): string {
  const date = new Date(`${day.slice(0, 10)}T12:00:00`);
  return Number.isNaN(date.getTime()) ? day : shortDate.format(date);
}

/** `2026-11-25` → seconds since the epoch at 00:00 UTC, the charts' x values. */
export function dayToSeconds(day: string): number {
  return Date.parse(`${day.slice(0, 10)}T00:00:00Z`) / 1000;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
