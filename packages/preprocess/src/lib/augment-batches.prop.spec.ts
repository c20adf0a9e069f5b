import * as tf from '@tensorflow/tfjs';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, expect } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { makeRecord, makeSample } from '../testing/index.js';
import { toBatch } from './batch.js';
import { augmentBatches } from './augment-batches.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test.prop([fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer()], { numRuns: 20 })(
  'augmented batches keep their shape, ids and labels, and are reproducible from the seed',
  async (n, h, w, seed) => {
    const input = [toBatch(Array.from({ length: n }, (_, i) => makeSample(makeRecord({ id: `s${i}`, label: (i % 2) as 0 | 1 }), h, w, i + 1)))];
    const run = () => firstValueFrom(from(input).pipe(augmentBatches({ seed }), toArray()));
    const [a] = await run();
    const [b] = await run();
    expect(a?.shape).toEqual(input[0]?.shape);
    expect(a?.x.length).toBe(input[0]?.x.length);
    expect(a?.ids).toEqual(input[0]?.ids);
    expect(Array.from(a?.y ?? [])).toEqual(Array.from(input[0]?.y ?? []));
    expect(Array.from(a?.x ?? [])).toEqual(Array.from(b?.x ?? []));
  },
);
