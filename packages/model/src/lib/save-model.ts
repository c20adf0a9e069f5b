import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UsageError } from '@cxr/loader/browser';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recoverDir, writeDirAtomic, type LinkedFile } from './internal/atomic-dir.js';
import { MODEL_JSON, modelFiles } from './internal/model-files.js';
import { modelMetadataJson, parseModelMetadata, type ModelMetadata } from './model-metadata.js';

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
 * @param metadata - stored with the model and read back by {@link loadModel}: the fields of
 *   {@link ModelMetadata} (checked against its schema), and any others of your own (JSON values).
 * @throws TypeError when `metadata` is not a JSON object or breaks the schema; file-system errors as thrown by Node.
 */
export async function saveModel(model: tfl.LayersModel, dir: string, metadata?: ModelMetadata): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`saveModel: dir must be a non-empty path, got ${String(dir)}`);
  const clean = metadata === undefined ? undefined : modelMetadataJson(metadata, 'saveModel');
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

/**
 * Adds or replaces fields in the metadata of a saved model folder (model.json's
 * `userDefinedMetadata`), keeping the rest, without touching the weights; atomically, as
 * {@link saveModel} writes (the weight files are hard-linked into the new folder, not copied).
 *
 * @example
 * ```ts
 * await updateModelMetadata('runs/x/checkpoints/best', { threshold: 0.31, calibration: { method: 'temperature', temperature: 1.4, fittedOn: 'val' } });
 * ```
 * @returns the metadata now stored.
 * @throws a {@link UsageError} naming the folder when it is not a model folder, or naming the field
 *   when its stored metadata breaks the schema; TypeError when `fields` do.
 */
export async function updateModelMetadata(dir: string, fields: ModelMetadata): Promise<ModelMetadata> {
  const { json, metadata } = await readModelJson(dir);
  const updated = modelMetadataJson({ ...metadata, ...fields }, 'updateModelMetadata');
  const files = new Map<string, string | LinkedFile>((await readdir(dir)).filter((name) => name !== MODEL_JSON).map((name) => [name, { linkFrom: join(dir, name) }]));
  files.set(MODEL_JSON, `${JSON.stringify({ ...json, userDefinedMetadata: updated })}\n`);
  await writeDirAtomic(dir, files);
  return updated;
}

/** A model folder's model.json and its checked metadata. */
async function readModelJson(dir: string): Promise<{ json: Record<string, unknown>; metadata: ModelMetadata }> {
  await recoverDir(dir);
  const file = join(dir, MODEL_JSON);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${dir} is not a model folder: ${MODEL_JSON} is missing or not valid JSON. Point to a folder holding model.json and its weights (as written by "cxr train" in <run>/model).`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`${dir} is not a model folder: ${MODEL_JSON} is not a JSON object.`);
  const record = json as Record<string, unknown>;
  return { json: record, metadata: parseModelMetadata(record['userDefinedMetadata'], { source: file }) };
}
