import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';

interface ChartProps {
  /** uPlot options without the size; memoise them, a new object redraws the chart. */
  options: Omit<Options, 'width' | 'height'>;
  data: AlignedData;
  /** What the chart shows, for screen readers (the canvas itself says nothing). */
  summary: string;
  height?: number;
}

/** A uPlot chart that fills its container's width and follows it when it resizes. */
export function Chart({ options, data, summary, height = 240 }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const chart = new uPlot({ ...options, width: element.clientWidth || 320, height }, data, element);
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0) chart.setSize({ width: element.clientWidth, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [options, data, height]);

  return (
    <figure className="m-0">
      <div ref={container} aria-hidden="true" />
      <figcaption className="sr-only">{summary}</figcaption>
    </figure>
  );
}
