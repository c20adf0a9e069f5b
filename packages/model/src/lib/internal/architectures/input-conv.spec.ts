import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededValues } from '@cxr/wasm-training/testing';
import { InputConv2D } from './input-conv.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('InputConv2D', () => {
  for (const [strides, padding] of [
    [1, 'same'],
    [2, 'same'],
    [2, 'valid'],
  ] as const) {
    it(`computes what a Conv2D with the same kernel computes, and the same kernel gradient (stride ${strides}, ${padding})`, () => {
      const x = tf.tensor4d(seededValues(2 * 9 * 9 * 2, 5), [2, 9, 9, 2]);
      const ours = new InputConv2D({ name: 'ours', filters: 3, kernelSize: [3, 3], strides: [strides, strides], padding });
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
    expect(await inputGradients(new InputConv2D({ filters: 4, kernelSize: [3, 3], strides: [2, 2], padding: 'same' }))).toBe(0);
    expect(await inputGradients(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }))).toBe(1);
  });
});
