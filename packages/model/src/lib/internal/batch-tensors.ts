import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Batch } from '@cxr/preprocess';
import { UsageError } from '@cxr/loader/browser';

/** `[height, width, channels]` the model takes. */
export function modelInputShape(model: tfl.LayersModel): [number, number, number] {
  const shape = model.inputs[0]?.shape ?? [];
  return [Number(shape[1]), Number(shape[2]), Number(shape[3])];
}

/** Checks that a batch is well formed and fits the model's input. @throws CXR_USAGE naming `stage`. */
export function checkBatchShape(stage: string, model: tfl.LayersModel, batch: Batch): void {
  const [n, h, w, c] = batch.shape;
  if (batch.x.length !== n * h * w * c || batch.y.length !== n || batch.ids.length !== n) {
    throw new UsageError(`${stage}: a batch of shape [${batch.shape.join(', ')}] holds ${batch.x.length} pixel values, ${batch.y.length} labels and ${batch.ids.length} ids`);
  }
  const [mh, mw, mc] = modelInputShape(model);
  if (h !== mh || w !== mw || c !== mc) {
    throw new UsageError(`${stage}: the images are ${h}x${w}x${c} but the model takes ${mh}x${mw}x${mc}; use the image size the model was built with (--image-size ${mh}).`);
  }
}

/** Batch pixels (uint8 or float32) as a float32 tensor `[n, h, w, c]`. */
export function batchImages(batch: Batch): tf.Tensor4D {
  return tf.tensor4d(batch.x instanceof Float32Array ? batch.x : Float32Array.from(batch.x), [...batch.shape]);
}

/** Batch pixels and labels as float32 tensors `[n, h, w, c]` and `[n, 1]`. */
export function batchToTensors(batch: Batch): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return { x: batchImages(batch), y: tf.tensor2d(batch.y, [batch.shape[0], 1]) };
}
