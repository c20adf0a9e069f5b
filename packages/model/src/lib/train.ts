import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { toAsyncIterable, type Batch, type Demand } from '@cxr/preprocess';
import { Observable } from 'rxjs';
import { rocAuc } from './roc-auc.js';
import { augmentationState, restoreAugmentationState } from './internal/augmentation-state.js';
import { batchImages, batchToTensors, checkBatchShape } from './internal/batch-tensors.js';
import { bestDir, lastDir, readBestWeights, readResumePoint, writeBestCheckpoint, writeLastCheckpoint, type ResumePoint, type TrainState } from './internal/checkpoint.js';
import { restoreAdamPowers } from './internal/optimizer-powers.js';
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
  const model = options.model;
  const classWeights = options.classWeights ?? ([1, 1] as const);
  const labelSmoothing = options.labelSmoothing ?? DEFAULT_TRAINING.labelSmoothing;
  const schedule = options.schedule ?? DEFAULT_TRAINING.schedule;
  const initialRate = options.learningRate ?? DEFAULT_TRAINING.learningRate;
  const cosineRate = (epoch: number): number => minLearningRate + ((initialRate - minLearningRate) * (1 + Math.cos((Math.PI * (epoch - 1)) / options.epochs))) / 2;
  const patience = options.patience ?? DEFAULT_TRAINING.patience;
  const reduceLrPatience = options.reduceLrPatience ?? DEFAULT_TRAINING.reduceLrPatience;
  const reduceLrFactor = options.reduceLrFactor ?? DEFAULT_TRAINING.reduceLrFactor;
  const minLearningRate = options.minLearningRate ?? DEFAULT_TRAINING.minLearningRate;
  const checkpointDir = options.checkpointDir;
  const metadata = options.metadata === undefined ? undefined : modelMetadataJson(options.metadata, 'train');

  return new Observable<TrainEvent>((subscriber) => {
    let cancelled = false;
    let unsubscribed = false;
    // The wait for the current batch, woken at once by a cancel. It is made per step and dropped
    // when the step's batch arrives: racing every step against one long-lived "cancelled" promise
    // would leave a reaction per step on it, and with each reaction the settled race, its batch and
    // that batch's pixels, for the whole run (memory growing by an epoch of batches per epoch).
    let wake: (() => void) | undefined;
    const cancel = (): void => {
      cancelled = true;
      wake?.();
    };
    const nextOrCancel = <T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T> | 'cancelled'> => {
      if (cancelled) return Promise.resolve('cancelled');
      return new Promise((resolve, reject) => {
        const mine = (): void => resolve('cancelled');
        wake = mine;
        const done = (): void => {
          if (wake === mine) wake = undefined;
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
    };
    const onAbort = (): void => cancel();
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted === true) cancel();

    const emit = (event: TrainEvent): void => {
      if (!unsubscribed) subscriber.next(event);
    };

    const run = async (): Promise<void> => {
      const optimizer = tf.train.adam(initialRate);
      let best: WeightsSnapshot | undefined;
      try {
        let state: TrainState = {
          version: 1,
          epochsDone: 0,
          stepInEpoch: 0,
          partialLossSum: 0,
          partialImages: 0,
          learningRate: initialRate,
          best: null,
          bestEpoch: 0,
          wait: 0,
          plateau: 0,
          stepsPerEpoch: options.stepsPerEpoch ?? null,
          finished: null,
          augmentCalls: augmentationState(model),
        };
        if (options.resume === true && checkpointDir !== undefined) {
          const loaded = await readResumePoint(checkpointDir, options.resumeFrom ?? 'last');
          try {
            assignWeightsInOrder(model, loaded.weights, lastDir(checkpointDir));
            await optimizer.setWeights(loaded.optimizerWeights);
            // setWeights recomputes Adam's running products with pow(), an ulp away from the products of the run it continues.
            restoreAdamPowers(optimizer, loaded.adamPowers);
          } finally {
            tf.dispose(loaded.weights);
            tf.dispose(loaded.optimizerWeights.map((w) => w.tensor));
          }
          state = loaded.state;
          restoreAugmentationState(model, state.augmentCalls);
          const bestWeights = await readBestWeights(checkpointDir);
          if (bestWeights !== undefined) {
            try {
              best = {
                values: bestWeights.map((t) => ({ shape: [...t.shape], dtype: t.dtype, data: (t.dataSync() as Float32Array).slice() })),
              };
            } finally {
              tf.dispose(bestWeights);
            }
          }
          if (state.finished !== null) {
            if (best !== undefined) restoreWeights(model, best);
            emit({ kind: 'stopped', epoch: state.epochsDone, reason: `nothing to resume: ${state.finished}` });
            return;
          }
        }
        (optimizer as unknown as { learningRate: number }).learningRate = state.learningRate;
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);

        const saveLast = async (s: TrainState): Promise<void> => {
          if (checkpointDir !== undefined) await writeLastCheckpoint(checkpointDir, model, optimizer, s, metadata);
        };
        const stopped = (epoch: number, reason: string): void => {
          if (best !== undefined) restoreWeights(model, best);
          emit({ kind: 'stopped', epoch, reason });
        };

        for (let epoch = state.epochsDone + 1; epoch <= options.epochs; epoch += 1) {
          const started = performance.now();
          const skip = state.stepInEpoch;
          let step = 0;
          let lossSum = state.partialLossSum;
          let images = state.partialImages;
          let imagesTimed = 0;
          let inputWait = 0;
          let stepsRun = 0;
          const iterator = toAsyncIterable((demand) => options.trainBatches(epoch, demand));
          try {
            while (!cancelled) {
              const asked = performance.now();
              const next = await nextOrCancel(iterator);
              const waited = (performance.now() - asked) / 1000;
              if (next === 'cancelled' || next.done === true) break;
              const batch = next.value;
              step += 1;
              if (step <= skip) continue;
              inputWait += waited;
              stepsRun += 1;
              checkBatchShape('train', model, batch);
              const { x, y } = batchToTensors(batch);
              let cost: tf.Scalar | null;
              try {
                cost = optimizer.minimize(
                  () => tf.tidy(() => weightedBinaryCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor, classWeights, labelSmoothing)),
                  true,
                  variables,
                );
              } finally {
                tf.dispose([x, y]);
              }
              const loss = (await (cost as tf.Scalar).data())[0] as number;
              (cost as tf.Scalar).dispose();
              const n = batch.shape[0];
              if (!Number.isFinite(loss)) {
                const where = checkpointDir === undefined ? '' : ` The last good checkpoint is in ${lastDir(checkpointDir)}.`;
                const message = `Training stopped at epoch ${epoch}, step ${step}: the loss became ${loss} (diverged). Lower the learning rate or check the input data.${where}`;
                stopped(epoch, message);
                throw new UsageError(message);
              }
              lossSum += loss * n;
              images += n;
              imagesTimed += n;
              const seconds = (performance.now() - started) / 1000;
              emit({
                kind: 'step',
                epoch,
                step,
                stepsPerEpoch: state.stepsPerEpoch ?? undefined,
                loss,
                imagesPerSecond: seconds > 0 ? imagesTimed / seconds : 0,
                inputWaitSeconds: waited,
              });
              await yieldToEventLoop();
            }
          } finally {
            await iterator.return?.();
          }
          if (cancelled) {
            state = { ...state, stepInEpoch: Math.max(step, skip), partialLossSum: lossSum, partialImages: images, augmentCalls: augmentationState(model) };
            await saveLast(state);
            emit({
              kind: 'stopped',
              epoch,
              reason:
                checkpointDir === undefined
                  ? `cancelled at epoch ${epoch}, step ${step}`
                  : `cancelled at epoch ${epoch}, step ${step}; checkpoint written to ${lastDir(checkpointDir)} (resume to continue)`,
            });
            return;
          }
          const trainSeconds = (performance.now() - started) / 1000;
          const trainLoss = images > 0 ? lossSum / images : NaN;
          const stepsPerEpoch = state.stepsPerEpoch ?? step;

          let valLoss: number | undefined;
          let valAccuracy: number | undefined;
          let valAuc: number | undefined;
          if (options.valBatches !== undefined) {
            const logits: number[] = [];
            const labels: number[] = [];
            for await (const batch of toAsyncIterable(options.valBatches)) {
              checkBatchShape('train (validation)', model, batch);
              const out = tf.tidy(() => {
                return tf.reshape(model.apply(batchImages(batch), { training: false }) as tf.Tensor, [-1]);
              });
              const values = await out.data();
              out.dispose();
              for (let i = 0; i < values.length; i += 1) {
                logits.push(values[i] as number);
                labels.push(batch.y[i] as number);
              }
            }
            if (logits.length > 0) {
              // An empty validation stream leaves the metrics undefined (the training loss is watched instead).
              const m = validationMetrics(logits, labels);
              valLoss = m.loss;
              valAccuracy = m.accuracy;
              valAuc = m.auc;
            }
          }
          const monitored = valAuc ?? -(valLoss ?? trainLoss);
          const improved = Number.isFinite(monitored) && (state.best === null || monitored > state.best);
          const usedLearningRate = state.learningRate;
          let learningRate = state.learningRate;
          let wait = state.wait + 1;
          let plateau = state.plateau + 1;
          if (improved) {
            wait = 0;
            plateau = 0;
            best = snapshotWeights(model);
            if (checkpointDir !== undefined) {
              await writeBestCheckpoint(checkpointDir, model, { ...metadata, epoch, valAuc: valAuc ?? null, valLoss: valLoss ?? null });
            }
          } else if (schedule === 'plateau' && plateau >= reduceLrPatience) {
            learningRate = Math.max(minLearningRate, learningRate * reduceLrFactor);
            plateau = 0;
          }
          if (schedule === 'cosine') learningRate = cosineRate(epoch + 1);
          (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
          const earlyStop = wait >= patience;
          const last = epoch === options.epochs;
          const bestEpoch = improved ? epoch : state.bestEpoch;
          const bestValue = improved ? monitored : state.best;
          const describeBest = `best ${valAuc === undefined ? 'loss' : 'validation AUC'} ${
            bestValue === null ? 'n/a' : (valAuc === undefined ? -bestValue : bestValue).toFixed(4)
          } at epoch ${bestEpoch}`;
          // Only an early stop ends a run for good; after the last epoch, resuming with more epochs goes on.
          const finished = earlyStop ? `early stopping after epoch ${epoch}: no improvement for ${wait} epochs (${describeBest}; best weights restored)` : null;
          state = {
            ...state,
            epochsDone: epoch,
            stepInEpoch: 0,
            partialLossSum: 0,
            partialImages: 0,
            learningRate,
            best: bestValue,
            bestEpoch,
            wait,
            plateau,
            stepsPerEpoch,
            finished,
            augmentCalls: augmentationState(model),
          };
          await saveLast(state);
          emit({
            kind: 'epoch',
            epoch,
            loss: trainLoss,
            valLoss,
            valAccuracy,
            valAuc,
            learningRate: usedLearningRate,
            imagesPerSecond: trainSeconds > 0 ? imagesTimed / trainSeconds : 0,
            seconds: (performance.now() - started) / 1000,
            inputWaitSeconds: inputWait,
            trainSeconds,
            steps: stepsRun,
            improved,
          });
          const ending = finished ?? (last ? `completed ${epoch} epochs (${describeBest}; best weights restored)` : null);
          if (ending !== null) {
            stopped(epoch, checkpointDir === undefined ? ending : `${ending}; best model in ${bestDir(checkpointDir)}`);
            return;
          }
          if (cancelled) {
            emit({ kind: 'stopped', epoch, reason: `cancelled after epoch ${epoch}; checkpoint written (resume to continue)` });
            return;
          }
        }
        // Resumed with nothing left to do (the epochs were already reached).
        stopped(state.epochsDone, `nothing to resume: ${state.epochsDone} of ${options.epochs} epochs already done`);
      } finally {
        optimizer.dispose();
      }
    };

    run().then(
      () => {
        if (!unsubscribed) subscriber.complete();
      },
      (error: unknown) => {
        if (!unsubscribed) subscriber.error(error);
      },
    );

    return () => {
      unsubscribed = true;
      cancel();
      options.signal?.removeEventListener('abort', onAbort);
    };
  });
}
