import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs';
import type { Sample } from '@cxr/loader';
import { rescaleLayer, standardizeLayer } from '@cxr/preprocess';
import { beforeAll, describe, expect } from 'vitest';

import { pixelHistogramSection } from './pixel-histogram-section.js';

const SIZE = 8;
let model: tf.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [SIZE, SIZE, 1] });
  const y = standardizeLayer().apply(rescaleLayer().apply(input)) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(y)) as tf.SymbolicTensor;
  model = tf.model({ inputs: input, outputs: out });
});

const image = fc
  .record({ w: fc.integer({ min: 2, max: 12 }), h: fc.integer({ min: 2, max: 12 }), seed: fc.nat() })
  .chain(({ w, h, seed }) =>
    fc.uint8Array({ minLength: w * h, maxLength: w * h }).map(
      (pixels): Sample => ({
        record: { path: `/d/train/NORMAL/i${seed}_${w}x${h}.png`, split: 'train', label: 0, className: 'NORMAL', groupId: `g${seed}` },
        pixels,
        height: h,
        width: w,
      }),
    ),
  );

describe('pixelHistogramSection properties', () => {
  test.prop([fc.array(image, { minLength: 1, maxLength: 6 }), fc.integer()], { numRuns: 15 })(
    'after the model’s standardization layer every shown image has mean 0 and std 1 (below the floor: std/floor; a constant one stays finite)',
    async (images, seed) => {
      const section = await pixelHistogramSection(model, images, { seed, count: 4, bins: 16 });
      expect(section.stats).toHaveLength(Math.min(4, images.length));
      for (const s of section.stats) {
        expect(Number.isFinite(s.after.mean) && Number.isFinite(s.after.std)).toBe(true);
        expect(Math.abs(s.after.mean)).toBeLessThan(1e-3);
        // std 1, unless the spread is below the layer's floor 1/sqrt(pixels) (then std / floor).
        const floor = 1 / SIZE;
        expect(s.after.std).toBeCloseTo(s.before.std / Math.max(s.before.std, floor), 2);
      }
    },
  );
});
