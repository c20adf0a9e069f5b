import type { TopLevelSpec } from 'vega-lite';

import { renderPlot, type RenderedPlot } from '../../plots/render-plot.js';
import type { Histogram } from './pixel-stats.js';

/**
 * A Vega-Lite specification as plain data (a unit, layer or concat spec). Kept loosely typed so
 * partial specs compose; Vega-Lite checks it when compiling.
 */
export type ChartSpec = Readonly<Record<string, unknown>>;

/** Fonts that exist on the machines we run on (Debian: fonts-dejavu-core); text metrics follow them. */
const CHART_CONFIG = {
  font: 'DejaVu Sans',
  background: 'white',
  title: { fontSize: 14 },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
} as const;

/**
 * Renders a data-view chart with the report's one renderer ({@link renderPlot}: SVG for the page, PNG
 * at twice the density for the files), in the data views' type sizes unless the spec sets its own.
 */
export async function renderDataChart(spec: ChartSpec): Promise<RenderedPlot> {
  const config = { ...CHART_CONFIG, ...((spec['config'] as object | undefined) ?? {}) };
  return renderPlot({ ...spec, config } as unknown as TopLevelSpec);
}

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
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
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
  /** Series in colour order (default: as they first appear). */
  readonly seriesDomain?: readonly string[];
}): ChartSpec {
  const format = options.valueFormat ?? ',d';
  const seriesDomain = options.seriesDomain ?? [...new Set(options.values.map((v) => v.series))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    data: { values: options.values.map((v) => ({ ...v })) },
    width: { step: 28 },
    height: 200,
    encoding: {
      x: { field: 'group', type: 'nominal', title: options.groupTitle, axis: { labelAngle: 0 }, sort: null },
      xOffset: { field: 'series', type: 'nominal', sort: seriesDomain },
      y: { field: 'value', type: 'quantitative', title: options.valueTitle },
      color: { field: 'series', type: 'nominal', title: options.seriesTitle, scale: { domain: seriesDomain } },
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

/** min / median / max / mean of one measure, as the loader's audit summarises it. */
export interface RangeRow {
  readonly label: string;
  readonly group: string;
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * One horizontal line per row from min to max, a thick tick at the median and a dot at the mean,
 * coloured by group (the class), with the values in a subtitle-free, self-explaining title.
 */
export function rangeChartSpec(options: {
  readonly title: string;
  readonly subtitle: string;
  readonly xTitle: string;
  readonly rows: readonly RangeRow[];
  readonly format?: string;
  /** Groups in colour order (default: as they first appear). */
  readonly groupDomain?: readonly string[];
}): ChartSpec {
  const groupDomain = options.groupDomain ?? [...new Set(options.rows.map((r) => r.group))];
  const format = options.format ?? ',.0f';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title, subtitle: options.subtitle },
    width: 420,
    height: { step: 30 },
    data: { values: options.rows.map((r) => ({ ...r })) },
    encoding: {
      y: { field: 'label', type: 'nominal', title: null, sort: null },
      color: { field: 'group', type: 'nominal', title: 'class', scale: { domain: groupDomain } },
    },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'min', type: 'quantitative', title: options.xTitle, scale: { zero: false } }, x2: { field: 'max' } } },
      { mark: { type: 'tick', thickness: 3, size: 18 }, encoding: { x: { field: 'median', type: 'quantitative' } } },
      { mark: { type: 'point', filled: true, size: 50, shape: 'circle' }, encoding: { x: { field: 'mean', type: 'quantitative' } } },
      { mark: { type: 'text', align: 'left', dx: 6, dy: -10, fontSize: 10 }, encoding: { x: { field: 'median', type: 'quantitative' }, text: { field: 'median', type: 'quantitative', format } } },
    ],
  };
}

/**
 * Shares within each group as horizontal stacked bars (one bar per group, one colour per
 * category), e.g. channel modes per class: a class-dependent encoding stands out.
 */
export function shareBarSpec(options: {
  readonly title: string;
  readonly values: readonly { readonly group: string; readonly category: string; readonly count: number }[];
  readonly groupTitle: string;
  readonly categoryTitle: string;
}): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: 420,
    height: { step: 34 },
    data: { values: options.values.map((v) => ({ ...v })) },
    mark: 'bar',
    encoding: {
      y: { field: 'group', type: 'nominal', title: options.groupTitle, sort: null },
      x: { field: 'count', type: 'quantitative', stack: 'normalize', title: 'share of images', axis: { format: '%' } },
      color: { field: 'category', type: 'nominal', title: options.categoryTitle },
      order: { field: 'category' },
    },
  };
}

/** Bars of the shares of the most common values per group (e.g. `224x224` per class), side by side. */
export function commonValuesSpec(options: {
  readonly title: string;
  readonly values: readonly { readonly group: string; readonly value: string; readonly share: number; readonly count: number }[];
  readonly valueTitle: string;
  /** Groups in colour order (default: as they first appear). */
  readonly groupDomain?: readonly string[];
}): ChartSpec {
  const groupDomain = options.groupDomain ?? [...new Set(options.values.map((v) => v.group))];
  const best = new Map<string, number>();
  for (const v of options.values) best.set(v.value, Math.max(best.get(v.value) ?? 0, v.share));
  const order = [...best.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([value]) => value);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: 420,
    height: { step: 14 },
    data: { values: options.values.map((v) => ({ ...v })) },
    encoding: {
      y: { field: 'value', type: 'nominal', title: options.valueTitle, sort: order },
      yOffset: { field: 'group', type: 'nominal', sort: groupDomain },
      x: { field: 'share', type: 'quantitative', title: 'share of the class’s images', axis: { format: '%' }, scale: { domain: [0, 1] } },
      color: { field: 'group', type: 'nominal', title: 'class', scale: { domain: groupDomain } },
    },
    layer: [
      { mark: 'bar' },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { text: { field: 'count', type: 'quantitative', format: ',d' } } },
    ],
  };
}
