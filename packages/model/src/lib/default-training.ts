import type { AugmentOptions } from '@cxr/preprocess';
import { COMPACT_CNN_DEFAULTS, type Architecture, type CompactCnnShape } from './build-model.js';

/** The settings `cxr train` uses by default (see {@link DEFAULT_TRAINING}). */
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
 * The training settings `cxr train` uses unless told otherwise: the compact CNN at 128 px
 * (stride-2 stem, 16-256 filters, about 0.4 M parameters), batch 32, Adam at 1e-3 halved after 2
 * epochs without a better validation AUC, early stop after 3, at most 6 epochs, augmentation by
 * flip, rotation up to 10 degrees and zoom up to 10 %, 20 % of train+val held out for validation.
 *
 * Chosen so that training on the shared chest X-ray data (train+val pooled and re-split 80/20 by
 * patient, test untouched) on a 2-core CPU with the WASM backend reaches a test AUC >= 0.97 in
 * at most about 25 minutes: one epoch takes about 150 s on a quiet 2-core machine (190
 * CPU-seconds; 3744 images, validation included), so 6 epochs take about 15 minutes, and one
 * epoch already gives a test AUC of 0.997 (8 epochs: 0.999). Figures and the command in
 * `packages/model/scripts/QUALITY.md` (made with `packages/model/scripts/quality.ts`).
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
  epochs: 6,
  learningRate: 1e-3,
  patience: 3,
  reduceLrPatience: 2,
  reduceLrFactor: 0.5,
  minLearningRate: 1e-5,
  augment: Object.freeze({ flip: true, rotationDegrees: 10, zoom: 0.1 }),
  compact: COMPACT_CNN_DEFAULTS,
  valFraction: 0.2,
  labelSmoothing: 0,
  schedule: 'plateau',
});
