import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyCamModel } from '../testing/cam-models.js';
import { sampleXray } from '../testing/report-data.js';
import { camExamples } from './cam-examples.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('camExamples', () => {
  const predictions = [
    { id: 'tp', probability: 0.9, label: 1 as const },
    { id: 'fp', probability: 0.8, label: 0 as const },
    { id: 'tn', probability: 0.1, label: 0 as const },
    { id: 'fn', probability: 0.2, label: 1 as const },
    { id: 'broken', probability: 0.95, label: 1 as const },
  ];
  it('loads, explains and overlays one image per outcome, skipping images that fail to load', async () => {
    const { model } = tinyCamModel('gap', { size: 16 });
    const skipped: string[] = [];
    const cams = await camExamples({
      model,
      predictions,
      threshold: 0.5,
      perOutcome: 1,
      loadImage: async (id) => {
        if (id === 'broken') throw new Error('/x/broken.jpeg: truncated JPEG');
        return { pixels: sampleXray(16, id.length), height: 16, width: 16 };
      },
      onSkip: (id, reason) => skipped.push(`${id}: ${reason}`),
    });
    expect(cams.map((c) => c.outcome)).toEqual(['FP', 'TN', 'FN']);
    expect(skipped).toEqual(['broken: /x/broken.jpeg: truncated JPEG']);
    for (const c of cams) {
      expect(c.layerName).toBe('feat');
      expect(c.split).toBe('test');
      const meta = await sharp(Buffer.from(c.png)).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([16, 16, 'png']);
    }
    model.dispose();
  });
  it('rejects a missing loader', async () => {
    await expect(camExamples({ predictions, threshold: 0.5 } as never)).rejects.toThrow(/loadImage must be a function/);
  });
});
