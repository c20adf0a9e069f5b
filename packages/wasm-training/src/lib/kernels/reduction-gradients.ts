import * as tf from '@tensorflow/tfjs-core';

/** `x`'s shape with the reduced axes set to 1 (where dy's values go). */
function keptShape(x: tf.Tensor, axis: unknown): number[] {
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  return x.shape.map((size, d) => (axes.includes(d) ? 1 : size));
}

/**
 * Gradients of `Sum` and `Mean` that broadcast dy back over the reduced axes (one `Tile`) instead
 * of multiplying it by a tensor of ones that tfjs-core fills in JavaScript and uploads, at full
 * input size, on every call: batch-norm moments in training are means over N x H x W, so that was
 * megabytes per layer per step. Same values bit for bit: `dy * 1 / n` is `dy / n`.
 */
export const REDUCTION_GRADIENTS: readonly tf.GradConfig[] = [
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): ReturnType<tf.GradFunc> => {
      const [x] = saved as [tf.Tensor];
      const shape = keptShape(x, (attrs as unknown as tf.SumAttrs).axis);
      return { x: () => tf.broadcastTo(tf.cast(tf.reshape(dy as tf.Tensor, shape), 'float32'), x.shape) };
    },
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): ReturnType<tf.GradFunc> => {
      const [x] = saved as [tf.Tensor];
      const shape = keptShape(x, (attrs as unknown as tf.MeanAttrs).axis);
      const count = x.size / shape.reduce((a, b) => a * b, 1);
      return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, shape), count), x.shape) };
    },
  },
];

/** Registers {@link REDUCTION_GRADIENTS} (for every backend; idempotent). */
export function registerReductionGradients(): void {
  for (const config of REDUCTION_GRADIENTS) tf.registerGradient(config);
}
