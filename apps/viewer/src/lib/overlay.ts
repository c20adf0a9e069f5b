import { resizedBox, type GreyFit } from '@cxr/loader/browser';
import { heatColour, upsampleBilinear, type Heatmap } from '@cxr/report/browser';

/** Opacity of the overlay where the heat is highest (as the reports' overlays). */
export const OVERLAY_ALPHA = 0.55;

/**
 * The part of a heatmap (taken on the model's square input) that covers the image: all of it for
 * `fill`; for `contain`, the padding cropped away.
 */
export function heatmapOverImage(heatmap: Heatmap, width: number, height: number, size: number, fit: GreyFit, jpeg: boolean): Heatmap {
  const box = resizedBox(width, height, size, fit, { jpeg });
  if (box.width === size && box.height === size) return heatmap;
  // Sample the heatmap at the box at the square's resolution, then keep that part.
  const full = upsampleBilinear(heatmap, size, size);
  const values = new Float32Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) values.set(full.subarray((y + box.top) * size + box.left, (y + box.top) * size + box.left + box.width), y * box.width);
  return { values, height: box.height, width: box.width };
}

/**
 * Grey pixels (and, when given, a Grad-CAM heatmap over them) as RGBA for a canvas of
 * `outW x outH`: the image resampled to the canvas (nearest source pixel), the heat upsampled
 * bilinearly and coloured with the jet map at opacity `alpha x heat`, as the PNG overlays of
 * `cxr predict --cam` are.
 */
export function overlayRgba(grey: Uint8Array, width: number, height: number, outW: number, outH: number, heatmap?: Heatmap): Uint8ClampedArray<ArrayBuffer> {
  const heat = heatmap ? upsampleBilinear(heatmap, outH, outW) : undefined;
  const rgba = new Uint8ClampedArray(outW * outH * 4);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outH));
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / outW));
      const g = grey[sy * width + sx] as number;
      const i = y * outW + x;
      const [r, gg, b] = heat ? heatColour(g, Math.min(1, Math.max(0, heat[i] as number)), OVERLAY_ALPHA) : [g, g, g];
      rgba[4 * i] = r;
      rgba[4 * i + 1] = gg;
      rgba[4 * i + 2] = b;
      rgba[4 * i + 3] = 255;
    }
  }
  return rgba;
}

/** The canvas size that shows an image of `width x height` within `max` pixels, keeping its aspect. */
export function displaySize(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
