import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbReduceCase, runKernelOn, seededValues } from '../../testing/kernel-cases.js';
import { RELU_GRAD } from './elementwise.js';
import { RELU_GRAD_SUM } from './leading-axes-reduce.js';

beforeAll(async () => {
  await startWasmBackend();
});

function maxAbs(values: ArrayLike<number>): number {
  return Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return Number.isNaN(diff) ? Infinity : diff;
}

describe('Sum and Mean on wasm (runs of axes before the last on the generated row sum or one average pool, the rest shipped)', () => {
  for (const kernel of ['Sum', 'Mean']) {
    test.prop([arbReduceCase], { numRuns: 40, examples: [[{ shape: [7, 9, 5], axis: [0, 1, 2], keepDims: false, seed: 262265334 }]] })(`${kernel} equals the cpu backend within 1e-4 of the larger of 1 and its largest output`, async (c) => {
      const call = { inputs: { x: c.shape }, attrs: { axis: [...c.axis], keepDims: c.keepDims }, seed: c.seed };
      const wasm = await runKernelOn('wasm', kernel, call);
      const cpu = await runKernelOn('cpu', kernel, call);
      expect(wasm.shape).toEqual(cpu.shape);
      // Inputs lie in [-1, 1]: a mean or sum that cancels to near 0 is judged against that scale,
      // not against its own tiny size (float32 rounding alone exceeds 1e-4 of such an output).
      expect(maxDifference(wasm.values, cpu.values) / Math.max(1, maxAbs(cpu.values))).toBeLessThan(1e-4);
    });
  }
});

/** Bits of a float32 tensor, every NaN alike (WebAssembly leaves a NaN's payload open). */
function bits(t: tf.Tensor): number[] {
  const data = t.dataSync() as Float32Array;
  return Array.from(new Uint32Array(data.slice().buffer), (word, i) => (Number.isNaN(data[i]) ? 0x7fc00000 : word));
}

describe(`${RELU_GRAD_SUM} on wasm (ReLU's gradient and its sum over all axes but the last, in one pass)`, () => {
  const special = [0, -0, Number.NaN, 2, -3];
  const arbCase = fc.record({
    leading: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
    channels: fc.integer({ min: 1, max: 40 }),
    specials: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });

  test.prop([arbCase], { numRuns: 40, examples: [[{ leading: [1], channels: 36, specials: false, seed: 1 }]] })('gives the bits of CxrReluGrad and of Sum over those axes, one after the other', async ({ leading, channels, specials, seed }) => {
    await tf.setBackend('wasm');
    const shape = [...leading, channels];
    const size = shape.reduce((a, b) => a * b, 1);
    const values = (s: number): tf.Tensor => tf.tensor(seededValues(size, s).map((v, i) => (specials && i % 3 === 0 ? (special[(i + s) % special.length] ?? 0) : v)), shape);
    const dy = values(seed);
    const x = values(seed + 1);
    const [gradient, sum] = tf.engine().runKernel(RELU_GRAD_SUM, { dy, x }) as tf.Tensor[];
    const separate = tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor;
    const separateSum = tf.sum(separate, leading.map((_, i) => i));
    expect(gradient?.shape).toEqual(shape);
    expect(bits(gradient as tf.Tensor)).toEqual(bits(separate));
    expect(sum?.shape).toEqual([channels]);
    expect(bits(sum as tf.Tensor)).toEqual(bits(separateSum));
    tf.dispose([dy, x, gradient as tf.Tensor, sum as tf.Tensor, separate, separateSum]);
  });
});
