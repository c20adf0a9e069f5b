import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, from } from 'rxjs';
import { makeRecord, makeSample } from '../testing/index.js';
import { toBatch } from './batch.js';
import { rescaleLayer, standardizeLayer } from './preprocessing-layers.js';
import { standardizeBatches } from './standardize-batches.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('standardizeBatches', () => {
  it('gives the same values as the model layers, as float32', async () => {
    const b = toBatch([1, 2, 3].map((i) => makeSample(makeRecord({ id: `s${i}` }), 4, 5, i)));
    const out = await firstValueFrom(from([b]).pipe(standardizeBatches()));
    expect(out.x).toBeInstanceOf(Float32Array);
    expect(out.ids).toEqual(b.ids);
    expect(out.shape).toEqual(b.shape);
    const viaLayers = tf.tidy(() => (standardizeLayer().apply(rescaleLayer().apply(tf.tensor4d(b.x, [...b.shape]))) as tf.Tensor).dataSync());
    expect(Array.from(out.x)).toEqual(Array.from(viaLayers));
  });

  it('leaks no tensors and rejects bad options', async () => {
    const b = toBatch([makeSample(makeRecord(), 3, 3, 1)]);
    const before = tf.memory().numTensors;
    await firstValueFrom(from([b]).pipe(standardizeBatches({ stdFloor: 0.5 })));
    expect(tf.memory().numTensors).toBe(before);
    expect(() => standardizeBatches({ stdFloor: -1 })).toThrow(/standardizeBatches: stdFloor/);
    expect(() => standardizeBatches({ scale: 'x' as never })).toThrow(TypeError);
  });
});
