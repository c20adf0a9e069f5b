import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededValues } from '@cxr/wasm-training/testing';
import { CxrConv2D } from './cxr-conv.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('CxrConv2D', () => {
  for (const [strides, padding] of [
    [1, 'same'],
    [2, 'same'],
    [2, 'valid'],
  ] as const) {
    it(`computes what a Conv2D with the same kernel computes, and the same kernel gradient (stride ${strides}, ${padding})`, () => {
      const x = tf.tensor4d(seededValues(2 * 9 * 9 * 2, 5), [2, 9, 9, 2]);
      const ours = new CxrConv2D({ name: 'ours', filters: 3, kernelSize: [3, 3], strides: [strides, strides], padding });
      const keras = tf.layers.conv2d({ name: 'keras', filters: 3, kernelSize: 3, strides, padding, useBias: false });
      const yOurs = ours.apply(x) as tf.Tensor;
      keras.apply(x);
      keras.setWeights(ours.getWeights());
      const yKeras = keras.apply(x) as tf.Tensor;
      expect(yOurs.shape).toEqual(yKeras.shape);
      expect(ours.computeOutputShape([2, 9, 9, 2])).toEqual(yOurs.shape);
      expect(Array.from(yOurs.dataSync())).toEqual(Array.from(yKeras.dataSync()));
      const grad = (layer: tf.layers.Layer) => tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, [layer.trainableWeights[0]?.read() as tf.Variable]);
      const gOurs = Object.values(grad(ours).grads)[0]?.dataSync() ?? new Float32Array();
      const gKeras = Object.values(grad(keras).grads)[0]?.dataSync() ?? new Float32Array();
      Array.from(gOurs).forEach((v, i) => expect(v).toBeCloseTo(gKeras[i] as number, 4));
      expect(ours.trainableWeights.map((w) => w.originalName)).toEqual(['ours/kernel']);
    });
  }

  it('lets a training step skip the gradient of the input image (a Conv2D layer computes it)', async () => {
    const x = tf.tensor4d(seededValues(4 * 16 * 16, 3), [4, 16, 16, 1]);
    const inputGradients = async (first: tf.layers.Layer) => {
      const input = tf.input({ shape: [16, 16, 1] });
      const features = tf.layers.globalAveragePooling2d({}).apply(first.apply(input)) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(features) as tf.SymbolicTensor });
      const info = await tf.profile(() => tf.tidy(() => tf.variableGrads(() => tf.sum(model.apply(x) as tf.Tensor) as tf.Scalar).value));
      return info.kernels.filter((k) => k.name === 'Conv2DBackpropInput').length;
    };
    expect(await inputGradients(new CxrConv2D({ filters: 4, kernelSize: [3, 3], strides: [2, 2], padding: 'same' }))).toBe(0);
    expect(await inputGradients(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }))).toBe(1);
  });

  for (const activation of ['linear', 'relu'] as const) {
    it(`with a bias and ${activation} activation: a Conv2D's outputs and its gradients for kernel, bias and input, through the FusedConv2D kernel's gradient`, () => {
      const x = tf.tensor4d(seededValues(2 * 9 * 9 * 2, 7), [2, 9, 9, 2]);
      const ours = new CxrConv2D({ name: 'ours', filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', useBias: true, activation });
      const keras = tf.layers.conv2d({ name: 'keras', filters: 4, kernelSize: 3, padding: 'same', useBias: true, activation });
      ours.apply(x);
      keras.apply(x);
      // A bias that moves some outputs across 0, so the ReLU's gradient is tested on both sides.
      ours.setWeights([ours.getWeights()[0] as tf.Tensor, tf.tensor1d([0.3, -0.2, 0.1, -0.5])]);
      keras.setWeights(ours.getWeights());
      expect(ours.trainableWeights.map((w) => w.originalName)).toEqual(['ours/kernel', 'ours/bias']);
      const yOurs = ours.apply(x) as tf.Tensor;
      const yKeras = keras.apply(x) as tf.Tensor;
      expect(Array.from(yOurs.dataSync())).toEqual(Array.from(yKeras.dataSync()));
      if (activation === 'relu') expect(yOurs.min().dataSync()[0]).toBe(0);
      const loss = (layer: tf.layers.Layer) => () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar;
      const weights = (layer: tf.layers.Layer): tf.Variable[] => layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const gOurs = tf.variableGrads(loss(ours), weights(ours)).grads;
      const gKeras = tf.variableGrads(loss(keras), weights(keras)).grads;
      const flat = (grads: tf.NamedTensorMap, layer: tf.layers.Layer): number[] => weights(layer).flatMap((v) => Array.from(grads[v.name]?.dataSync() ?? []));
      const expected = flat(gKeras, keras);
      const actual = flat(gOurs, ours);
      expect(actual).toHaveLength(4 * 9 * 2 + 4);
      actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
      const dxOurs = tf.grad((t: tf.Tensor) => tf.sum(tf.square(ours.apply(t) as tf.Tensor)))(x).dataSync();
      const dxKeras = tf.grad((t: tf.Tensor) => tf.sum(tf.square(keras.apply(t) as tf.Tensor)))(x).dataSync();
      Array.from(dxOurs).forEach((v, i) => expect(v).toBeCloseTo(dxKeras[i] as number, 4));
    });
  }

  it('keeps its bias and activation through its config, and reads a config without them as linear without bias', () => {
    const layer = new CxrConv2D({ name: 'c', filters: 8, kernelSize: [3, 3], strides: [1, 1], padding: 'same', useBias: true, activation: 'relu' });
    const copy = tf.serialization.SerializationMap.getMap().classNameMap['CxrInputConv2D']?.[1](CxrConv2D, layer.getConfig()) as CxrConv2D;
    expect([copy.useBias, copy.activation]).toEqual([true, 'relu']);
    const plain = new CxrConv2D({ name: 'p', filters: 8, kernelSize: [3, 3], strides: [2, 2], padding: 'valid' });
    expect(plain.getConfig()).not.toHaveProperty('useBias');
    expect(plain.getConfig()).not.toHaveProperty('activation');
    expect([plain.useBias, plain.activation]).toEqual([false, 'linear']);
  });
});
