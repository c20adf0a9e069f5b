import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelMetadata } from '../types.js';
import { recoverDir, writeDirAtomic } from './atomic-dir.js';
import { captureArtifacts, decodeWeightList, joinWeightData, modelFiles, readModelDir } from './model-files.js';
import { usageError } from './usage-error.js';

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

/** Folder of the checkpoint to resume from. */
export const lastDir = (checkpointDir: string): string => join(checkpointDir, 'last');
/** Folder of the best model so far (a loadable model folder). */
export const bestDir = (checkpointDir: string): string => join(checkpointDir, 'best');

/** Writes `<checkpointDir>/last`: the model, the optimizer's slots and the training state, atomically. */
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
    files.set(OPTIMIZER_BIN, new Uint8Array(joinWeightData(encoded.data)));
    files.set(OPTIMIZER_JSON, `${JSON.stringify({ className: optimizer.getClassName(), config: optimizer.getConfig(), specs: encoded.specs })}\n`);
  } finally {
    // getWeights creates the iteration counter tensor; the slot variables belong to the optimizer.
    const first = named[0];
    if (first !== undefined) first.tensor.dispose();
  }
  files.set(STATE_JSON, `${JSON.stringify(state, null, 2)}\n`);
  await writeDirAtomic(lastDir(checkpointDir), files);
}

/** Writes `<checkpointDir>/best`, an ordinary model folder (loadable with loadModel). */
export async function writeBestCheckpoint(checkpointDir: string, model: tfl.LayersModel, metadata: ModelMetadata): Promise<void> {
  const artifacts = await captureArtifacts(model);
  await writeDirAtomic(bestDir(checkpointDir), modelFiles(artifacts, metadata));
}

/** True when `<checkpointDir>/last/state.json` exists. */
export async function hasLastCheckpoint(checkpointDir: string): Promise<boolean> {
  await recoverDir(lastDir(checkpointDir));
  try {
    await stat(join(lastDir(checkpointDir), STATE_JSON));
    return true;
  } catch {
    return false;
  }
}

/** A checkpoint read back: weight tensors in model order (the caller disposes them), the optimizer's, the state. */
export interface LoadedCheckpoint {
  readonly weights: tf.Tensor[];
  readonly optimizerWeights: { name: string; tensor: tf.Tensor }[];
  readonly state: TrainState;
}

/** Reads `<checkpointDir>/last`. @throws CXR_USAGE naming the folder when it is incomplete or not ours. */
export async function readLastCheckpoint(checkpointDir: string): Promise<LoadedCheckpoint> {
  const dir = lastDir(checkpointDir);
  const { artifacts } = await readModelDir(dir);
  let state: TrainState;
  let optimizerSpecs: tf.io.WeightsManifestEntry[];
  let optimizerData: Uint8Array;
  try {
    state = JSON.parse(await readFile(join(dir, STATE_JSON), 'utf8')) as TrainState;
    optimizerSpecs = (JSON.parse(await readFile(join(dir, OPTIMIZER_JSON), 'utf8')) as { specs: tf.io.WeightsManifestEntry[] }).specs;
    optimizerData = await readFile(join(dir, OPTIMIZER_BIN));
  } catch (error) {
    throw usageError(`${dir} is not a complete cxr checkpoint (${(error as Error).message}); start a new run without --resume.`, error);
  }
  if (state.version !== 1 || typeof state.epochsDone !== 'number') {
    throw usageError(`${dir}/${STATE_JSON} is not a cxr training state; start a new run without --resume.`);
  }
  const weights = decodeWeightList(artifacts).map((w) => w.tensor);
  const buffer = new Uint8Array(optimizerData).buffer;
  const map = tf.io.decodeWeights(buffer, optimizerSpecs);
  const optimizerWeights = optimizerSpecs.map((spec) => ({ name: spec.name, tensor: map[spec.name] as tf.Tensor }));
  return { weights, optimizerWeights, state };
}

/** Reads the weights of `<checkpointDir>/best` (model order), or undefined when there is none. */
export async function readBestWeights(checkpointDir: string): Promise<tf.Tensor[] | undefined> {
  await recoverDir(bestDir(checkpointDir));
  try {
    await stat(join(bestDir(checkpointDir), 'model.json'));
  } catch {
    return undefined;
  }
  const { artifacts } = await readModelDir(bestDir(checkpointDir));
  return decodeWeightList(artifacts).map((w) => w.tensor);
}
