import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { toAsyncIterable, type Batch, type Demand } from '@cxr/preprocess';
import { Observable } from 'rxjs';
import { rocAuc } from './roc-auc.js';
import { augmentationState, restoreAugmentationState } from './internal/augmentation-state.js';
import { batchImages, batchToTensors, checkBatchShape } from './internal/batch-tensors.js';
import { bestDir, lastDir, readBestWeights, readResumePoint, writeBestCheckpoint, writeLastCheckpoint, type ResumePoint, type TrainState } from './internal/checkpoint.js';
import { restoreAdamPowers } from './internal/optimizer-powers.js';
import { ScheduledAdam } from './internal/scheduled-adam.js';
import { scheduleAfterEpoch, startSchedule, type ScheduleSettings } from './internal/training-schedule.js';
import { restoreWeights, snapshotWeights, assignWeightsInOrder, type WeightsSnapshot } from './internal/weights-snapshot.js';
import { UsageError } from '@cxr/loader/browser';
import { DEFAULT_TRAINING } from './default-training.js';
import { modelMetadataJson, type ModelMetadata } from './model-metadata.js';
import type { ClassWeights, TrainEvent } from './types.js';
import { validateClassWeights, validateLabelSmoothing, weightedBinaryCrossEntropy } from './weighted-binary-cross-entropy.js';

/** Options of {@link train}. */
export interface TrainOptions {
  /** The model to train in place (one logit output, e.g. from `buildModel`). */
  readonly model: tfl.LayersModel;
  /**
   * The training batches of one epoch (numbered from 1); subscribed once per epoch, pulled one batch at a time.
   * `demand` is the trainer's pull signal: give it to the epoch's `prefetch` (or `loadBatches`) so it decodes no more than its bound ahead.
   */
  readonly trainBatches: (epoch: number, demand: Demand) => Observable<Batch>;
  /** The validation batches; subscribed once per epoch, pulled like `trainBatches`. Without it, early stopping and plateaus watch the training loss. */
  readonly valBatches?: (demand: Demand) => Observable<Batch>;
  /** Number of epochs (an upper bound when early stopping is on). */
  readonly epochs: number;
  /** Loss weights of class 0 and 1; default `[1, 1]`. */
  readonly classWeights?: ClassWeights;
  /** Label smoothing of the loss, in [0, 0.5) (targets become `y (1 - s) + s / 2`); default `DEFAULT_TRAINING.labelSmoothing` (0). */
  readonly labelSmoothing?: number;
  /** Initial Adam learning rate; default `DEFAULT_TRAINING.learningRate` (1e-3). */
  readonly learningRate?: number;
  /** Early stopping: epochs without a better validation AUC before stopping; `Infinity` disables it; default `DEFAULT_TRAINING.patience` (`Infinity`). */
  readonly patience?: number;
  /**
   * Learning-rate schedule (default `DEFAULT_TRAINING.schedule`, `'cosine'`): `'plateau'` multiplies the rate by `reduceLrFactor` after
   * `reduceLrPatience` epochs without improvement; `'cosine'` sets the rate of epoch `e` (from 1) to
   * `minLearningRate + (learningRate - minLearningRate) * (1 + cos(pi * (e - 1) / epochs)) / 2`.
   */
  readonly schedule?: 'plateau' | 'cosine';
  /** Reduce-LR-on-plateau: epochs without improvement before multiplying the rate by `reduceLrFactor`; default `DEFAULT_TRAINING.reduceLrPatience` (2). */
  readonly reduceLrPatience?: number;
  /** Factor of each reduction, in (0, 1); default `DEFAULT_TRAINING.reduceLrFactor` (0.5). */
  readonly reduceLrFactor?: number;
  /** The rate never goes below this (and the cosine schedule ends there); default `DEFAULT_TRAINING.minLearningRate` (1e-5). */
  readonly minLearningRate?: number;
  /** Where `last/` (resume point) and `best/` (best model so far) are written; none when omitted. */
  readonly checkpointDir?: string;
  /** Continue from `<checkpointDir>/last` (model, optimizer, epoch, step, schedule, augmentation draws); needs `checkpointDir`. */
  readonly resume?: boolean;
  /** Which resume point `resume` reads: `'last'` (default) or `'previous'`, the one written before it (kept in case `last` is damaged). */
  readonly resumeFrom?: ResumePoint;
  /** Known number of steps per epoch, for progress; learned from the first epoch when omitted. */
  readonly stepsPerEpoch?: number;
  /** Aborting stops after the current step, writes `last/`, emits `stopped` and completes. */
  readonly signal?: AbortSignal;
  /** JSON object stored with the checkpoints (e.g. image size, class names). */
  readonly metadata?: ModelMetadata;
}

function validate(options: TrainOptions): void {
  const stage = 'train';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${stage}: options must be an object`);
  const model = options.model as unknown as { weights?: unknown; apply?: unknown } | undefined;
  if (typeof model !== 'object' || model === null || !Array.isArray(model.weights) || typeof model.apply !== 'function') {
    throw new TypeError(`${stage}: model must be a tfjs-layers model, got ${typeof options.model}`);
  }
  if (typeof options.trainBatches !== 'function') throw new TypeError(`${stage}: trainBatches must be a function (epoch, demand) => Observable<Batch>`);
  if (options.valBatches !== undefined && typeof options.valBatches !== 'function') throw new TypeError(`${stage}: valBatches must be a function (demand) => Observable<Batch>`);
  if (!Number.isInteger(options.epochs) || options.epochs < 1) throw new RangeError(`${stage}: epochs must be an integer >= 1, got ${String(options.epochs)}`);
  if (options.classWeights !== undefined) validateClassWeights(stage, options.classWeights);
  if (options.labelSmoothing !== undefined) validateLabelSmoothing(stage, options.labelSmoothing);
  const positive = (name: string, v: number | undefined, allowInfinity = false) => {
    if (v === undefined) return;
    if (typeof v !== 'number' || Number.isNaN(v) || v <= 0 || (!allowInfinity && !Number.isFinite(v))) {
      throw new RangeError(`${stage}: ${name} must be a ${allowInfinity ? '' : 'finite '}number > 0, got ${String(v)}`);
    }
  };
  positive('learningRate', options.learningRate);
  if (options.schedule !== undefined && options.schedule !== 'plateau' && options.schedule !== 'cosine') {
    throw new RangeError(`${stage}: schedule must be 'plateau' or 'cosine', got ${String(options.schedule)}`);
  }
  positive('minLearningRate', options.minLearningRate);
  const rate = options.learningRate ?? DEFAULT_TRAINING.learningRate;
  const minRate = options.minLearningRate ?? DEFAULT_TRAINING.minLearningRate;
  if (rate < minRate) throw new RangeError(`${stage}: learningRate (${rate}) must be at least minLearningRate (${minRate})`);
  positive('patience', options.patience, true);
  positive('reduceLrPatience', options.reduceLrPatience, true);
  positive('stepsPerEpoch', options.stepsPerEpoch);
  if (options.reduceLrFactor !== undefined && !(options.reduceLrFactor > 0 && options.reduceLrFactor < 1)) {
    throw new RangeError(`${stage}: reduceLrFactor must be in (0, 1), got ${String(options.reduceLrFactor)}`);
  }
  if (options.checkpointDir !== undefined && (typeof options.checkpointDir !== 'string' || options.checkpointDir.length === 0)) {
    throw new TypeError(`${stage}: checkpointDir must be a non-empty path, got ${String(options.checkpointDir)}`);
  }
  if (options.resume === true && options.checkpointDir === undefined) throw new TypeError(`${stage}: resume needs a checkpointDir`);
  if (options.resumeFrom !== undefined && options.resumeFrom !== 'last' && options.resumeFrom !== 'previous') {
    throw new RangeError(`${stage}: resumeFrom must be 'last' or 'previous', got ${String(options.resumeFrom)}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new TypeError(`${stage}: signal must be an AbortSignal`);
  if (options.metadata !== undefined) modelMetadataJson(options.metadata, stage);
}

/** Mean binary cross-entropy (unweighted), accuracy at p >= 0.5 and AUC of logits against labels, in float64. */
export function validationMetrics(logits: ArrayLike<number>, labels: ArrayLike<number>): { loss: number; accuracy: number; auc: number | undefined } {
  let loss = 0;
  let correct = 0;
  const n = logits.length;
  for (let i = 0; i < n; i += 1) {
    const z = logits[i] as number;
    const y = labels[i] as number;
    loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    if ((z >= 0 ? 1 : 0) === y) correct += 1;
  }
  return { loss: n === 0 ? NaN : loss / n, accuracy: n === 0 ? NaN : correct / n, auc: rocAuc(logits, labels) ?? undefined };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The options of {@link train} with every default filled in. */
interface TrainSetup {
  readonly model: tfl.LayersModel;
  readonly trainBatches: (epoch: number, demand: Demand) => Observable<Batch>;
  readonly valBatches: ((demand: Demand) => Observable<Batch>) | undefined;
  readonly epochs: number;
  readonly classWeights: ClassWeights;
  readonly labelSmoothing: number;
  readonly schedule: ScheduleSettings;
  readonly checkpointDir: string | undefined;
  readonly resume: boolean;
  readonly resumeFrom: ResumePoint;
  readonly stepsPerEpoch: number | undefined;
  readonly metadata: ModelMetadata | undefined;
}

/** The options with their defaults (checked before by `validate`). */
function setupOf(options: TrainOptions): TrainSetup {
  return {
    model: options.model,
    trainBatches: options.trainBatches,
    valBatches: options.valBatches,
    epochs: options.epochs,
    classWeights: options.classWeights ?? ([1, 1] as const),
    labelSmoothing: options.labelSmoothing ?? DEFAULT_TRAINING.labelSmoothing,
    schedule: scheduleSettingsOf(options),
    checkpointDir: options.checkpointDir,
    resume: options.resume === true,
    resumeFrom: options.resumeFrom ?? 'last',
    stepsPerEpoch: options.stepsPerEpoch,
    metadata: options.metadata === undefined ? undefined : modelMetadataJson(options.metadata, 'train'),
  };
}

/** The learning-rate schedule and early-stopping settings of the options, with their defaults. */
function scheduleSettingsOf(options: TrainOptions): ScheduleSettings {
  return {
    schedule: options.schedule ?? DEFAULT_TRAINING.schedule,
    epochs: options.epochs,
    learningRate: options.learningRate ?? DEFAULT_TRAINING.learningRate,
    minLearningRate: options.minLearningRate ?? DEFAULT_TRAINING.minLearningRate,
    reduceLrPatience: options.reduceLrPatience ?? DEFAULT_TRAINING.reduceLrPatience,
    reduceLrFactor: options.reduceLrFactor ?? DEFAULT_TRAINING.reduceLrFactor,
    patience: options.patience ?? DEFAULT_TRAINING.patience,
  };
}

/**
 * A run's cancellation: a flag, and the wait for the next batch, which a cancel wakes at once.
 *
 * The wait is made per step and dropped when the step's batch arrives: racing every step against
 * one long-lived "cancelled" promise would leave a reaction per step on it, and with each reaction
 * the settled race, its batch and that batch's pixels, for the whole run (memory growing by an
 * epoch of batches per epoch).
 */
class Cancellation {
  cancelled = false;
  private wake: (() => void) | undefined;

  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }

  /** The iterator's next result, or `'cancelled'` as soon as the run is cancelled. */
  next<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T> | 'cancelled'> {
    if (this.cancelled) return Promise.resolve('cancelled');
    return new Promise((resolve, reject) => {
      const mine = (): void => resolve('cancelled');
      this.wake = mine;
      const done = (): void => {
        if (this.wake === mine) this.wake = undefined;
      };
      iterator.next().then(
        (result) => {
          done();
          resolve(result);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }
}

/** The training steps of one epoch, as far as they went. */
interface EpochSteps {
  /** Batches pulled (skipped ones of a resumed epoch included). */
  readonly step: number;
  /** Sum and count of the training losses (those of the skipped steps included, from the checkpoint). */
  readonly lossSum: number;
  readonly images: number;
  /** Images and steps trained on in this call, and the seconds they waited for their batches. */
  readonly imagesTimed: number;
  readonly stepsRun: number;
  readonly inputWait: number;
}

/** Validation loss, accuracy and AUC of an epoch; undefined without validation data. */
interface EpochValidation {
  readonly valLoss: number | undefined;
  readonly valAccuracy: number | undefined;
  readonly valAuc: number | undefined;
}

/** One subscription of {@link train}: the model, its optimizer, the state, and a method per step of the loop. */
class TrainingRun {
  private readonly model: tfl.LayersModel;
  private readonly optimizer: ScheduledAdam;
  private best: WeightsSnapshot | undefined;
  private state: TrainState;

  constructor(
    private readonly setup: TrainSetup,
    private readonly cancellation: Cancellation,
    private readonly emit: (event: TrainEvent) => void,
  ) {
    this.model = setup.model;
    this.optimizer = new ScheduledAdam(setup.schedule.learningRate);
    this.state = {
      version: 1,
      epochsDone: 0,
      stepInEpoch: 0,
      partialLossSum: 0,
      partialImages: 0,
      ...startSchedule(setup.schedule),
      stepsPerEpoch: setup.stepsPerEpoch ?? null,
      finished: null,
      augmentCalls: augmentationState(setup.model),
    };
  }

  /** Resumes when asked, then trains epoch after epoch until the last one, an early stop, a cancel or a diverged loss. */
  async run(): Promise<void> {
    try {
      if (this.setup.resume && !(await this.resume())) return;
      this.optimizer.rate = this.state.learningRate;
      const variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
      for (let epoch = this.state.epochsDone + 1; epoch <= this.setup.epochs; epoch += 1) {
        const started = performance.now();
        const steps = await this.trainEpoch(epoch, variables, started);
        if (this.cancellation.cancelled) {
          await this.saveCancelled(epoch, steps);
          return;
        }
        const trainSeconds = (performance.now() - started) / 1000;
        const validation = await this.validateEpoch();
        if (await this.finishEpoch(epoch, steps, validation, started, trainSeconds)) return;
      }
      // Resumed with nothing left to do (the epochs were already reached).
      this.stopped(this.state.epochsDone, `nothing to resume: ${this.state.epochsDone} of ${this.setup.epochs} epochs already done`);
    } finally {
      this.optimizer.dispose();
    }
  }

  /**
   * Puts back the resume point: weights, optimizer slots and Adam's exact running products, the
   * state, the augmentation draw counters, and the best weights so far. False when the run it
   * continues had already stopped early (a `stopped` event says so).
   */
  private async resume(): Promise<boolean> {
    const checkpointDir = this.setup.checkpointDir as string;
    const loaded = await readResumePoint(checkpointDir, this.setup.resumeFrom);
    try {
      assignWeightsInOrder(this.model, loaded.weights, lastDir(checkpointDir));
      await this.optimizer.setWeights(loaded.optimizerWeights);
      // setWeights recomputes Adam's running products with pow(), an ulp away from the products of the run it continues.
      restoreAdamPowers(this.optimizer, loaded.adamPowers);
    } finally {
      tf.dispose(loaded.weights);
      tf.dispose(loaded.optimizerWeights.map((w) => w.tensor));
    }
    this.state = loaded.state;
    restoreAugmentationState(this.model, this.state.augmentCalls);
    const bestWeights = await readBestWeights(checkpointDir);
    if (bestWeights !== undefined) {
      try {
        this.best = { values: bestWeights.map((t) => ({ shape: [...t.shape], dtype: t.dtype, data: (t.dataSync() as Float32Array).slice() })) };
      } finally {
        tf.dispose(bestWeights);
      }
    }
    if (this.state.finished === null) return true;
    if (this.best !== undefined) restoreWeights(this.model, this.best);
    this.emit({ kind: 'stopped', epoch: this.state.epochsDone, reason: `nothing to resume: ${this.state.finished}` });
    return false;
  }

  /** Pulls the epoch's batches one at a time and takes an Adam step on each (skipping those a resumed epoch already trained on). */
  private async trainEpoch(epoch: number, variables: tf.Variable[], started: number): Promise<EpochSteps> {
    const skip = this.state.stepInEpoch;
    let step = 0;
    let lossSum = this.state.partialLossSum;
    let images = this.state.partialImages;
    let imagesTimed = 0;
    let inputWait = 0;
    let stepsRun = 0;
    const iterator = toAsyncIterable((demand) => this.setup.trainBatches(epoch, demand));
    try {
      while (!this.cancellation.cancelled) {
        const asked = performance.now();
        const next = await this.cancellation.next(iterator);
        const waited = (performance.now() - asked) / 1000;
        if (next === 'cancelled' || next.done === true) break;
        const batch = next.value;
        step += 1;
        if (step <= skip) continue;
        inputWait += waited;
        stepsRun += 1;
        const loss = await this.trainStep(batch, variables);
        if (!Number.isFinite(loss)) this.diverged(epoch, step, loss);
        const n = batch.shape[0];
        lossSum += loss * n;
        images += n;
        imagesTimed += n;
        const seconds = (performance.now() - started) / 1000;
        this.emit({
          kind: 'step',
          epoch,
          step,
          stepsPerEpoch: this.state.stepsPerEpoch ?? undefined,
          loss,
          imagesPerSecond: seconds > 0 ? imagesTimed / seconds : 0,
          inputWaitSeconds: waited,
        });
        await yieldToEventLoop();
      }
    } finally {
      await iterator.return?.();
    }
    return { step, lossSum, images, imagesTimed, stepsRun, inputWait };
  }

  /** One Adam step on the class-weighted loss of a batch; its loss. */
  private async trainStep(batch: Batch, variables: tf.Variable[]): Promise<number> {
    const { classWeights, labelSmoothing } = this.setup;
    checkBatchShape('train', this.model, batch);
    const { x, y } = batchToTensors(batch);
    let cost: tf.Scalar | null;
    try {
      cost = this.optimizer.minimize(
        () => tf.tidy(() => weightedBinaryCrossEntropy(y, this.model.apply(x, { training: true }) as tf.Tensor, classWeights, labelSmoothing)),
        true,
        variables,
      );
    } finally {
      tf.dispose([x, y]);
    }
    const loss = (await (cost as tf.Scalar).data())[0] as number;
    (cost as tf.Scalar).dispose();
    return loss;
  }

  /** A NaN or infinite loss: the best weights back, a `stopped` event, and a usage error (the checkpoints stay the last good ones). */
  private diverged(epoch: number, step: number, loss: number): never {
    const checkpointDir = this.setup.checkpointDir;
    const where = checkpointDir === undefined ? '' : ` The last good checkpoint is in ${lastDir(checkpointDir)}.`;
    const message = `Training stopped at epoch ${epoch}, step ${step}: the loss became ${loss} (diverged). Lower the learning rate or check the input data.${where}`;
    this.stopped(epoch, message);
    throw new UsageError(message);
  }

  /** A cancel during the epoch: `last/` records the steps done, so a resume skips them. */
  private async saveCancelled(epoch: number, steps: EpochSteps): Promise<void> {
    const checkpointDir = this.setup.checkpointDir;
    const step = steps.step;
    this.state = { ...this.state, stepInEpoch: Math.max(step, this.state.stepInEpoch), partialLossSum: steps.lossSum, partialImages: steps.images, augmentCalls: augmentationState(this.model) };
    await this.saveLast();
    this.emit({
      kind: 'stopped',
      epoch,
      reason:
        checkpointDir === undefined
          ? `cancelled at epoch ${epoch}, step ${step}`
          : `cancelled at epoch ${epoch}, step ${step}; checkpoint written to ${lastDir(checkpointDir)} (resume to continue)`,
    });
  }

  /** Runs the validation batches through the model (inference mode): loss, accuracy at 0.5 and AUC. */
  private async validateEpoch(): Promise<EpochValidation> {
    const none: EpochValidation = { valLoss: undefined, valAccuracy: undefined, valAuc: undefined };
    if (this.setup.valBatches === undefined) return none;
    const logits: number[] = [];
    const labels: number[] = [];
    for await (const batch of toAsyncIterable(this.setup.valBatches)) {
      checkBatchShape('train (validation)', this.model, batch);
      const out = tf.tidy(() => tf.reshape(this.model.apply(batchImages(batch), { training: false }) as tf.Tensor, [-1]));
      const values = await out.data();
      out.dispose();
      for (let i = 0; i < values.length; i += 1) {
        logits.push(values[i] as number);
        labels.push(batch.y[i] as number);
      }
    }
    // An empty validation stream leaves the metrics undefined (the training loss is watched instead).
    if (logits.length === 0) return none;
    const m = validationMetrics(logits, labels);
    return { valLoss: m.loss, valAccuracy: m.accuracy, valAuc: m.auc };
  }

  /**
   * The end of an epoch: the schedule's step (see {@link scheduleAfterEpoch}), `best/` when it
   * improved, the next learning rate, `last/`, the `epoch` event, and the end of the run when the
   * schedule stops early or this was the last epoch. True when the run ends here.
   */
  private async finishEpoch(epoch: number, steps: EpochSteps, validation: EpochValidation, started: number, trainSeconds: number): Promise<boolean> {
    const { checkpointDir } = this.setup;
    const { valLoss, valAuc } = validation;
    const trainLoss = steps.images > 0 ? steps.lossSum / steps.images : NaN;
    const usedLearningRate = this.state.learningRate;
    const next = scheduleAfterEpoch(this.setup.schedule, this.state, { epoch, monitored: valAuc ?? -(valLoss ?? trainLoss) });
    if (next.improved) {
      this.best = snapshotWeights(this.model);
      if (checkpointDir !== undefined) await writeBestCheckpoint(checkpointDir, this.model, { ...this.setup.metadata, epoch, valAuc: valAuc ?? null, valLoss: valLoss ?? null });
    }
    this.optimizer.rate = next.state.learningRate;
    const describeBest = `best ${valAuc === undefined ? 'loss' : 'validation AUC'} ${
      next.state.best === null ? 'n/a' : (valAuc === undefined ? -next.state.best : next.state.best).toFixed(4)
    } at epoch ${next.state.bestEpoch}`;
    // Only an early stop ends a run for good; after the last epoch, resuming with more epochs goes on.
    const finished = next.earlyStop ? `early stopping after epoch ${epoch}: no improvement for ${next.state.wait} epochs (${describeBest}; best weights restored)` : null;
    this.state = {
      ...this.state,
      epochsDone: epoch,
      stepInEpoch: 0,
      partialLossSum: 0,
      partialImages: 0,
      ...next.state,
      stepsPerEpoch: this.state.stepsPerEpoch ?? steps.step,
      finished,
      augmentCalls: augmentationState(this.model),
    };
    await this.saveLast();
    this.emit({
      kind: 'epoch',
      epoch,
      loss: trainLoss,
      ...validation,
      learningRate: usedLearningRate,
      imagesPerSecond: trainSeconds > 0 ? steps.imagesTimed / trainSeconds : 0,
      seconds: (performance.now() - started) / 1000,
      inputWaitSeconds: steps.inputWait,
      trainSeconds,
      steps: steps.stepsRun,
      improved: next.improved,
    });
    const ending = finished ?? (epoch === this.setup.epochs ? `completed ${epoch} epochs (${describeBest}; best weights restored)` : null);
    if (ending !== null) {
      this.stopped(epoch, checkpointDir === undefined ? ending : `${ending}; best model in ${bestDir(checkpointDir)}`);
      return true;
    }
    if (this.cancellation.cancelled) {
      this.emit({ kind: 'stopped', epoch, reason: `cancelled after epoch ${epoch}; checkpoint written (resume to continue)` });
      return true;
    }
    return false;
  }

  /** Writes `last/` (when there is a checkpoint folder). */
  private async saveLast(): Promise<void> {
    if (this.setup.checkpointDir !== undefined) await writeLastCheckpoint(this.setup.checkpointDir, this.model, this.optimizer, this.state, this.setup.metadata);
  }

  /** The end of the run: the best weights back into the model, and the `stopped` event. */
  private stopped(epoch: number, reason: string): void {
    if (this.best !== undefined) restoreWeights(this.model, this.best);
    this.emit({ kind: 'stopped', epoch, reason });
  }
}

/**
 * Trains a one-logit model on batches and reports progress as events.
 *
 * Each epoch subscribes to `trainBatches(epoch, demand)` and pulls one batch at a time (through
 * `toAsyncIterable`, whose `demand` a `prefetch` upstream takes so that it never decodes more than its bound ahead), takes
 * one Adam step per batch on the class-weighted binary cross-entropy from logits, and emits a
 * `step` event. After the epoch it runs `valBatches()` (validation loss, accuracy at 0.5, AUC),
 * emits an `epoch` event, and:
 * - when the validation AUC improved, keeps a copy of the weights and writes `<checkpointDir>/best`
 *   (a model folder, metadata + `{ epoch, valAuc }`);
 * - after `reduceLrPatience` epochs without improvement, multiplies the learning rate by
 *   `reduceLrFactor` (not below `minLearningRate`);
 * - after `patience` epochs without improvement, stops early;
 * - writes `<checkpointDir>/last` (model, optimizer slots and Adam's running products, epoch, step,
 *   schedule, augmentation and dropout draw counters); the `last` it replaces is kept as `previous`.
 * At the end (all epochs, or early stop) the best weights are put back into the model and a
 * `stopped` event says why; then the Observable completes.
 *
 * Everything the rest of a run depends on is checkpointed: the weights, the optimizer's slots and
 * exact running products, the position in the epoch (the epoch's order comes from `trainBatches(epoch)`;
 * the batches already trained on are skipped), the learning-rate schedule, and the draw counters of
 * the model's augmentation and seeded dropout layers. So stopping anywhere and resuming gives the
 * same weights, byte for byte, as the uninterrupted run.
 *
 * Cancellation: abort `signal` (the app does it on Ctrl-C): training stops after the current
 * step, writes `<checkpointDir>/last` (including the step reached, so `resume` skips the batches
 * already trained on), emits `stopped` and completes. Unsubscribing does the same but
 * without the event, and the checkpoint write finishes in the background — prefer the signal when
 * the process is about to exit. `resume: true` continues from `last/` (or `previous/`, see `resumeFrom`).
 *
 * A NaN or infinite loss stops training: the model gets its best weights back, the checkpoints
 * are left as they were (the last good ones), a `stopped` event says what happened, and the
 * Observable errors with a `CXR_USAGE` error carrying the same sentence.
 *
 * The Optimizer is created per subscription and disposed at the end; the number of live tensors
 * after training equals the number before, and after each epoch it is back at its level (no batch
 * of a finished epoch stays reachable).
 *
 * @example
 * ```ts
 * const events$ = train({
 *   model,
 *   trainBatches: (epoch, demand) => records$.pipe(loadBatches({ decode, size: 32, seed: deriveSeed(seed, 'shuffle'), epoch, demand })),
 *   valBatches: (demand) => valRecords$.pipe(loadBatches({ decode, size: 64, demand })),
 *   epochs: 20,
 *   classWeights: classWeights(counts),
 *   checkpointDir: 'runs/x/checkpoints',
 *   signal: controller.signal,
 * });
 * events$.subscribe((e) => console.log(e));
 * ```
 * @throws TypeError / RangeError at creation for invalid options (defaults in {@link DEFAULT_TRAINING}; class weights `[1, 1]`).
 * The stream errors with a `CXR_USAGE` error when `resume` finds no checkpoint or a damaged one, a batch
 * does not fit the model's input, or the loss diverges.
 */
export function train(options: TrainOptions): Observable<TrainEvent> {
  validate(options);
  const setup = setupOf(options);
  return new Observable<TrainEvent>((subscriber) => {
    let unsubscribed = false;
    const cancellation = new Cancellation();
    const onAbort = (): void => cancellation.cancel();
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted === true) cancellation.cancel();
    const emit = (event: TrainEvent): void => {
      if (!unsubscribed) subscriber.next(event);
    };
    new TrainingRun(setup, cancellation, emit).run().then(
      () => {
        if (!unsubscribed) subscriber.complete();
      },
      (error: unknown) => {
        if (!unsubscribed) subscriber.error(error);
      },
    );
    return () => {
      unsubscribed = true;
      cancellation.cancel();
      options.signal?.removeEventListener('abort', onAbort);
    };
  });
}
