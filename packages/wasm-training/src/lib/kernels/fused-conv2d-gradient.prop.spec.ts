import { test } from '@fast-check/vitest';
// The union package registers tfjs-core's gradients (Multiply, Sum, ...), as in a user's program.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbFusedConv2dCase, relativeError, seededValues, type KernelCase } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

/**
 * The gradients of sum(FusedConv2D(inputs) * weights) for every input of the case, flattened in
 * input order; with `unfused`, of the same function written as tfjs-core's separate conv2d,
 * add and relu ops (their own gradients: the reference).
 */
async function gradients(backend: string, c: KernelCase, unfused = false): Promise<number[][]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  return tf.tidy(() => {
    const names = Object.keys(c.inputs);
    const tensors = names.map((name, k) => {
      const shape = c.inputs[name] ?? [];
      return tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), c.seed * 31 + k), [...shape]);
    });
    const f = (...args: tf.Tensor[]): tf.Scalar => {
      const inputs = Object.fromEntries(names.map((name, i) => [name, args[i] as tf.Tensor]));
      const a = c.attrs as unknown as tf.FusedConv2DAttrs;
      let y: tf.Tensor;
      if (unfused) {
        y = tf.conv2d(inputs['x'] as tf.Tensor4D, inputs['filter'] as tf.Tensor4D, a.strides, a.pad as 'same');
        if (inputs['bias'] !== undefined) y = tf.add(y, inputs['bias']);
        if (a.activation === 'relu') y = tf.relu(y);
      } else y = tf.engine().runKernel(tf.FusedConv2D, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor;
      return tf.sum(tf.mul(y, tf.tensor(seededValues(y.size, c.seed + 7), y.shape)));
    };
    return tf.grads(f)(tensors).map((g) => Array.from(g.dataSync()));
  });
}

describe('the FusedConv2D gradient (every backend)', () => {
  // Activations linear and ReLU (the ones it covers), with and without a bias; ELU cases are
  // made ReLU. 'same' and 'valid' padding, strides 1-3.
  const cases = arbFusedConv2dCase.map((c) => ({ ...c, attrs: { ...c.attrs, activation: c.attrs['activation'] === 'elu' ? 'relu' : c.attrs['activation'] } }));
  test.prop([cases], { numRuns: 60 })('gives on wasm and on cpu the gradients of x, filter and bias of separate conv2d, add and relu ops on cpu, within 1e-4', async (c) => {
    const reference = await gradients('cpu', c, true);
    for (const fused of [await gradients('wasm', c), await gradients('cpu', c)]) {
      expect(fused).toHaveLength(Object.keys(c.inputs).length);
      fused.forEach((g, i) => expect(relativeError(g, reference[i] ?? [])).toBeLessThan(1e-4));
    }
    await tf.setBackend('wasm');
  });
});
