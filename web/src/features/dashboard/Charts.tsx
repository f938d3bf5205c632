import { useMemo } from 'react';
import type { AlignedData, Options } from 'uplot';
import type { Forecast, OrderTimeseries } from '@/api/types';
import { Chart } from '@/components/Chart';
import { barPaths, chartAxis, dayToSeconds, utcDates } from '@/lib/chart';
import { formatMoney } from '@/lib/money';

const money = (value: number | null) => (value === null ? '–' : formatMoney(value));
const moneyTicks = (_: unknown, ticks: number[]) => ticks.map((tick) => formatMoney(tick).replace(/\.00$/, ''));

const ordersRevenueOptions: Omit<Options, 'width' | 'height'> = {
  tzDate: utcDates,
  scales: { x: { time: true }, orders: { range: (_, __, max) => [0, Math.max(1, max)] } },
  axes: [
    chartAxis,
    { ...chartAxis, scale: 'orders', size: 40 },
    {
      ...chartAxis,
      scale: '$',
      // uPlot's Axis.Side is an ambient const enum, which isolatedModules cannot import: 1 = right.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
      side: 1, size: 64, values: moneyTicks, grid: { show: false } },
  ],
  series: [
    {},
    { label: 'Orders', scale: 'orders', fill: 'rgba(99, 102, 241, 0.7)', stroke: '#6366f1', paths: barPaths, points: { show: false } },
    { label: 'Revenue', scale: '$', stroke: '#10b981', width: 2, value: (_, value) => money(value) },
  ],
};

export function OrdersRevenueChart({ series }: { series: OrderTimeseries['series'] }) {
  const data = useMemo<AlignedData>(
    () => [
      series.map((point) => dayToSeconds(point.date)),
      series.map((point) => point.orders),
      series.map((point) => Number(point.revenue)),
    ],
    [series],
  );
  const orders = series.reduce((sum, point) => sum + point.orders, 0);
  const revenue = series.reduce((sum, point) => sum + Number(point.revenue), 0);
  return (
    <Chart
      options={ordersRevenueOptions}
      data={data}
      summary={`${orders} orders and ${formatMoney(revenue)} revenue over ${series.length} days.`}
    />
  );
}

const forecastOptions: Omit<Options, 'width' | 'height'> = {
  tzDate: utcDates,
  scales: { x: { time: true } },
  axes: [chartAxis, { ...chartAxis, size: 64, values: moneyTicks }],
  series: [
    {},
    { label: 'Revenue', stroke: '#10b981', width: 2, value: (_, value) => money(value) },
    { label: 'Forecast', stroke: '#f59e0b', width: 2, dash: [6, 4], value: (_, value) => money(value) },
    { label: 'Upper', stroke: 'rgba(245, 158, 11, 0.4)', width: 1, value: (_, value) => money(value) },
    { label: 'Lower', stroke: 'rgba(245, 158, 11, 0.4)', width: 1, value: (_, value) => money(value) },
  ],
  // The band between the upper and lower bounds.
  bands: [{ series: [3, 4], fill: 'rgba(245, 158, 11, 0.18)' }],
};

export function ForecastChart({ forecast }: { forecast: Forecast }) {
  const data = useMemo<AlignedData>(() => {
    const history = forecast.history.slice(-30);
    const lastIndex = history.length - 1;
    const nulls = history.map(() => null);
    const last = history[lastIndex];
    // The forecast line (and band) start at the last actual value so the two join up.
    const joint = (value: number | null, index: number) => (index === lastIndex && last ? Number(last.revenue) : value);
    return [
      [...history, ...forecast.forecast].map((point) => dayToSeconds(point.date)),
      [...history.map((point) => Number(point.revenue)), ...forecast.forecast.map(() => null)],
      [...nulls.map(joint), ...forecast.forecast.map((point) => Number(point.revenue))],
      [...nulls.map(joint), ...forecast.forecast.map((point) => Number(point.upper))],
      [...nulls.map(joint), ...forecast.forecast.map((point) => Number(point.lower))],
    ];
  }, [forecast]);
  const total = forecast.forecast.reduce((sum, point) => sum + Number(point.revenue), 0);
  return (
    <Chart
      options={forecastOptions}
      data={data}
      summary={`Forecast (${forecast.method}): about ${formatMoney(total)} over the next ${forecast.forecast.length} days.`}
    />
  );
}
