import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../types.js';

/** Runs `fn` on a batch's pixels as a float32 NHWC tensor and returns a batch with the float32 result. */
export function mapBatchPixels(batch: Batch, fn: (x: tf.Tensor4D) => tf.Tensor4D): Batch {
  const values = tf.tidy(() => {
    const x = tf.tensor4d(batch.x instanceof Float32Array ? batch.x : Float32Array.from(batch.x), [...batch.shape]);
    return fn(x).dataSync() as Float32Array;
  });
  return { ...batch, x: Float32Array.from(values) };
}
