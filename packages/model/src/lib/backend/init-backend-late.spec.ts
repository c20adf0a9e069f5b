import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { initBackend } from './init-backend.js';

describe('initBackend after other code started wasm itself', () => {
  it('keeps that backend and its tensors, says so, and still adds the training kernels', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const kept = tf.tensor1d([1, 2, 3]);
    const choice = await initBackend({ backend: 'wasm' });
    expect(choice.name).toBe('wasm');
    expect(choice.threads).toBe(1);
    expect(choice.reason).toMatch(/already started before initBackend/);
    expect(Array.from(kept.dataSync())).toEqual([1, 2, 3]);
    const grad = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')))(tf.ones([2, 2, 1, 1]));
    expect(Array.from(grad.dataSync())).toEqual([9, 9, 9, 9]);
    tf.dispose([kept, grad]);
  });
});
