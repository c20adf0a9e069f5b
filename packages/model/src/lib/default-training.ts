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
  readonly augment: { readonly flip: boolean; readonly rotationDegrees: number; readonly zoom: number };
  readonly compact: CompactCnnShape;
  /** Share of the pooled train+val images held out for validation. */
  readonly valFraction: number;
}

/**
 * Defaults chosen so that training the compact CNN on the shared chest X-ray data (train+val
 * pooled and re-split 80/20, test untouched) on a 2-core CPU with the WASM backend reaches a
 * test AUC >= 0.97 within about 25 minutes (figures in packages/model/README.md; checked with
 * `packages/model/scripts/quality.ts`).
 */
export const DEFAULT_TRAINING: TrainingDefaults = Object.freeze({
  architecture: 'compact-cnn',
  imageSize: 128,
  batchSize: 32,
  epochs: 12,
  learningRate: 1e-3,
  patience: 4,
  reduceLrPatience: 2,
  reduceLrFactor: 0.5,
  minLearningRate: 1e-5,
  augment: Object.freeze({ flip: true, rotationDegrees: 10, zoom: 0.1 }),
  compact: COMPACT_CNN_DEFAULTS,
  valFraction: 0.2,
});
