import { useMemo } from 'react';
import type { AlignedData, Options } from 'uplot';
import type { Forecast, OrderTimeseries, UserTimeseries } from '@/api/types';
import { Chart } from '@/components/Chart';
import { barPaths, chartAxis, utcDates } from '@/lib/chart';
import { formatMoney } from '@/lib/money';
import { colourAt, withAlpha, type PaletteName } from '@/lib/palette';
import { categorySeries, ordersRevenueSeries, signupsSeries, type Category } from './chartData';

type ChartOptions = Omit<Options, 'width' | 'height'>;

const money = (value: number | null) => (value === null ? '–' : formatMoney(value));
const moneyTicks = (_: unknown, ticks: number[]) => ticks.map((tick) => formatMoney(tick).replace(/\.00$/, ''));
const countRange = (_: unknown, __: number, max: number): [number, number] => [0, Math.max(1, max)];
// uPlot's Axis.Side is an ambient const enum, which isolatedModules cannot import: 1 = right.
const RIGHT = 1 as const;

function ordersRevenueOptions(palette: PaletteName): ChartOptions {
  const forecast = colourAt(palette, 2);
  const anomaly = colourAt(palette, 3);
  const revenueSeries = { scale: '$', value: (_: unknown, value: number | null) => money(value) };
  return {
    tzDate: utcDates,
    scales: { x: { time: true }, orders: { range: countRange } },
    axes: [
      chartAxis,
      { ...chartAxis, scale: 'orders', size: 36 },
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
      { ...chartAxis, scale: '$', side: RIGHT, size: 64, values: moneyTicks, grid: { show: false } },
    ],
    series: [
      {},
      {
        label: 'Orders',
        scale: 'orders',
        fill: withAlpha(colourAt(palette, 0), 0.7),
        stroke: colourAt(palette, 0),
        paths: barPaths,
        points: { show: false },
      },
      { ...revenueSeries, label: 'Revenue', stroke: colourAt(palette, 1), width: 2 },
      { ...revenueSeries, label: 'Forecast', stroke: forecast, width: 2, dash: [6, 4] },
      { ...revenueSeries, label: 'Upper', stroke: withAlpha(forecast, 0.5), width: 1 },
      { ...revenueSeries, label: 'Lower', stroke: withAlpha(forecast, 0.5), width: 1 },
      {
        ...revenueSeries,
        label: 'Anomaly',
        stroke: anomaly,
        width: 0,
        // Markers only: no line between anomalous days.
        paths: () => null,
        points: { show: true, size: 10, fill: anomaly, stroke: anomaly },
      },
    ],
    // The forecast band: between the upper (4) and lower (5) bounds.
    bands: [{ series: [4, 5], fill: withAlpha(forecast, 0.18) }],
  };
}

export function OrdersRevenueChart({
  series,
  forecast,
  palette,
}: {
  series: OrderTimeseries['series'];
  forecast?: Forecast | undefined;
  palette: PaletteName;
}) {
  const options = useMemo(() => ordersRevenueOptions(palette), [palette]);
  const data = useMemo<AlignedData>(() => ordersRevenueSeries(series, forecast), [series, forecast]);
  const orders = series.reduce((sum, point) => sum + point.orders, 0);
  const revenue = series.reduce((sum, point) => sum + Number(point.revenue), 0);
  const ahead = forecast?.forecast.reduce((sum, point) => sum + Number(point.revenue), 0);
  return (
    <Chart
      options={options}
      data={data}
      summary={
        `${orders} orders and ${formatMoney(revenue)} revenue over ${series.length} days.` +
        (ahead === undefined ? '' : ` Forecast: about ${formatMoney(ahead)} over the next ${forecast?.forecast.length ?? 0} days.`)
      }
    />
  );
}

export function SignupsChart({ series, palette }: { series: UserTimeseries['series']; palette: PaletteName }) {
  const options = useMemo<ChartOptions>(
    () => ({
      tzDate: utcDates,
      scales: { x: { time: true }, y: { range: countRange } },
      axes: [chartAxis, { ...chartAxis, size: 36 }],
      series: [
        {},
        {
          label: 'Sign-ups',
          fill: withAlpha(colourAt(palette, 0), 0.7),
          stroke: colourAt(palette, 0),
          paths: barPaths,
          points: { show: false },
        },
      ],
    }),
    [palette],
  );
  const data = useMemo(() => signupsSeries(series), [series]);
  const total = series.reduce((sum, point) => sum + point.signups, 0);
  return <Chart options={options} data={data} summary={`${total} sign-ups over ${series.length} days.`} />;
}

/** One bar per category, labelled under the bar (long labels shortened on the axis). */
export function CategoryChart({
  categories,
  label,
  palette,
  colour,
}: {
  categories: readonly Category[];
  /** What the bars count, e.g. `Orders`. */
  label: string;
  palette: PaletteName;
  /** Which palette colour the bars take. */
  colour: number;
}) {
  const options = useMemo<ChartOptions>(() => {
    const name = (index: number) => categories[index]?.label ?? '';
    const short = (text: string) => (text.length > 10 ? `${text.slice(0, 9)}…` : text);
    return {
      scales: { x: { time: false, range: [-0.5, Math.max(0, categories.length - 0.5)] }, y: { range: countRange } },
      axes: [
        {
          ...chartAxis,
          splits: () => categories.map((_, index) => index),
          values: (_, ticks) => ticks.map((tick) => short(name(tick))),
          // Turned so that five or more labels fit under a phone-wide chart.
          rotate: categories.length > 4 ? -40 : 0,
          size: categories.length > 4 ? 64 : 32,
          grid: { show: false },
        },
        { ...chartAxis, size: 44 },
      ],
      series: [
        { label: 'Name', value: (_, index) => name(index) },
        {
          label,
          fill: withAlpha(colourAt(palette, colour), 0.75),
          stroke: colourAt(palette, colour),
          paths: barPaths,
          points: { show: false },
        },
      ],
    };
  }, [categories, label, palette, colour]);
  const data = useMemo(() => categorySeries(categories), [categories]);
  const summary = categories.map((category) => `${category.label}: ${category.value}`).join(', ');
  return <Chart options={options} data={data} summary={`${label} — ${summary}.`} />;
}
