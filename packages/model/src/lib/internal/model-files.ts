import * as tf from '@tensorflow/tfjs-core';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { ModelMetadata } from '../model-metadata.js';
import { recoverDir } from './atomic-dir.js';
import { isUsageError, UsageError } from '@cxr/loader/browser';

/** Name of the topology file inside a model folder. */
export const MODEL_JSON = 'model.json';
/** Name of the weights file inside a model folder written by cxr. */
export const WEIGHTS_BIN = 'weights.bin';

/** Joins possibly-split weight data into one ArrayBuffer. */
export function joinWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return tf.io.CompositeArrayBuffer.join(data);
}

/** The files (model.json + weights.bin) of a tfjs-layers model folder for these artifacts. */
export function modelFiles(artifacts: tf.io.ModelArtifacts, metadata: ModelMetadata | undefined): Map<string, Uint8Array | string> {
  if (artifacts.modelTopology === undefined || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new TypeError('saveModel: the model has no JSON topology (only tfjs-layers models can be saved)');
  }
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? 'TensorFlow.js tfjs-layers',
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
    ...(metadata === undefined ? {} : { userDefinedMetadata: metadata as { [key: string]: object } }),
  };
  return new Map<string, Uint8Array | string>([
    [WEIGHTS_BIN, new Uint8Array(joinWeightData(artifacts.weightData))],
    [MODEL_JSON, `${JSON.stringify(json)}\n`],
  ]);
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, uint16: 2 };

/** Bytes a weight of the manifest takes in the weight files. @throws Error for a dtype it does not know. */
export function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) throw new Error(`unsupported weight dtype ${dtype}`);
  return count * bytes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a tfjs-layers model folder (model.json + the weight files its manifest names,
 * sharded or not) into model artifacts and the metadata stored with it (unchecked; undefined when none).
 * @throws a `CXR_USAGE` error naming the folder when it is not such a model.
 */
export async function readModelDir(dir: string): Promise<{ artifacts: tf.io.ModelArtifacts; metadata: unknown }> {
  // `reason` keeps the cause alone, for callers that explain it in their own words (a damaged checkpoint).
  const notModel = (why: string, cause?: unknown) =>
    Object.assign(new UsageError(`${dir} is not a model folder: ${why}. Point to a folder holding model.json and its weights (as written by "cxr train" in <run>/model).`, { cause: cause }), { reason: why });
  let text: string;
  await recoverDir(dir);
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw notModel('it is not a folder');
    text = await readFile(join(dir, MODEL_JSON), 'utf8');
  } catch (error) {
    if (isUsageError(error)) throw error;
    const code = (error as { code?: string }).code;
    throw notModel(code === 'ENOENT' ? (await stat(dir).then(() => `it has no ${MODEL_JSON}`, () => 'it does not exist')) : `cannot read ${MODEL_JSON} (${code ?? String(error)})`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw notModel(`${MODEL_JSON} is not valid JSON`, error);
  }
  if (!isObject(json) || !isObject(json['modelTopology']) || !Array.isArray(json['weightsManifest'])) {
    throw notModel(`${MODEL_JSON} is not a tfjs-layers model (no modelTopology or weightsManifest)`);
  }
  const manifest = json['weightsManifest'] as tf.io.WeightsManifestConfig;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  let total = 0;
  for (const group of manifest) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw notModel(`${MODEL_JSON} has a malformed weightsManifest`);
    specs.push(...group.weights);
    for (const path of group.paths) {
      const rel = normalize(String(path));
      if (isAbsolute(rel) || rel.startsWith('..')) throw notModel(`${MODEL_JSON} names a weight file outside the folder (${String(path)})`);
      try {
        const buf = await readFile(join(dir, rel));
        buffers.push(buf);
        total += buf.byteLength;
      } catch (error) {
        throw notModel(`its weight file ${rel} is missing or unreadable`, error);
      }
    }
  }
  let expected = 0;
  try {
    for (const spec of specs) expected += specBytes(spec);
  } catch (error) {
    throw notModel(String((error as Error).message), error);
  }
  if (expected !== total) throw notModel(`its weight files hold ${total} bytes but ${MODEL_JSON} describes ${expected} (truncated or mismatched)`);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const buf of buffers) {
    weightData.set(buf, offset);
    offset += buf.byteLength;
  }
  const metadataValue = json['userDefinedMetadata'];
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json['modelTopology'] as object,
    format: typeof json['format'] === 'string' ? json['format'] : 'layers-model',
    weightSpecs: specs,
    weightData: weightData.buffer,
    ...(isObject(json['trainingConfig']) ? { trainingConfig: json['trainingConfig'] as unknown as tf.io.TrainingConfig } : {}),
  };
  return { artifacts, metadata: metadataValue };
}

/** Serializes a model into artifacts in memory (topology + weights), on any backend. */
export async function captureArtifacts(model: { save(handler: tf.io.IOHandler): Promise<tf.io.SaveResult> }): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured === undefined) throw new Error('captureArtifacts: the model did not save');
  return captured;
}

/** Decodes the weights of artifacts into tensors, in manifest order (the caller disposes them). */
export function decodeWeightList(artifacts: tf.io.ModelArtifacts): { name: string; tensor: tf.Tensor }[] {
  const specs = artifacts.weightSpecs ?? [];
  const map = tf.io.decodeWeights(joinWeightData(artifacts.weightData), specs);
  return specs.map((spec) => ({ name: spec.name, tensor: map[spec.name] as tf.Tensor }));
}
