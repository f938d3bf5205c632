import { describe, expect, it } from 'vitest';
import type { Forecast } from '@/api/types';
import { toCsv } from '@/lib/csv';
import { categorySeries, categoryTable, ordersRevenueSeries, ordersRevenueTable } from './chartData';

const day = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

const series = [
  { date: '2026-11-01', orders: 2, revenue: '20.00' },
  { date: '2026-11-02', orders: 9, revenue: '400.50' },
  { date: '2026-11-03', orders: 1, revenue: '10.00' },
];

const forecast: Forecast = {
  days: 2,
  method: 'linear',
  seasonality: 'none',
  history: [],
  forecast: [
    { date: '2026-11-04', revenue: '12.00', lower: '2.00', upper: '22.00' },
    { date: '2026-11-05', revenue: '13.00', lower: '1.00', upper: '25.00' },
  ],
  anomalies: [
    { date: '2026-11-02', revenue: '400.50', z: 3.4 },
    // Outside the days shown: no marker.
    { date: '2026-10-01', revenue: '999.00', z: 4 },
  ],
};

describe('ordersRevenueSeries', () => {
  it('lines up actual days, forecast days and anomaly markers', () => {
    expect(ordersRevenueSeries(series, forecast)).toEqual([
      ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'].map(day),
      [2, 9, 1, null, null],
      [20, 400.5, 10, null, null],
      [null, null, 10, 12, 13],
      [null, null, 10, 22, 25],
      [null, null, 10, 2, 1],
      [null, 400.5, null, null, null],
    ]);
  });

  it('draws the actual days alone while the forecast is missing, and without anomalies', () => {
    const [x, orders, revenue, ahead, upper, lower, marks] = ordersRevenueSeries(series);
    expect(x).toHaveLength(3);
    expect(orders).toEqual([2, 9, 1]);
    expect(revenue).toEqual([20, 400.5, 10]);
    for (const empty of [ahead, upper, lower, marks]) expect(empty).toEqual([null, null, null]);
    const older: Forecast = { ...forecast };
    delete older.anomalies;
    expect(ordersRevenueSeries(series, older)[6]).toEqual([null, null, null, null, null]);
  });
});

describe('chart tables as CSV', () => {
  it('exports actual and forecast days with the anomaly z', () => {
    const table = ordersRevenueTable(series, forecast);
    expect(toCsv(table.header, table.rows)).toBe(
      [
        'date,orders,revenue,forecast,lower,upper,anomaly_z',
        '2026-11-01,2,20.00,,,,',
        '2026-11-02,9,400.50,,,,3.4',
        '2026-11-03,1,10.00,,,,',
        '2026-11-04,,,12.00,2.00,22.00,',
        '2026-11-05,,,13.00,1.00,25.00,',
        '',
      ].join('\r\n'),
    );
  });

  it('exports categories with their counts', () => {
    const categories = [
      { label: 'pending', value: 3 },
      { label: '=cmd', value: 1 },
    ];
    expect(categorySeries(categories)).toEqual([
      [0, 1],
      [3, 1],
    ]);
    const table = categoryTable(['status', 'orders'], categories);
    expect(toCsv(table.header, table.rows)).toBe("status,orders\r\npending,3\r\n'=cmd,1\r\n");
  });
});
