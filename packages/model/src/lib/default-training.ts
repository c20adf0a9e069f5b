import { AUGMENT_DEFAULTS, type AugmentOptions } from '@cxr/preprocess';
import { COMPACT_CNN_DEFAULTS, type Architecture, type CompactCnnShape } from './build-model.js';

/** The training settings, with their defaults in {@link DEFAULT_TRAINING}. */
export interface TrainingDefaults {
  readonly architecture: Architecture;
  readonly imageSize: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly patience: number;
  readonly reduceLrPatience: number;
  readonly reduceLrFactor: number;
  readonly minLearningRate: number;
  readonly augment: Readonly<AugmentOptions>;
  readonly compact: CompactCnnShape;
  /** Share of the pooled train+val images held out for validation. */
  readonly valFraction: number;
  /** Label smoothing of the loss, in [0, 0.5). */
  readonly labelSmoothing: number;
  /** Learning-rate schedule of `train`: reduce on plateau, or cosine decay over the epochs. */
  readonly schedule: 'plateau' | 'cosine';
}

/**
 * The training defaults, the one place they are set: what `cxr train` uses unless told otherwise,
 * and what {@link train} falls back on for each option it is not given. The compact CNN at 128 px
 * (stride-2 stem, 16-256 filters, about 0.4 M parameters), batch 32, Adam from 1e-3 on a cosine
 * schedule over 12 epochs (no early stop; the weights of the epoch with the best validation AUC
 * are kept), and augmentation for X-rays from other hospitals: flip, rotation up to 10 degrees,
 * a random square crop keeping 65-100 % of the side (other hospitals frame the chest more tightly:
 * in the shared data the training NORMAL images show more of the body than the PNEUMONIA ones, a
 * shortcut the crop takes away), zoom up to 10 %, shift up to 5 %, gamma 1/1.3-1.3, and, after
 * standardization, contrast up to 20 %, brightness up to 0.2 and noise up to 0.05 standard
 * deviations; 20 % of train+val held out for validation. The cosine schedule ends at 1e-5; a config
 * file's `schedule: 'plateau'` halves the rate after 2 epochs without a better validation AUC, down
 * to 1e-5; `patience` (early stopping) is off (`Infinity`). No label smoothing.
 *
 * Chosen by measurement on the external set (`bench/quality`: ablate.ts, summarize.ts, run.ts and
 * the ablation table in bench/quality/RESULTS.md); one run takes about 15 minutes on 2 cores.
 *
 * @example
 * ```ts
 * const model = buildModel({ architecture: DEFAULT_TRAINING.architecture, imageSize: DEFAULT_TRAINING.imageSize, seed, augment: DEFAULT_TRAINING.augment, compact: DEFAULT_TRAINING.compact });
 * ```
 */
export const DEFAULT_TRAINING: TrainingDefaults = Object.freeze({
  architecture: 'compact-cnn',
  imageSize: 128,
  batchSize: 32,
  epochs: 12,
  learningRate: 1e-3,
  patience: Infinity,
  reduceLrPatience: 2,
  reduceLrFactor: 0.5,
  minLearningRate: 1e-5,
  // The augmentation layers' own defaults (flip, rotation 10 degrees, zoom 10 %), and the rest of the recipe switched on.
  augment: Object.freeze({ ...AUGMENT_DEFAULTS, crop: 0.35, shift: 0.05, gamma: 0.3, contrast: 0.2, brightness: 0.2, noise: 0.05 }),
  compact: COMPACT_CNN_DEFAULTS,
  valFraction: 0.2,
  labelSmoothing: 0,
  schedule: 'cosine',
});
