import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeDirAtomic } from './internal/atomic-dir.js';
import { modelFiles } from './internal/model-files.js';
import type { ModelMetadata } from './types.js';

/** Checks that metadata is a plain JSON object and returns a JSON-clean copy. */
export function toJsonMetadata(stage: string, metadata: ModelMetadata | undefined): ModelMetadata | undefined {
  if (metadata === undefined) return undefined;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TypeError(`${stage}: metadata must be a JSON object, got ${Array.isArray(metadata) ? 'an array' : typeof metadata}`);
  }
  let text: string;
  try {
    text = JSON.stringify(metadata);
  } catch (error) {
    throw new TypeError(`${stage}: metadata must be JSON-serializable (${(error as Error).message})`);
  }
  return JSON.parse(text) as ModelMetadata;
}

/**
 * Saves a model to a folder in the tfjs-layers format: `model.json` (topology, weight
 * manifest and `metadata` as `userDefinedMetadata`) and `weights.bin`.
 *
 * Uses its own file writer (no `file://` handler needed, so it works on every backend,
 * without tfjs-node), and writes the whole folder atomically: the files go to a hidden
 * sibling folder that is renamed into place, so `dir` is never half-written; an existing
 * model in `dir` is replaced.
 *
 * @example
 * ```ts
 * await saveModel(model, 'runs/2024-01-01/model', { threshold: 0.42, imageSize: 128, classNames: ['NORMAL', 'PNEUMONIA'] });
 * ```
 * @param model - any tfjs-layers model (custom layers must be registered to load it back).
 * @param dir - the folder to write (created with its parents).
 * @param metadata - an optional JSON object stored with the model; read back by {@link loadModel}.
 * @throws TypeError when `metadata` is not a JSON object; file-system errors as thrown by Node.
 */
export async function saveModel(model: tfl.LayersModel, dir: string, metadata?: ModelMetadata): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`saveModel: dir must be a non-empty path, got ${String(dir)}`);
  const clean = toJsonMetadata('saveModel', metadata);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      await writeDirAtomic(dir, modelFiles(artifacts, clean));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: artifacts.weightData === undefined ? 0 : tf.io.CompositeArrayBuffer.join(artifacts.weightData).byteLength,
        },
      };
    }),
  );
}
