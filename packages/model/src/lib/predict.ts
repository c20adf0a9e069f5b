import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Batch } from '@cxr/preprocess';
import { concatMap, from, type OperatorFunction } from 'rxjs';
import { batchImages, checkBatchShape } from './internal/batch-tensors.js';
import type { ModelMetadata } from './model-metadata.js';
import type { Prediction } from './types.js';

/** Options of {@link predict}. */
export interface PredictOptions {
  /** A one-logit model (built by `buildModel`, or loaded with `loadModel`). */
  readonly model: tfl.LayersModel;
  /**
   * The metadata saved with the model (from `loadModel`). When it holds a `threshold` (the
   * decision threshold chosen at evaluation), each prediction also gets `predictedLabel`.
   */
  readonly metadata?: ModelMetadata;
}

/**
 * Runs the model on each batch (inference mode: augmentation off, batch norm on its moving
 * statistics) and emits one {@link Prediction} per image, in batch order: the image's id, the
 * probability of PNEUMONIA (the sigmoid of the model's logit), the logit itself (for calibration:
 * `sigmoid(logit / temperature)`), and the label when the batch
 * carries one (`y` 0 or 1; any other value, e.g. NaN for unlabelled images, gives `undefined`),
 * and `predictedLabel` (probability >= threshold) when `metadata.threshold` is set.
 *
 * Batches are processed one at a time, in order; every tensor is disposed before the next.
 *
 * @example
 * ```ts
 * const { model, metadata } = await loadModel('runs/x/model');
 * const predictions = await lastValueFrom(batches$.pipe(predict({ model, metadata }), toArray()));
 * ```
 * @throws TypeError / RangeError at creation when `model` is not a tfjs-layers model or the threshold is not in [0, 1]; the stream errors with a
 * `CXR_USAGE` error when a batch does not fit the model's input.
 */
export function predict(options: PredictOptions): OperatorFunction<Batch, Prediction> {
  const model = options?.model as unknown as { predict?: unknown; inputs?: unknown } | undefined;
  if (typeof model !== 'object' || model === null || typeof model.predict !== 'function' || !Array.isArray(model.inputs)) {
    throw new TypeError(`predict: model must be a tfjs-layers model, got ${typeof options?.model}`);
  }
  if (options.metadata !== undefined && (typeof options.metadata !== 'object' || options.metadata === null)) {
    throw new TypeError(`predict: metadata must be an object, got ${typeof options.metadata}`);
  }
  const threshold = options.metadata?.threshold;
  if (threshold !== undefined && (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))) {
    throw new RangeError(`predict: metadata.threshold must be a number in [0, 1], got ${JSON.stringify(threshold)}`);
  }
  const run = async (batch: Batch): Promise<Prediction[]> => {
    checkBatchShape('predict', options.model, batch);
    const [logitTensor, probabilities] = tf.tidy(() => {
      const z = tf.reshape(options.model.predict(batchImages(batch)) as tf.Tensor, [-1]);
      return [z, tf.sigmoid(z)];
    });
    let values: Float32Array;
    let logits: Float32Array;
    try {
      values = (await probabilities.data()) as Float32Array;
      logits = (await logitTensor.data()) as Float32Array;
    } finally {
      probabilities.dispose();
      logitTensor.dispose();
    }
    const predictions: Prediction[] = [];
    for (let i = 0; i < batch.shape[0]; i += 1) {
      const y = batch.y[i];
      const probability = values[i] as number;
      predictions.push({
        id: batch.ids[i] as string,
        probability,
        logit: logits[i] as number,
        label: y === 0 || y === 1 ? y : undefined,
        ...(threshold === undefined ? {} : { predictedLabel: probability >= threshold ? 1 : 0 }),
      });
    }
    return predictions;
  };
  return (source) => source.pipe(concatMap(run), concatMap((predictions) => from(predictions)));
}
