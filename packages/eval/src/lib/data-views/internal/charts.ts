import type { Histogram } from './pixel-stats.js';
import type { ChartSpec } from './render-chart.js';

/** One line of a histogram chart: a name for the legend and its counts. */
export interface HistogramSeries {
  readonly name: string;
  readonly histogram: Histogram;
}

/**
 * A step-line chart of several histograms sharing one x axis: one line per image, coloured by
 * image with a legend, so a few distributions can be compared at a glance.
 */
export function histogramChartSpec(
  title: string,
  xTitle: string,
  series: readonly HistogramSeries[],
  size: { readonly width: number; readonly height: number } = { width: 360, height: 200 },
): ChartSpec {
  const values = series.flatMap((s) => {
    const total = s.histogram.counts.reduce((a, b) => a + b, 0) || 1;
    const { edges, counts } = s.histogram;
    return counts.map((count, i) => {
      const lo = edges[i] as number;
      const hi = edges[i + 1] as number;
      return { image: s.name, value: (lo + hi) / 2, share: count / total };
    });
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: size.width,
    height: size.height,
    data: { values },
    mark: { type: 'line', interpolate: 'step', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'value', type: 'quantitative', title: xTitle, scale: { zero: false, nice: false } },
      y: { field: 'share', type: 'quantitative', title: 'share of pixels', axis: { format: '%' } },
      color: { field: 'image', type: 'nominal', title: 'image', legend: { orient: 'bottom', columns: 1, labelLimit: 360 } },
    },
  };
}

/** A grouped bar chart: one bar per (group, series) with its value, labelled. */
export function groupedBarSpec(options: {
  readonly title: string;
  readonly values: readonly { readonly group: string; readonly series: string; readonly value: number }[];
  readonly groupTitle: string;
  readonly seriesTitle: string;
  readonly valueTitle: string;
  readonly valueFormat?: string;
}): ChartSpec {
  const format = options.valueFormat ?? ',d';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    data: { values: options.values.map((v) => ({ ...v })) },
    width: { step: 28 },
    height: 200,
    encoding: {
      x: { field: 'group', type: 'nominal', title: options.groupTitle, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: options.valueTitle },
      color: { field: 'series', type: 'nominal', title: options.seriesTitle },
    },
    layer: [
      { mark: 'bar' },
      {
        mark: { type: 'text', dy: -6, fontSize: 10 },
        encoding: { text: { field: 'value', type: 'quantitative', format } },
      },
    ],
  };
}
