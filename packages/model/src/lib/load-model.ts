import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readModelDir } from './internal/model-files.js';
import { usageError } from './internal/usage-error.js';
import type { ModelMetadata } from './types.js';

/**
 * Loads a tfjs-layers model folder (as written by {@link saveModel}, or any tfjs-layers
 * `model.json` with its weight files, sharded or not) on the current backend.
 *
 * Reads the files itself (no `file://` handler needed). The custom preprocessing layers of
 * `@cxr/preprocess` are registered on import, so models built by {@link buildModel} load back.
 *
 * @example
 * ```ts
 * const { model, metadata } = await loadModel('runs/2024-01-01/model');
 * const threshold = Number(metadata['threshold'] ?? 0.5);
 * ```
 * @returns the model and its metadata (`{}` when none was stored).
 * @throws an error with `code: 'CXR_USAGE'` naming the folder when it is missing, has no
 * model.json, is not a tfjs-layers model, has missing or truncated weights, or uses an unknown layer.
 */
export async function loadModel(dir: string): Promise<{ model: tfl.LayersModel; metadata: ModelMetadata }> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`loadModel: dir must be a non-empty path, got ${String(dir)}`);
  const { artifacts, metadata } = await readModelDir(dir);
  try {
    const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    return { model, metadata };
  } catch (error) {
    throw usageError(`${dir} holds a model that cannot be loaded: ${(error as Error).message}`, error);
  }
}
