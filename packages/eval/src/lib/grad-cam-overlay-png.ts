import sharp from 'sharp';
import type { Heatmap } from './grad-cam.js';

/** Options of {@link gradCamOverlayPng}. */
export interface OverlayOptions {
  /** Opacity of the colour where the heatmap is 1 (it fades to 0 with the heat), in [0, 1]. Default 0.55. */
  readonly alpha?: number;
}

/** The "jet" colour map (blue - cyan - yellow - red) at t in [0, 1], as 0-255 RGB. */
export function jet(t: number): [number, number, number] {
  const c = (x: number): number => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [c(1.5 - Math.abs(4 * t - 3)), c(1.5 - Math.abs(4 * t - 2)), c(1.5 - Math.abs(4 * t - 1))];
}

/** Bilinear resize of a heatmap to `height x width`, sampling at pixel centres. */
export function upsampleBilinear(heatmap: Heatmap, height: number, width: number): Float32Array {
  const { values, height: hh, width: hw } = heatmap;
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(hh - 1, Math.max(0, ((y + 0.5) * hh) / height - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(hh - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(hw - 1, Math.max(0, ((x + 0.5) * hw) / width - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(hw - 1, x0 + 1);
      const fx = sx - x0;
      const v = (r: number, c: number): number => values[r * hw + c] as number;
      out[y * width + x] = (1 - fy) * ((1 - fx) * v(y0, x0) + fx * v(y0, x1)) + fy * ((1 - fx) * v(y1, x0) + fx * v(y1, x1));
    }
  }
  return out;
}

/**
 * Overlays a Grad-CAM heatmap on a grey X-ray and encodes it as PNG.
 *
 * The heatmap is upsampled (bilinear) to the image size, coloured with the jet map and blended
 * with opacity `alpha x heat`, so cold regions show the X-ray unchanged and hot ones turn red.
 *
 * @example
 * ```ts
 * const png = await gradCamOverlayPng(sample.pixels, sample.height, sample.width, cam.heatmap);
 * await writeFile('cam.png', png);
 * ```
 * @param pixels - grey image, `height x width` bytes, row-major.
 * @param options - `alpha` (default 0.55).
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
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const t = Math.min(1, Math.max(0, heat[i] as number));
    const [r, g, b] = jet(t);
    const a = alpha * t;
    const grey = pixels[i] as number;
    rgb[3 * i] = Math.round((1 - a) * grey + a * r);
    rgb[3 * i + 1] = Math.round((1 - a) * grey + a * g);
    rgb[3 * i + 2] = Math.round((1 - a) * grey + a * b);
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
