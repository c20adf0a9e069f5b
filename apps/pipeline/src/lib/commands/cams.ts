import { basename, extname, join } from 'node:path';
import type { Sample } from '@cxr/loader';
import { gradCam, gradCamOverlayPng } from '@cxr/eval';
import type { LayersModel } from '@tensorflow/tfjs';
import { writeFileAtomic } from '../atomic.js';

/** Writes one Grad-CAM overlay PNG per sample as `dir/<file stem>.cam.png`; returns how many. */
export async function writeCams(model: LayersModel, samples: readonly Sample[], dir: string): Promise<number> {
  const used = new Set<string>();
  for (const sample of samples) {
    const result = await gradCam(model, { pixels: sample.pixels, height: sample.height, width: sample.width });
    const png = await gradCamOverlayPng(sample.pixels, sample.height, sample.width, result.heatmap);
    const stem = basename(sample.record.path, extname(sample.record.path));
    let name = `${stem}.cam.png`;
    for (let i = 2; used.has(name); i++) name = `${stem}-${i}.cam.png`;
    used.add(name);
    await writeFileAtomic(join(dir, name), png);
  }
  return samples.length;
}
