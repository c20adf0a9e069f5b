import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { relativeError, seededValues } from '../../testing/kernel-cases.js';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels.js';

beforeAll(async () => {
  await startWasmBackend();
});

/** A small net with every layer kind our models train: strided/valid/same convs, separable and depthwise convs, BN, pools, dense. */
function net(seed: number, withDropout: boolean): tf.LayersModel {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed + i });
  const input = tf.input({ shape: [12, 12, 2] });
  let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ gammaInitializer: 'ones' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', kernelInitializer: init(2) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.separableConv2d({ filters: 5, kernelSize: 2, padding: 'same', depthwiseInitializer: init(3), pointwiseInitializer: init(4) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.depthwiseConv2d({ kernelSize: 2, strides: 1, padding: 'same', depthMultiplier: 2, depthwiseInitializer: init(5) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  if (withDropout) h = tf.layers.dropout({ rate: 0.3, seed }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 3, activation: 'relu', kernelInitializer: init(6) }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, kernelInitializer: init(7) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function gradients(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = net(3, false);
  const x = tf.tensor4d(seededValues(4 * 12 * 12 * 2, 9), [4, 12, 12, 2]);
  const y = tf.tensor2d([0, 1, 1, 0], [4, 1]);
  const { grads } = tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
  const out = model.trainableWeights.map((w) => grads[w.originalName]?.dataSync() as Float32Array);
  tf.dispose([x, y, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe('registerWasmTrainingKernels', () => {
  it('is idempotent', () => {
    expect(registerWasmTrainingKernels()).toEqual([]);
  });

  it('shares data in Identity: the copy outlives its source and keeps its values', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const source = tf.tensor2d([1, -2, 3, 4.5], [2, 2]);
    const copy = tf.clone(source); // runs the Identity kernel
    expect(copy.dataId).toBe(source.dataId); // one buffer for both
    source.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, -2, 3, 4.5]);
    copy.dispose();
    expect(tf.memory().numBytes).toBe(before);
  });

  it('shares data in a cast to the same dtype, and still converts between dtypes', async () => {
    await tf.setBackend('wasm');
    const source = tf.tensor1d([1.5, -2, 0, 256, Number.NaN]);
    const same = tf.cast(source, 'float32');
    expect(same.dataId).toBe(source.dataId);
    const ints = tf.cast(source, 'int32');
    const flags = tf.cast(source, 'bool');
    expect(ints.dataId).not.toBe(source.dataId);
    await tf.setBackend('cpu');
    const reference = tf.tensor1d([1.5, -2, 0, 256, Number.NaN]);
    const expected = [Array.from(tf.cast(reference, 'int32').dataSync()), Array.from(tf.cast(reference, 'bool').dataSync())];
    reference.dispose();
    await tf.setBackend('wasm');
    expect([Array.from(ints.dataSync()), Array.from(flags.dataSync())]).toEqual(expected);
    expect(expected[1]).toEqual([1, 1, 0, 1, 1]);
    tf.dispose([source, same, ints, flags]);
  });

  it('gives a CNN with every layer kind the same gradients on wasm as on cpu', async () => {
    const onWasm = await gradients('wasm');
    const onCpu = await gradients('cpu');
    expect(onWasm).toHaveLength(onCpu.length);
    onWasm.forEach((g, i) => {
      const reference = onCpu[i] ?? new Float32Array();
      expect(Math.max(...reference.map(Math.abs))).toBeGreaterThan(0);
      expect(relativeError(g, reference)).toBeLessThan(1e-3);
    });
    await tf.setBackend('wasm');
  });

  it('trains that CNN with dropout and Adam on wasm without leaking tensors', async () => {
    await tf.setBackend('wasm');
    const model = net(5, true);
    model.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.sigmoidCrossEntropy });
    const x = tf.tensor4d(seededValues(8 * 12 * 12 * 2, 4), [8, 12, 12, 2]);
    const y = tf.tensor2d([0, 1, 1, 0, 1, 0, 0, 1], [8, 1]);
    await model.trainOnBatch(x, y); // creates the optimizer's slots
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) losses.push((await model.trainOnBatch(x, y)) as number);
    expect(tf.memory().numTensors).toBe(before);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });
});
