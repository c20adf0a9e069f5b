import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UsageError } from '@cxr/loader/browser';
import { join } from 'node:path';
import { MODEL_JSON, readModelDir } from './internal/model-files.js';
import { parseModelMetadata, type ModelMetadata } from './model-metadata.js';

/** The side of a model's square image input, or undefined when it takes any size. */
export function modelInputSize(model: tfl.LayersModel): number | undefined {
  const size = model.inputs[0]?.shape[1];
  return typeof size === 'number' ? size : undefined;
}

/**
 * Loads a tfjs-layers model folder (as written by {@link saveModel}, or any tfjs-layers
 * `model.json` with its weight files, sharded or not) on the current backend, with its metadata
 * checked against the schema of {@link ModelMetadata}.
 *
 * Reads the files itself (no `file://` handler needed). The custom preprocessing layers of
 * `@cxr/preprocess` are registered on import, so models built by {@link buildModel} load back.
 *
 * @example
 * ```ts
 * const { model, metadata } = await loadModel('runs/2024-01-01/model');
 * const { imageSize, threshold, temperature } = modelSettings(metadata, { source: 'runs/2024-01-01/model/model.json', inputSize: modelInputSize(model) });
 * ```
 * @returns the model and its metadata (`{}` when none was stored).
 * @throws a {@link UsageError} naming the folder when it is missing, has no model.json, is not a
 *   tfjs-layers model, has missing or truncated weights, or uses an unknown layer; one naming the
 *   field and model.json when the metadata breaks the schema (see {@link parseModelMetadata}).
 */
export async function loadModel(dir: string): Promise<{ model: tfl.LayersModel; metadata: ModelMetadata }> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`loadModel: dir must be a non-empty path, got ${String(dir)}`);
  const { artifacts, metadata } = await readModelDir(dir);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new UsageError(`${dir} holds a model that cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  try {
    return { model, metadata: parseModelMetadata(metadata, { source: join(dir, MODEL_JSON), inputSize: modelInputSize(model) }) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
