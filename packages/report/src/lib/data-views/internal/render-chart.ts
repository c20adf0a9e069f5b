import sharp from 'sharp';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite specification as plain data (a unit, layer or concat spec). Kept loosely typed so
 * partial specs compose; Vega-Lite checks it when compiling.
 */
export type ChartSpec = Readonly<Record<string, unknown>>;

/** A chart rendered without a browser: the SVG (for inline HTML) and a PNG of it (for files). */
export interface RenderedChart {
  readonly svg: string;
  readonly png: Buffer;
}

/** Fonts that exist on the machines we run on (Debian: fonts-dejavu-core); text metrics follow them. */
const CHART_CONFIG = {
  font: 'DejaVu Sans',
  background: 'white',
  title: { fontSize: 14 },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
} as const;

/**
 * Renders a Vega-Lite spec to SVG with Vega's headless renderer, then to PNG with sharp
 * (librsvg) at twice the pixel density, so the PNG stays sharp on high-density screens.
 */
export async function renderChart(spec: ChartSpec): Promise<RenderedChart> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...((spec['config'] as object | undefined) ?? {}) } } as unknown as TopLevelSpec;
  const vegaSpec = compile(withConfig).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = await sharp(Buffer.from(svg), { density: 144 }).png({ compressionLevel: 9 }).toBuffer();
    return { svg, png };
  } finally {
    view.finalize();
  }
}
