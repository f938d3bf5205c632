import { describe, expect, it } from 'vitest';
import { mergePreferences, resolvePreferences } from './preferences';

const defaults = {
  theme: 'system',
  pageSize: 20,
  palette: 'default',
  forecastMethod: 'auto',
  forecastSeasonality: 'auto',
  forecastConfidence: '0.95',
};

describe('resolvePreferences', () => {
  it('fills in defaults and ignores unknown values', () => {
    expect(resolvePreferences(null)).toEqual(defaults);
    expect(resolvePreferences({ theme: 'dark', page_size: 50 })).toEqual({ ...defaults, theme: 'dark', pageSize: 50 });
    expect(
      resolvePreferences({
        theme: 'neon' as 'dark',
        page_size: 7,
        chart_palette: 'rainbow',
        forecast_method: 'magic',
        forecast_seasonality: 'monthly',
        forecast_conf: 0.9,
      }),
    ).toEqual(defaults);
  });

  it('reads the chart palette and the forecast options', () => {
    expect(
      resolvePreferences({
        chart_palette: 'okabe_ito',
        forecast_method: 'hw',
        forecast_seasonality: 'weekday',
        forecast_conf: '0.99',
      }),
    ).toEqual({
      ...defaults,
      palette: 'okabe_ito',
      forecastMethod: 'hw',
      forecastSeasonality: 'weekday',
      forecastConfidence: '0.99',
    });
  });
});

describe('mergePreferences', () => {
  it('writes the changes under their stored keys and keeps everything else', () => {
    expect(
      mergePreferences({ theme: 'dark', other_app: { x: 1 } }, { palette: 'okabe_ito', forecastConfidence: '0.80' }),
    ).toEqual({ theme: 'dark', other_app: { x: 1 }, chart_palette: 'okabe_ito', forecast_conf: '0.80' });
    expect(mergePreferences(null, { pageSize: 50 })).toEqual({ page_size: 50 });
  });
});
