import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UsageError } from '@cxr/loader/browser';

/** A copy of a model's weights held as plain typed arrays (no tensors stay alive). */
export interface WeightsSnapshot {
  readonly values: readonly { readonly shape: readonly number[]; readonly dtype: tf.DataType; readonly data: Float32Array | Int32Array | Uint8Array }[];
}

/** Copies every weight (trainable or not, e.g. batch-norm statistics) out of the model. */
export function snapshotWeights(model: tfl.LayersModel): WeightsSnapshot {
  return {
    values: model.weights.map((w) => {
      const t = w.read();
      return { shape: [...t.shape], dtype: t.dtype, data: (t.dataSync() as Float32Array | Int32Array | Uint8Array).slice() };
    }),
  };
}

/** Writes a snapshot back into the model (same architecture), leaving no extra tensors. */
export function restoreWeights(model: tfl.LayersModel, snapshot: WeightsSnapshot): void {
  const tensors = snapshot.values.map((v) => tf.tensor(v.data, [...v.shape], v.dtype));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Sets the model's weights from named tensors decoded from a checkpoint, in model order,
 * checking that each shape matches. Does not dispose `tensors`.
 * @throws a CXR_USAGE error naming `source` when the counts or shapes differ.
 */
export function assignWeightsInOrder(model: tfl.LayersModel, tensors: readonly tf.Tensor[], source: string): void {
  const targets = model.weights;
  if (targets.length !== tensors.length) {
    throw new UsageError(`${source} was written for another model (${tensors.length} weights, this model has ${targets.length}); use the same --architecture and --image-size, or start a new run.`);
  }
  targets.forEach((w, i) => {
    const t = tensors[i] as tf.Tensor;
    if (!tf.util.arraysEqual(w.shape as number[], t.shape)) {
      throw new UsageError(`${source} was written for another model (weight ${w.originalName} has shape [${t.shape.join(', ')}], expected [${w.shape.join(', ')}]); use the same --architecture and --image-size, or start a new run.`);
    }
  });
  model.setWeights([...tensors]);
}
