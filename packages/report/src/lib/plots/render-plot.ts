import sharp from 'sharp';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A rendered plot: the SVG text and a PNG of it. */
export interface RenderedPlot {
  readonly svg: string;
  readonly png: Buffer;
  /** Size of the SVG in CSS pixels. */
  readonly width: number;
  readonly height: number;
}

/** Font every plot uses; DejaVu Sans is installed with the Debian image, so PNG text renders. */
export const PLOT_FONT = 'DejaVu Sans, Verdana, sans-serif';

/**
 * Renders a vega-lite spec to SVG in Node, without a browser: vega-lite compiles it to vega,
 * and a headless vega `View` (renderer `none`) writes the SVG.
 *
 * @example
 * ```ts
 * const svg = await renderSvg(rocCurveSpec(report));
 * ```
 * @throws Error when vega-lite or vega rejects the spec.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile(spec).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterizes an SVG to PNG with sharp (librsvg), at `scale` x its CSS size (default 2, sharp on high-DPI screens).
 *
 * @example
 * ```ts
 * const png = await svgToPng(svg);
 * ```
 * @throws RangeError when `scale` is not in (0, 8].
 */
export async function svgToPng(svg: string, options: { readonly scale?: number } = {}): Promise<Buffer> {
  const scale = options.scale ?? 2;
  if (typeof scale !== 'number' || !(scale > 0 && scale <= 8)) throw new RangeError(`svgToPng: scale must be in (0, 8], got ${String(scale)}.`);
  return sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
}

/** The CSS size an SVG declares on its root element (0 x 0 when it declares none). */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  return { width: Number(m?.[1] ?? 0), height: Number(m?.[2] ?? 0) };
}

/**
 * Renders a vega-lite spec to both SVG and PNG.
 *
 * @example
 * ```ts
 * const { svg, png } = await renderPlot(confusionMatrixSpec(report.confusion));
 * ```
 */
export async function renderPlot(spec: TopLevelSpec, options: { readonly scale?: number } = {}): Promise<RenderedPlot> {
  const svg = await renderSvg(spec);
  const png = await svgToPng(svg, options);
  return { svg, png, ...svgSize(svg) };
}
