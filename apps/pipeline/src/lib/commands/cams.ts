import { dirname, join, relative, sep } from 'node:path';
import type { Sample } from '@cxr/loader';
import { decodeImageAtSourceSize, writeFileAtomic } from '@cxr/loader';
import { gradCam, gradCamOverlayPng, upsampleBilinear } from '@cxr/report';
import type { Heatmap } from '@cxr/report';
import type { LayersModel } from '@tensorflow/tfjs';

/** The folder all of `files` are in (their deepest common folder). */
function commonFolder(files: readonly string[]): string {
  const split = files.map((file) => dirname(file).split(sep));
  const first = split[0] ?? [];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

/**
 * Where each input's Grad-CAM overlay goes: `camDir/<its path under the inputs' common folder>.cam.png`,
 * e.g. `coll/a/x.jpeg` and `coll/b/x.jpeg` give `cams/a/x.jpeg.cam.png` and `cams/b/x.jpeg.cam.png`.
 * Distinct inputs get distinct files, and each file name leads back to its input.
 */
export function camPaths(files: readonly string[], camDir: string): Map<string, string> {
  const base = commonFolder(files);
  return new Map(files.map((file) => [file, join(camDir, `${relative(base, file)}.cam.png`)]));
}

/**
 * The part of a heatmap (over the model's `size x size` input) that covers the image: all of it
 * for `fill` (the image was stretched to the square), the centred box for `contain` (padded).
 */
function imageRegion(heatmap: Heatmap, size: number, fit: 'fill' | 'contain', width: number, height: number): Heatmap {
  if (fit === 'fill') return heatmap;
  const scale = size / Math.max(width, height);
  const w = Math.max(1, Math.min(size, Math.round(width * scale)));
  const h = Math.max(1, Math.min(size, Math.round(height * scale)));
  const left = Math.floor((size - w) / 2);
  const top = Math.floor((size - h) / 2);
  const full = upsampleBilinear(heatmap, size, size);
  const values = new Float32Array(w * h);
  for (let y = 0; y < h; y++) values.set(full.subarray((top + y) * size + left, (top + y) * size + left + w), y * w);
  return { values, height: h, width: w };
}

/**
 * Writes one Grad-CAM overlay PNG per sample to the path `paths` gives its file: the image at its own
 * size (decoded again without the resize), with a colour scale below. Returns how many were written.
 */
export async function writeCams(
  model: LayersModel,
  samples: readonly Sample[],
  paths: ReadonlyMap<string, string>,
  decode: { readonly size: number; readonly fit: 'fill' | 'contain' },
): Promise<number> {
  let written = 0;
  for (const sample of samples) {
    const target = paths.get(sample.record.path);
    if (target === undefined) continue;
    const result = await gradCam(model, { pixels: sample.pixels, height: sample.height, width: sample.width });
    const source = await decodeImageAtSourceSize(sample.record.path);
    const heatmap = imageRegion(result.heatmap, decode.size, decode.fit, source.width, source.height);
    const png = await gradCamOverlayPng(source.pixels, source.height, source.width, heatmap, { colourScale: true });
    await writeFileAtomic(target, png);
    written++;
  }
  return written;
}
