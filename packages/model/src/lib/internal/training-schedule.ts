/**
 * The learning-rate schedule and early stopping of `train`, as a pure function of the schedule's
 * state and the epoch's result: no tensors, no clock, no I/O. `train` calls it once per epoch,
 * checkpoints the state it returns (a resumed run goes on from there), and acts on the decision.
 */

/** The settings of the schedule (the defaults are filled in by `train`). */
export interface ScheduleSettings {
  /** `'plateau'`: cut the rate after `reduceLrPatience` epochs without improvement; `'cosine'`: a fixed curve over the epochs. */
  readonly schedule: 'plateau' | 'cosine';
  /** Epochs of the run (the cosine curve spans them). */
  readonly epochs: number;
  /** The rate of the first epoch. */
  readonly learningRate: number;
  /** The rate never goes below it; the cosine curve ends there. */
  readonly minLearningRate: number;
  /** Epochs without improvement before a plateau cut. */
  readonly reduceLrPatience: number;
  /** Each plateau cut multiplies the rate by it, in (0, 1). */
  readonly reduceLrFactor: number;
  /** Epochs without improvement before stopping early; `Infinity`: never. */
  readonly patience: number;
}

/** Where the schedule stands after some epochs (part of the checkpointed training state). */
export interface ScheduleState {
  /** The rate of the next epoch. */
  readonly learningRate: number;
  /** Best monitored value so far (higher is better), or null before the first finite one. */
  readonly best: number | null;
  /** The epoch of `best` (0 before any). */
  readonly bestEpoch: number;
  /** Epochs since the best (early stopping counts these). */
  readonly wait: number;
  /** Epochs since the last improvement or plateau cut. */
  readonly plateau: number;
}

/** What an epoch gives the schedule. */
export interface EpochResult {
  /** The epoch just finished, numbered from 1. */
  readonly epoch: number;
  /** The value watched, higher is better (validation AUC, or minus a loss); NaN never improves. */
  readonly monitored: number;
}

/** The schedule after an epoch, and what the training loop does next. */
export interface ScheduleStep {
  readonly state: ScheduleState;
  /** The epoch's value is the best so far (the loop keeps these weights). */
  readonly improved: boolean;
  /** Patience ran out: the loop stops after this epoch. */
  readonly earlyStop: boolean;
}

/** The schedule before the first epoch: the initial rate, no best yet. */
export function startSchedule(settings: ScheduleSettings): ScheduleState {
  return { learningRate: settings.learningRate, best: null, bestEpoch: 0, wait: 0, plateau: 0 };
}

/**
 * The cosine schedule's rate for epoch `epoch` (from 1):
 * `minLearningRate + (learningRate - minLearningRate) * (1 + cos(pi * (epoch - 1) / epochs)) / 2`.
 */
export function cosineRate(settings: ScheduleSettings, epoch: number): number {
  const { learningRate, minLearningRate, epochs } = settings;
  return minLearningRate + ((learningRate - minLearningRate) * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs))) / 2;
}

/**
 * One epoch of the schedule: whether the epoch improved on the best value, the rate of the next
 * epoch, and whether patience ran out.
 *
 * - An epoch improves when its value is finite and above the best so far; that resets both counters.
 * - `plateau`: after `reduceLrPatience` epochs without improvement (counting from the last
 *   improvement or cut), the rate is multiplied by `reduceLrFactor`, never below `minLearningRate`.
 * - `cosine`: the next rate is {@link cosineRate} of the next epoch, whatever the value.
 * - Early stop when the epochs since the best reach `patience`.
 */
export function scheduleAfterEpoch(settings: ScheduleSettings, state: ScheduleState, result: EpochResult): ScheduleStep {
  const { monitored, epoch } = result;
  const improved = Number.isFinite(monitored) && (state.best === null || monitored > state.best);
  let learningRate = state.learningRate;
  let wait = state.wait + 1;
  let plateau = state.plateau + 1;
  if (improved) {
    wait = 0;
    plateau = 0;
  } else if (settings.schedule === 'plateau' && plateau >= settings.reduceLrPatience) {
    learningRate = Math.max(settings.minLearningRate, learningRate * settings.reduceLrFactor);
    plateau = 0;
  }
  if (settings.schedule === 'cosine') learningRate = cosineRate(settings, epoch + 1);
  return {
    state: {
      learningRate,
      best: improved ? monitored : state.best,
      bestEpoch: improved ? epoch : state.bestEpoch,
      wait,
      plateau,
    },
    improved,
    earlyStop: wait >= settings.patience,
  };
}
