import sharp from 'sharp';
import type { Heatmap } from './grad-cam.js';
import { heatColour, upsampleBilinear } from './heatmap-colours.js';

/** Options of {@link gradCamOverlayPng}. */
export interface OverlayOptions {
  /** Opacity of the colour where the heatmap is 1 (it fades to 0 with the heat), in [0, 1]. Default 0.55. */
  readonly alpha?: number;
  /**
   * Adds a colour scale below the image: a strip showing heat 0 to 1 as the overlay draws it over
   * mid grey, labelled `low` and `high` (the heatmap is relative to the image's own peak). The image
   * part keeps its size; the PNG is taller by the strip. Default false.
   */
  readonly colourScale?: boolean;
}

/** Height in pixels of the colour scale under an image `width` pixels wide. */
export function colourScaleHeight(width: number): number {
  return Math.max(14, Math.min(120, Math.round(width * 0.06)));
}

/**
 * Overlays a Grad-CAM heatmap on a grey X-ray and encodes it as PNG.
 *
 * The heatmap is upsampled (bilinear) to the image size, coloured with the jet map and blended
 * with opacity `alpha x heat`, so cold regions show the X-ray unchanged and hot ones turn red.
 * With `colourScale`, a strip under the image shows the colours from low to high heat.
 *
 * @example
 * ```ts
 * const png = await gradCamOverlayPng(sample.pixels, sample.height, sample.width, cam.heatmap);
 * await writeFile('cam.png', png);
 * ```
 * @param pixels - grey image, `height x width` bytes, row-major.
 * @param options - `alpha` (default 0.55), `colourScale` (default false).
 * @throws RangeError when sizes do not match their arrays or `alpha` is out of [0, 1].
 */
export async function gradCamOverlayPng(pixels: Uint8Array, height: number, width: number, heatmap: Heatmap, options: OverlayOptions = {}): Promise<Buffer> {
  const alpha = options.alpha ?? 0.55;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new RangeError(`gradCamOverlayPng: alpha must be in [0, 1], got ${String(alpha)}.`);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || !(pixels instanceof Uint8Array) || pixels.length !== height * width) {
    throw new RangeError(`gradCamOverlayPng: pixels must be a Uint8Array of height x width = ${height}x${width} grey values, got ${pixels?.length} values.`);
  }
  const { values, height: hh, width: hw } = heatmap ?? ({} as Heatmap);
  if (!(values instanceof Float32Array) || !Number.isInteger(hh) || !Number.isInteger(hw) || hh < 1 || hw < 1 || values.length !== hh * hw) {
    throw new RangeError(`gradCamOverlayPng: heatmap.values must be a Float32Array of heatmap.height x heatmap.width values.`);
  }
  const heat = upsampleBilinear(heatmap, height, width);
  const strip = options.colourScale === true ? colourScaleHeight(width) : 0;
  const rgb = Buffer.alloc(width * (height + strip) * 3, 255);
  const blend = (i: number, grey: number, t: number): void => {
    const [r, g, b] = heatColour(grey, t, alpha);
    rgb[3 * i] = r;
    rgb[3 * i + 1] = g;
    rgb[3 * i + 2] = b;
  };
  for (let i = 0; i < width * height; i++) blend(i, pixels[i] as number, Math.min(1, Math.max(0, heat[i] as number)));
  if (strip === 0) return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
  // The scale: heat 0 to 1 from left to right over mid grey, between the labels low and high.
  const left = Math.round(width * 0.16);
  const right = Math.max(left + 1, width - Math.round(width * 0.16));
  const top = height + Math.round(strip * 0.25);
  const bottom = Math.max(top + 1, height + Math.round(strip * 0.75));
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) blend(y * width + x, 128, (x - left) / Math.max(1, right - left - 1));
  }
  const font = Math.max(6, Math.round(strip * 0.5));
  const label = (x: number, anchor: string, text: string): string =>
    `<text x="${x}" y="${height + strip / 2}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="${font}" fill="#000" text-anchor="${anchor}" dominant-baseline="central">${text}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + strip}">${label(left - Math.round(font * 0.3), 'end', 'low')}${label(right + Math.round(font * 0.3), 'start', 'high')}</svg>`;
  const drawn = await sharp(rgb, { raw: { width, height: height + strip, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(drawn.data, { raw: { width, height: height + strip, channels: drawn.info.channels } })
    .removeAlpha()
    .png()
    .toBuffer();
}
