import uPlot from 'uplot';

/** Axis and grid colours that read on both the light and the dark theme. */
export const chartAxis = {
  stroke: '#64748b',
  grid: { stroke: 'rgba(100, 116, 139, 0.2)', width: 1 },
  ticks: { stroke: 'rgba(100, 116, 139, 0.3)', width: 1 },
};

/** Shows the x axis in UTC: the series are per UTC day. */
export const utcDates = (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

export const barPaths = uPlot.paths.bars?.({ size: [0.6, 64] });
