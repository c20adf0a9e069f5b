import * as tf from '@tensorflow/tfjs';
import { weightedBinaryCrossEntropy } from '@cxr/model';

/**
 * One Adam training step and one inference pass of `model` on the batch (x, y), each waiting for
 * its result (dataSync), as the training benchmarks time them.
 */
export function stepFunctions(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, learningRate = 1e-3): { trainStep: () => void; infer: () => void } {
  const optimizer = tf.train.adam(learningRate);
  const trainStep = (): void => {
    const cost = optimizer.minimize(() => tf.tidy(() => weightedBinaryCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor)), true);
    cost?.dataSync();
    cost?.dispose();
  };
  const infer = (): void => {
    const out = model.predict(x) as tf.Tensor;
    out.dataSync();
    out.dispose();
  };
  return { trainStep, infer };
}
