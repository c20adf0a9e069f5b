import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { seededValues } from '../../testing/kernel-cases.js';
import { ELEMENTWISE_KERNELS, RELU_GRAD, UNARY_KERNELS } from './elementwise.js';

/** The shipped kernels, taken before ours replace them. */
const shipped = new Map([...Object.keys(ELEMENTWISE_KERNELS), ...Object.keys(UNARY_KERNELS)].map((name) => [name, tf.getKernel(name, 'wasm')?.kernelFunc]));

beforeAll(async () => {
  await startWasmBackend();
});

const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40];

function values(shape: readonly number[], seed: number, specials: boolean): tf.Tensor {
  const size = shape.reduce((x, y) => x * y, 1);
  return tf.tensor(
    seededValues(size, seed).map((v, i) => (specials && i % 5 === 0 ? (special[(i + seed) % special.length] ?? 0) : v * 3)),
    [...shape],
  );
}

/** Bits of a float32 tensor, every NaN alike (WebAssembly leaves a NaN's payload open). */
function bits(t: tf.Tensor): number[] {
  const data = t.dataSync() as Float32Array;
  const words = new Uint32Array(data.slice().buffer);
  return Array.from(words, (word, i) => (Number.isNaN(data[i]) ? 0x7fc00000 : word));
}

function runShipped(kernel: string, inputs: tf.NamedTensorInfoMap): tf.Tensor {
  const reference = shipped.get(kernel)?.({ inputs, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(reference);
}

/**
 * An output shape of 4096 elements or more (the generated kernel's range) and operands of the
 * shapes networks broadcast: the same shape, a trailing-axes vector (a bias), leading axes with
 * trailing ones (a per-image statistic), a scalar, or any other broadcast (shipped kernel).
 */
const binaryCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 6 }),
    height: fc.integer({ min: 8, max: 24 }),
    width: fc.integer({ min: 8, max: 24 }),
    channels: fc.constantFrom(1, 3, 4, 8, 16, 20),
    kinds: fc.tuple(fc.constantFrom('same', 'vector', 'leading', 'scalar', 'other'), fc.constantFrom('same', 'vector', 'leading', 'scalar')),
    swap: fc.boolean(),
    kernel: fc.constantFrom(...Object.keys(ELEMENTWISE_KERNELS)),
    specials: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map((c) => {
    const out = [c.batch * 8, c.height, c.width, c.channels];
    const shapeOf = (kind: string): number[] => {
      if (kind === 'same') return out;
      if (kind === 'vector') return [c.channels];
      if (kind === 'leading') return [out[0] ?? 1, 1, 1, 1];
      if (kind === 'scalar') return [];
      return [out[0] ?? 1, 1, 1, c.channels];
    };
    const [first, second] = c.kinds.map(shapeOf) as [number[], number[]];
    return { ...c, a: c.swap ? second : first, b: c.swap ? first : second };
  });

describe('element-wise kernels on the generated SIMD function (wasm)', () => {
  test.prop([binaryCase], { numRuns: 80 })('Add, Sub, Multiply and RealDiv give the same bits as the shipped kernels for every broadcast', (c) => {
    const a = values(c.a, c.seed, c.specials);
    const b = values(c.b, c.seed + 1, c.specials);
    const ours = tf.engine().runKernel(c.kernel, { a, b }) as tf.Tensor;
    const expected = runShipped(c.kernel, { a, b });
    expect(ours.shape).toEqual(expected.shape);
    expect(bits(ours)).toEqual(bits(expected));
    tf.dispose([a, b, ours, expected]);
  });

  it('runs a bias add of a million elements on all threads with the shipped bits', () => {
    const x = values([16, 64, 64, 16], 3, false);
    const bias = values([16], 4, false);
    const ours = tf.add(x, bias);
    const expected = runShipped(tf.Add, { a: x, b: bias });
    expect(bits(ours)).toEqual(bits(expected));
    tf.dispose([x, bias, ours, expected]);
  });

  test.prop([fc.constantFrom(...Object.keys(UNARY_KERNELS)), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean()], { numRuns: 40 })(
    'Relu (NaN kept, -0 made 0) and Square give the same bits as the shipped kernels',
    (kernel, rows, seed, specials) => {
      expect(tf.getKernel(kernel, 'wasm')?.kernelFunc).not.toBe(shipped.get(kernel));
      const x = values([rows, 32, 32], seed, specials);
      const ours = tf.engine().runKernel(kernel, { x }) as tf.Tensor;
      const expected = runShipped(kernel, { x });
      expect(bits(ours)).toEqual(bits(expected));
      tf.dispose([x, ours, expected]);
    },
  );

  test.prop([fc.integer({ min: 1, max: 40 }), fc.constantFrom(7, 16, 64), fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean()], { numRuns: 30 })(
    "ReLU's gradient is one kernel on wasm with the bits of the cpu backend's dy * step(x)",
    async (rows, width, seed, specials) => {
      const gradient = (): number[] => {
        const x = values([rows, width, 8], seed, specials);
        const dy = values([rows, width, 8], seed + 1, specials);
        const g = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
        const out = bits(g);
        tf.dispose([x, dy, g]);
        return out;
      };
      await tf.setBackend('cpu');
      const expected = gradient();
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => {
        expect(gradient()).toEqual(expected);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(profile.kernels.map((k) => k.name)).toContain(RELU_GRAD);
      expect(profile.kernels.map((k) => k.name)).not.toContain('Step');
    },
  );
});
