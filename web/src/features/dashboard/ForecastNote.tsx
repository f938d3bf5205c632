import type { UseQueryResult } from '@tanstack/react-query';
import type { Forecast } from '@/api/types';
import { formatDay } from '@/lib/format';
import { formatMoney } from '@/lib/money';

const METHOD_NAMES: Record<string, string> = {
  linear: 'linear trend',
  exp: 'Holt’s exponential smoothing',
  hw: 'Holt-Winters (weekly)',
};

/** What the forecast on the chart is: its method, seasonality, band and the unusual days. */
export function ForecastNote({ forecast, confidence }: { forecast: UseQueryResult<Forecast>; confidence: string }) {
  const text = 'mt-2 text-xs text-slate-600 dark:text-slate-400';
  if (forecast.isPending) return <p className={text}>Loading the forecast…</p>;
  if (forecast.isError) {
    return (
      <p role="alert" className="mt-2 text-xs text-rose-700 dark:text-rose-300">
        The forecast is unavailable: {forecast.error.message}
      </p>
    );
  }
  const { method, seasonality, forecast: ahead, anomalies } = forecast.data;
  if (ahead.length === 0) return <p className={text}>Not enough history for a forecast yet.</p>;
  return (
    <div className={text} data-testid="forecast-note">
      <p>
        Forecast: {METHOD_NAMES[method] ?? method}; seasonality: {seasonality ?? 'n/a'}; band:{' '}
        {Math.round(Number(confidence) * 100)} % confidence.
      </p>
      {/* Servers without anomaly detection leave `anomalies` out: nothing to list then. */}
      {anomalies && anomalies.length > 0 && (
        <p>
          Unusual days:{' '}
          {anomalies
            .map((anomaly) => `${formatDay(anomaly.date)} (${formatMoney(anomaly.revenue)}, z = ${anomaly.z.toFixed(1)})`)
            .join('; ')}
        </p>
      )}
    </div>
  );
}
