import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { makeRecord, makeSample } from '../testing/index.js';
import { toBatch } from './batch.js';
import { augmentBatches } from './augment-batches.js';
import type { AugmentParams } from './image-ops.js';
import { randomFlipLayer, randomRotationLayer, randomZoomLayer } from './preprocessing-layers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const batches = () => [0, 1].map((k) => toBatch([0, 1, 2].map((i) => makeSample(makeRecord({ id: `b${k}s${i}` }), 6, 6, 10 * k + i))));

describe('augmentBatches', () => {
  it('matches the model layers call for call, and reports the draws', async () => {
    const seen: (readonly AugmentParams[])[] = [];
    const out = await firstValueFrom(from(batches()).pipe(augmentBatches({ seed: 4, onParams: (p) => seen.push(p) }), toArray()));
    const layers = [randomFlipLayer({ seed: 4 }), randomRotationLayer({ seed: 4 }), randomZoomLayer({ seed: 4 })];
    batches().forEach((b, k) => {
      const viaLayers = tf.tidy(() =>
        layers.reduce<tf.Tensor>((t, l) => l.apply(t, { training: true }) as tf.Tensor, tf.tensor4d(b.x, [...b.shape])).dataSync(),
      );
      expect(Array.from(out[k]?.x ?? [])).toEqual(Array.from(viaLayers));
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toHaveLength(3);
  });

  it('restarts its draws for each subscription and leaks no tensors', async () => {
    const op = from(batches()).pipe(augmentBatches({ seed: 1, rotationDegrees: 30 }), toArray());
    const before = tf.memory().numTensors;
    const a = await firstValueFrom(op);
    const b = await firstValueFrom(op);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.map((x) => Array.from(x.x))).toEqual(b.map((x) => Array.from(x.x)));
    // ... and the draws do something: each batch comes out changed.
    batches().forEach((input, k) => expect(Array.from(a[k]?.x ?? [])).not.toEqual(Array.from(input.x)));
  });

  it('rejects bad options at creation', () => {
    expect(() => augmentBatches({ seed: 1, zoom: 2 })).toThrow(/augmentBatches: zoom/);
    expect(() => augmentBatches({ seed: 1.1 })).toThrow(RangeError);
    expect(() => augmentBatches({ seed: 1, fillMode: 'edge' as never })).toThrow(RangeError);
  });
});
