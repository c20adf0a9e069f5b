import * as tf from '@tensorflow/tfjs';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, expect } from 'vitest';
import { firstValueFrom, from } from 'rxjs';
import { makeRecord, makeSample } from '../testing/index.js';
import { toBatch } from './batch.js';
import { standardizeBatches } from './standardize-batches.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 8, max: 12 }), fc.integer()], { numRuns: 25 })(
  // Images of 8x8 and up: the default floor (1/sqrt(pixels)) is far below a noise image's std.
  'standardized batches have mean 0 and std 1 per image',
  async (n, side, seed) => {
    const b = toBatch(Array.from({ length: n }, (_, i) => makeSample(makeRecord({ id: `s${i}` }), side, side, seed + i)));
    const out = await firstValueFrom(from([b]).pipe(standardizeBatches()));
    const per = side * side;
    for (let i = 0; i < n; i++) {
      const img = Array.from(out.x.subarray(i * per, (i + 1) * per));
      const mean = img.reduce((s, v) => s + v, 0) / per;
      const std = Math.sqrt(img.reduce((s, v) => s + (v - mean) ** 2, 0) / per);
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(std).toBeCloseTo(1, 3);
    }
  },
);
