import type { Heatmap } from './grad-cam.js';

// The colours of a Grad-CAM overlay, shared by the PNG overlays of the reports and `cxr predict
// --cam` and by the viewer page, which draws them on a canvas. No Node import here.

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
 * The colour of one overlay pixel: grey `grey` (0-255) under the jet colour of heat `t` in [0, 1]
 * with opacity `alpha x t`, so cold regions show the X-ray unchanged and hot ones turn red.
 *
 * @example
 * ```ts
 * heatColour(128, 0, 0.55); // [128, 128, 128]
 * ```
 */
export function heatColour(grey: number, t: number, alpha: number): [number, number, number] {
  const [r, g, b] = jet(t);
  const a = alpha * t;
  return [Math.round((1 - a) * grey + a * r), Math.round((1 - a) * grey + a * g), Math.round((1 - a) * grey + a * b)];
}
