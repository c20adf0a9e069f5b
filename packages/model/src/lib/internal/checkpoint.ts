import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { ModelMetadata } from '../model-metadata.js';
import { recoverDir, writeDirAtomic } from './atomic-dir.js';
import { captureArtifacts, decodeWeightList, joinWeightData, MODEL_JSON, modelFiles, readModelDir, specBytes } from './model-files.js';
import { readAdamPowers } from './optimizer-powers.js';
import { UsageError } from '@cxr/loader/browser';

/** Where training resumes from; stored as state.json in the `last` checkpoint. */
export interface TrainState {
  readonly version: 1;
  /** Epochs fully done (numbered from 1; 0 before the first). */
  readonly epochsDone: number;
  /** Steps already done in epoch `epochsDone + 1` (non-zero after a cancellation mid-epoch). */
  readonly stepInEpoch: number;
  /** Sum and count of the training losses of those steps. */
  readonly partialLossSum: number;
  readonly partialImages: number;
  readonly learningRate: number;
  /** Best monitored value so far (validation AUC, or minus a loss when there is no AUC). */
  readonly best: number | null;
  readonly bestEpoch: number;
  /** Epochs since the best (early stopping) and since the last improvement or LR cut (plateau). */
  readonly wait: number;
  readonly plateau: number;
  /** Steps per epoch seen so far (for progress), when known. */
  readonly stepsPerEpoch: number | null;
  /** Set when training stopped early; resuming then does nothing (reaching `epochs` does not set it). */
  readonly finished: string | null;
  /** Training-call counters of the model's random augmentation layers (their whole random state). */
  readonly augmentCalls: readonly number[];
}

const OPTIMIZER_BIN = 'optimizer.bin';
const OPTIMIZER_JSON = 'optimizer.json';
const STATE_JSON = 'state.json';

/** The resume points kept in a checkpoint folder: `last` (the newest) and `previous` (the one before it). */
export type ResumePoint = 'last' | 'previous';

/** Folder of the checkpoint to resume from. */
export const lastDir = (checkpointDir: string): string => join(checkpointDir, 'last');
/** Folder of the resume point written before `last` (kept in case `last` is damaged). */
export const previousDir = (checkpointDir: string): string => join(checkpointDir, 'previous');
/** Folder of the best model so far (a loadable model folder). */
export const bestDir = (checkpointDir: string): string => join(checkpointDir, 'best');
/** Folder of a resume point. */
export const resumeDir = (checkpointDir: string, point: ResumePoint): string => (point === 'last' ? lastDir(checkpointDir) : previousDir(checkpointDir));

/** The contents of optimizer.json. */
interface OptimizerJson {
  readonly className: string;
  readonly config: unknown;
  readonly specs: tf.io.WeightsManifestEntry[];
  /** Adam's running products beta1^t and beta2^t (see optimizer-powers.ts); absent in older checkpoints. */
  readonly adamPowers?: { readonly accBeta1: number; readonly accBeta2: number };
}

/**
 * Writes `<checkpointDir>/last`: the model, the optimizer's slots (and Adam's running products) and
 * the training state, atomically. The `last` it replaces becomes `previous` first (when it is whole:
 * a damaged `last` never overwrites a good `previous`).
 */
export async function writeLastCheckpoint(
  checkpointDir: string,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  state: TrainState,
  metadata: ModelMetadata | undefined,
): Promise<void> {
  const artifacts = await captureArtifacts(model);
  const files = modelFiles(artifacts, { ...metadata, checkpoint: { epochsDone: state.epochsDone, stepInEpoch: state.stepInEpoch } });
  const named = await optimizer.getWeights();
  try {
    const encoded = await tf.io.encodeWeights(named);
    const powers = readAdamPowers(optimizer);
    const json: OptimizerJson = { className: optimizer.getClassName(), config: optimizer.getConfig(), specs: encoded.specs, ...(powers ? { adamPowers: powers } : {}) };
    files.set(OPTIMIZER_BIN, new Uint8Array(joinWeightData(encoded.data)));
    files.set(OPTIMIZER_JSON, `${JSON.stringify(json)}\n`);
  } finally {
    // getWeights creates the iteration counter tensor; the slot variables belong to the optimizer.
    const first = named[0];
    if (first !== undefined) first.tensor.dispose();
  }
  files.set(STATE_JSON, `${JSON.stringify(state, null, 2)}\n`);
  // The last/ being replaced becomes previous/ (its files hard-linked, not copied), unless it is damaged.
  const current = await readFolderFiles(lastDir(checkpointDir), false);
  if (current !== undefined && current.size > 0 && checkResumePoint(current) === undefined) {
    await writeDirAtomic(previousDir(checkpointDir), new Map([...current.keys()].map((name) => [name, { linkFrom: join(lastDir(checkpointDir), name) }])));
  }
  await writeDirAtomic(lastDir(checkpointDir), files);
}

/** Writes `<checkpointDir>/best`, an ordinary model folder (loadable with loadModel). */
export async function writeBestCheckpoint(checkpointDir: string, model: tfl.LayersModel, metadata: ModelMetadata): Promise<void> {
  const artifacts = await captureArtifacts(model);
  await writeDirAtomic(bestDir(checkpointDir), modelFiles(artifacts, metadata));
}

/** A file of a checkpoint folder: its size, and its bytes when they were read. */
interface FolderFile {
  readonly size: number;
  readonly bytes?: Uint8Array;
}

/**
 * The files of a folder by name (after finishing an interrupted atomic write), or undefined when it
 * does not exist: the JSON files read, the others only sized unless `all`.
 */
async function readFolderFiles(dir: string, all: boolean): Promise<Map<string, FolderFile> | undefined> {
  await recoverDir(dir);
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  const files = new Map<string, FolderFile>();
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (all || name.endsWith('.json')) {
      const bytes = await readFile(path);
      files.set(name, { size: bytes.byteLength, bytes });
    } else files.set(name, { size: (await stat(path)).size });
  }
  return files;
}

function parseJson(files: ReadonlyMap<string, FolderFile>, name: string): { value?: unknown; reason?: string } {
  const bytes = files.get(name)?.bytes;
  if (bytes === undefined) return { reason: `${name} is missing` };
  try {
    return { value: JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown };
  } catch {
    return { reason: `${name} is not valid JSON (${bytes.byteLength} bytes; cut short?)` };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why the weight files named by `specs` (in files `paths`) do not hold them, or undefined when they do. */
function checkWeightBytes(files: ReadonlyMap<string, FolderFile>, paths: readonly string[], specs: readonly tf.io.WeightsManifestEntry[], described: string): string | undefined {
  let expected = 0;
  try {
    for (const spec of specs) expected += specBytes(spec);
  } catch (error) {
    return `${described} ${(error as Error).message}`;
  }
  let total = 0;
  for (const path of paths) {
    const file = files.get(path);
    if (file === undefined) return `${path} is missing`;
    total += file.size;
  }
  return total === expected ? undefined : `${paths.join(', ')} ${paths.length === 1 ? 'holds' : 'hold'} ${total} bytes but ${described} describes ${expected} (cut short or replaced)`;
}

/** The weight manifest of a model.json: file names and weight specs, or why it is unusable. */
function modelManifest(files: ReadonlyMap<string, FolderFile>): { paths: string[]; specs: tf.io.WeightsManifestEntry[] } | { reason: string } {
  const model = parseJson(files, MODEL_JSON);
  if (model.reason !== undefined) return { reason: model.reason };
  const json = model.value;
  if (!isObject(json) || !isObject(json['modelTopology']) || !Array.isArray(json['weightsManifest'])) return { reason: `${MODEL_JSON} is not a tfjs-layers model` };
  const paths: string[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json['weightsManifest'] as unknown[]) {
    if (!isObject(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights'])) return { reason: `${MODEL_JSON} has a malformed weightsManifest` };
    for (const path of group['paths'] as unknown[]) {
      const rel = normalize(String(path));
      if (isAbsolute(rel) || rel.includes('/') || rel.includes('\\')) return { reason: `${MODEL_JSON} names a weight file outside the folder (${String(path)})` };
      paths.push(rel);
    }
    specs.push(...(group['weights'] as tf.io.WeightsManifestEntry[]));
  }
  return { paths, specs };
}

/** Why the files of a resume point cannot be used, or undefined when they are whole. */
function checkResumePoint(files: ReadonlyMap<string, FolderFile>): string | undefined {
  const manifest = modelManifest(files);
  if ('reason' in manifest) return manifest.reason;
  const weights = checkWeightBytes(files, manifest.paths, manifest.specs, MODEL_JSON);
  if (weights !== undefined) return weights;
  const optimizer = parseJson(files, OPTIMIZER_JSON);
  if (optimizer.reason !== undefined) return optimizer.reason;
  if (!isObject(optimizer.value) || !Array.isArray(optimizer.value['specs'])) return `${OPTIMIZER_JSON} lists no optimizer weights`;
  const slots = checkWeightBytes(files, [OPTIMIZER_BIN], optimizer.value['specs'] as tf.io.WeightsManifestEntry[], OPTIMIZER_JSON);
  if (slots !== undefined) return slots;
  const state = parseJson(files, STATE_JSON);
  if (state.reason !== undefined) return state.reason;
  if (!isObject(state.value) || state.value['version'] !== 1 || typeof state.value['epochsDone'] !== 'number' || typeof state.value['stepInEpoch'] !== 'number') {
    return `${STATE_JSON} is not a cxr training state`;
  }
  return undefined;
}

/** What {@link inspectCheckpoint} found in one checkpoint folder. */
export type CheckpointStatus =
  | { readonly status: 'missing'; readonly dir: string }
  | { readonly status: 'damaged'; readonly dir: string; readonly reason: string }
  | { readonly status: 'ok'; readonly dir: string; readonly epochsDone: number; readonly stepInEpoch: number };

/**
 * Checks a resume point (`last` or `previous`) or the best model (`best`) without loading it: every
 * file present, each weight file as long as its manifest says, the JSON files parse. Finishes an
 * atomic write a crash interrupted first. Never throws for a damaged folder: it says why.
 */
export async function inspectCheckpoint(checkpointDir: string, which: ResumePoint | 'best'): Promise<CheckpointStatus> {
  const dir = which === 'best' ? bestDir(checkpointDir) : resumeDir(checkpointDir, which);
  const files = await readFolderFiles(dir, false);
  if (files === undefined || (which !== 'best' && files.size === 0)) return { status: 'missing', dir };
  if (which === 'best') {
    const manifest = modelManifest(files);
    const reason = 'reason' in manifest ? manifest.reason : checkWeightBytes(files, manifest.paths, manifest.specs, MODEL_JSON);
    return reason === undefined ? { status: 'ok', dir, epochsDone: 0, stepInEpoch: 0 } : { status: 'damaged', dir, reason };
  }
  const reason = checkResumePoint(files);
  if (reason !== undefined) return { status: 'damaged', dir, reason };
  const state = parseJson(files, STATE_JSON).value as TrainState;
  return { status: 'ok', dir, epochsDone: state.epochsDone, stepInEpoch: state.stepInEpoch };
}

/** A checkpoint read back: weight tensors in model order (the caller disposes them), the optimizer's, the state. */
export interface LoadedCheckpoint {
  readonly weights: tf.Tensor[];
  readonly optimizerWeights: { name: string; tensor: tf.Tensor }[];
  /** Adam's running products, when the checkpoint holds them. */
  readonly adamPowers: { readonly accBeta1: number; readonly accBeta2: number } | undefined;
  readonly state: TrainState;
}

/**
 * Reads the resume point `point` (default `last`) of `checkpointDir`.
 * @throws CXR_USAGE naming the folder when it is missing, or damaged (with the cause).
 */
export async function readResumePoint(checkpointDir: string, point: ResumePoint = 'last'): Promise<LoadedCheckpoint> {
  const dir = resumeDir(checkpointDir, point);
  const files = await readFolderFiles(dir, true);
  if (files === undefined || files.size === 0) throw new UsageError(`There is no checkpoint to resume from in ${dir}; run without --resume to start training.`);
  const reason = checkResumePoint(files);
  if (reason !== undefined) throw new UsageError(`The checkpoint ${dir} is damaged (${reason}); resume from another checkpoint or start a new run without --resume.`);
  const manifest = modelManifest(files) as { paths: string[]; specs: tf.io.WeightsManifestEntry[] };
  const bytesOf = (name: string): Uint8Array => files.get(name)?.bytes as Uint8Array;
  const weightData = Buffer.concat(manifest.paths.map(bytesOf));
  const weights = decodeWeightList({ weightSpecs: manifest.specs, weightData: new Uint8Array(weightData).buffer }).map((w) => w.tensor);
  const optimizer = parseJson(files, OPTIMIZER_JSON).value as OptimizerJson;
  const map = tf.io.decodeWeights(new Uint8Array(bytesOf(OPTIMIZER_BIN)).buffer, optimizer.specs);
  const optimizerWeights = optimizer.specs.map((spec) => ({ name: spec.name, tensor: map[spec.name] as tf.Tensor }));
  const state = parseJson(files, STATE_JSON).value as TrainState;
  return { weights, optimizerWeights, adamPowers: optimizer.adamPowers, state };
}

/** Reads the weights of `<checkpointDir>/best` (model order), or undefined when there is none. @throws CXR_USAGE naming the folder when it is damaged. */
export async function readBestWeights(checkpointDir: string): Promise<tf.Tensor[] | undefined> {
  await recoverDir(bestDir(checkpointDir));
  try {
    await stat(join(bestDir(checkpointDir), MODEL_JSON));
  } catch {
    return undefined;
  }
  let artifacts: tf.io.ModelArtifacts;
  try {
    ({ artifacts } = await readModelDir(bestDir(checkpointDir)));
  } catch (error) {
    const reason = (error as { reason?: unknown }).reason;
    if (typeof reason !== 'string') throw error;
    throw new UsageError(`The best-model checkpoint ${bestDir(checkpointDir)} is damaged (${reason}); the run cannot be resumed: start a new run without --resume.`, { cause: error });
  }
  return decodeWeightList(artifacts).map((w) => w.tensor);
}
