// The dashboard's data as chart series and as CSV tables, kept apart from the drawing so it
// can be tested. Days are `YYYY-MM-DD` UTC calendar days, as the API sends them.

import type { AlignedData } from 'uplot';
import type { Forecast, OrderTimeseries, UserTimeseries } from '@/api/types';
import type { CsvCell } from '@/lib/csv';
import { dayToSeconds } from '@/lib/format';

export interface Table {
  header: string[];
  rows: CsvCell[][];
}

const amount = (value: string | number) => Number(value);

/**
 * Orders and revenue per day followed by the forecast days. Series: orders, revenue,
 * forecast, upper and lower bound, anomaly markers (revenue on an anomalous day, else
 * null). The forecast line and band start at the last actual day so the two join up.
 * `forecast` is undefined while it loads or when it failed: its series are then empty.
 */
export function ordersRevenueSeries(series: OrderTimeseries['series'], forecast?: Forecast): AlignedData {
  const ahead = forecast?.forecast ?? [];
  const anomalies = new Map((forecast?.anomalies ?? []).map((anomaly) => [anomaly.date.slice(0, 10), amount(anomaly.revenue)]));
  const last = series.length - 1;
  const joint = (index: number) => {
    const point = series[index];
    return index === last && ahead.length > 0 && point ? amount(point.revenue) : null;
  };
  const forecastOf = (key: 'revenue' | 'upper' | 'lower') => [
    ...series.map((_, index) => joint(index)),
    ...ahead.map((point) => amount(point[key])),
  ];
  return [
    [...series, ...ahead].map((point) => dayToSeconds(point.date)),
    [...series.map((point) => point.orders), ...ahead.map(() => null)],
    [...series.map((point) => amount(point.revenue)), ...ahead.map(() => null)],
    forecastOf('revenue'),
    forecastOf('upper'),
    forecastOf('lower'),
    [...series.map((point) => anomalies.get(point.date.slice(0, 10)) ?? null), ...ahead.map(() => null)],
  ];
}

/** The same days as a table: actual days, then forecast days, anomalous days marked. */
export function ordersRevenueTable(series: OrderTimeseries['series'], forecast?: Forecast): Table {
  const anomalies = new Map((forecast?.anomalies ?? []).map((anomaly) => [anomaly.date.slice(0, 10), anomaly.z]));
  return {
    header: ['date', 'orders', 'revenue', 'forecast', 'lower', 'upper', 'anomaly_z'],
    rows: [
      ...series.map((point) => [
        point.date.slice(0, 10),
        point.orders,
        String(point.revenue),
        null,
        null,
        null,
        anomalies.get(point.date.slice(0, 10)) ?? null,
      ]),
      ...(forecast?.forecast ?? []).map((point) => [
        point.date.slice(0, 10),
        null,
        null,
        String(point.revenue),
        String(point.lower),
        String(point.upper),
        null,
      ]),
    ],
  };
}

export function signupsSeries(series: UserTimeseries['series']): AlignedData {
  return [series.map((point) => dayToSeconds(point.date)), series.map((point) => point.signups)];
}

export function signupsTable(series: UserTimeseries['series']): Table {
  return { header: ['date', 'signups'], rows: series.map((point) => [point.date.slice(0, 10), point.signups]) };
}

export interface Category {
  label: string;
  value: number;
}

/** Categories as a bar chart's data: x is the category's index. */
export function categorySeries(categories: readonly Category[]): AlignedData {
  return [categories.map((_, index) => index), categories.map((category) => category.value)];
}

export function categoryTable(header: [string, string], categories: readonly Category[]): Table {
  return { header, rows: categories.map((category) => [category.label, category.value]) };
}
