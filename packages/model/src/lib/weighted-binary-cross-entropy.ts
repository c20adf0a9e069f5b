import * as tf from '@tensorflow/tfjs-core';
// Side effect: the tfjs-layers bundle registers tfjs-core's gradients (tf.grad needs them).
import '@tensorflow/tfjs-layers';
import type { ClassWeights } from './types.js';

/**
 * Class-weighted binary cross-entropy computed from logits, averaged over the batch.
 *
 * For a logit `z` and a label `y` in {0, 1} the loss of one image is
 * `w[y] * (max(z, 0) - z * y + log(1 + exp(-|z|)))`, which equals
 * `-w[y] * (y log σ(z) + (1 - y) log(1 - σ(z)))` but never overflows or takes `log(0)`,
 * whatever the size of `z`. The batch loss is the sum divided by the number of images
 * (the Keras `class_weight` convention), so weights (1, 1) give the plain mean BCE.
 *
 * @example
 * ```ts
 * const loss = weightedBinaryCrossEntropy(tf.tensor1d([0, 1]), tf.tensor1d([-2, 3]), [0.7, 1.8]);
 * ```
 * @param labels - 0/1 labels, shape `[n]` or `[n, 1]`.
 * @param logits - raw model outputs (before the sigmoid), the same number of values.
 * @param classWeights - weight of class 0 and of class 1; default `[1, 1]`.
 * @param labelSmoothing - `s` in [0, 0.5): the target of a label `y` becomes `y (1 - s) + s / 2`
 *   (the class weight still follows the true label); default 0.
 * @returns A scalar tensor (the caller disposes it, or runs this inside `tf.tidy`).
 * @throws RangeError when the shapes disagree, a weight is negative or not finite, or the smoothing is outside [0, 0.5).
 */
export function weightedBinaryCrossEntropy(
  labels: tf.Tensor,
  logits: tf.Tensor,
  classWeights: ClassWeights = [1, 1],
  labelSmoothing = 0,
): tf.Scalar {
  validateClassWeights('weightedBinaryCrossEntropy', classWeights);
  validateLabelSmoothing('weightedBinaryCrossEntropy', labelSmoothing);
  if (labels.size !== logits.size) {
    throw new RangeError(`weightedBinaryCrossEntropy: ${labels.size} labels but ${logits.size} logits`);
  }
  return tf.tidy(() => {
    const y = tf.reshape(tf.cast(labels, 'float32'), [-1]);
    const z = tf.reshape(tf.cast(logits, 'float32'), [-1]);
    const target = labelSmoothing === 0 ? y : tf.add(tf.mul(y, 1 - labelSmoothing), labelSmoothing / 2);
    const perImage = tf.add(tf.sub(tf.relu(z), tf.mul(z, target)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    const w0 = classWeights[0];
    const w1 = classWeights[1];
    // y * w1 + (1 - y) * w0 is exact for 0/1 labels; y * (w1 - w0) + w0 is not in float32
    // (a tiny w1 next to w0 ~ 1 rounds to 0 or to one ulp of 1, and a large logit magnifies that).
    const weights = tf.add(tf.mul(y, w1), tf.mul(tf.sub(1, y), w0));
    const total = tf.sum(tf.mul(weights, perImage));
    return tf.div(total, Math.max(1, y.size)) as tf.Scalar;
  });
}

/** Throws a RangeError naming `stage` when the class weights are not two finite non-negative numbers. */
export function validateClassWeights(stage: string, classWeights: ClassWeights): void {
  for (const key of [0, 1] as const) {
    const w = classWeights[key];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new RangeError(`${stage}: classWeights[${key}] must be a finite number >= 0, got ${String(w)}`);
    }
  }
}

/** Throws a RangeError naming `stage` when the label smoothing is not a number in [0, 0.5). */
export function validateLabelSmoothing(stage: string, labelSmoothing: number): void {
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
    throw new RangeError(`${stage}: labelSmoothing must be a number in [0, 0.5), got ${String(labelSmoothing)}`);
  }
}
