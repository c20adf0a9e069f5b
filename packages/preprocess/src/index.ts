export type { Batch } from './lib/types.js';
export { createRng, deriveSeed, seededPermutation, type Rng } from './lib/seeded-random.js';
export { classWeights, outputBiasInit, type LabelCounts, type LabelWeights } from './lib/class-weights.js';
export { batch, toBatch, type BatchOptions } from './lib/batch.js';
export { shuffle, type ShuffleOptions } from './lib/shuffle.js';
export { prefetch, type PrefetchOptions } from './lib/prefetch.js';
export type { Demand } from './lib/demand.js';
export { toAsyncIterable } from './lib/to-async-iterable.js';
export {
  AUGMENT_DEFAULTS,
  AUGMENT_NONE,
  AUGMENT_RANGES,
  augmentImage,
  resolveAugmentOptions,
  augmentImages,
  cropImages,
  cropMatrix,
  drawAugmentParams,
  flipImage,
  flipImages,
  gammaImages,
  intensityImages,
  rescaleImages,
  rotateImage,
  rotateImages,
  rotationMatrix,
  shiftImages,
  shiftMatrix,
  standardizeImage,
  standardizeImages,
  zoomImage,
  zoomImages,
  zoomMatrix,
  type AugmentOptions,
  type AugmentParams,
  type FillMode,
  type IntensityParams,
} from './lib/image-ops.js';
export {
  previewAugmentation,
  RandomAugmentLayer,
  randomCropLayer,
  RandomCropLayer,
  randomFlipLayer,
  RandomFlipLayer,
  randomGammaLayer,
  RandomGammaLayer,
  randomIntensityLayer,
  RandomIntensityLayer,
  randomRotationLayer,
  RandomRotationLayer,
  randomShiftLayer,
  RandomShiftLayer,
  randomZoomLayer,
  RandomZoomLayer,
  rescaleLayer,
  RescaleLayer,
  standardizeLayer,
  StandardizeLayer,
  type AugmentationPreview,
  type RandomCropLayerArgs,
  type RandomFlipLayerArgs,
  type RandomGammaLayerArgs,
  type RandomIntensityLayerArgs,
  type RandomLayerArgs,
  type RandomRotationLayerArgs,
  type RandomShiftLayerArgs,
  type RandomZoomLayerArgs,
  type RescaleLayerArgs,
  type StandardizeLayerArgs,
} from './lib/preprocessing-layers.js';
export { standardizeBatches, type StandardizeBatchesOptions } from './lib/standardize-batches.js';
export { augmentBatches, type AugmentBatchesOptions } from './lib/augment-batches.js';
export {
  resplit,
  resplitRecords,
  type ResplitOptions,
  type ResplitReport,
  type ResplitStageOptions,
  type SplitCounts,
} from './lib/resplit.js';
export { cacheSamples, type SampleCacheOptions } from './lib/cache-samples.js';
export {
  openSampleCache,
  type OpenSampleCacheOptions,
  type SampleCache,
  type SampleCacheCleared,
  type SampleCacheInfo,
} from './lib/open-sample-cache.js';
export { fillSampleCache, type CacheFillEvent, type FillSampleCacheOptions } from './lib/fill-sample-cache.js';
export { loadBatches, type LoadBatchesOptions } from './lib/load-batches.js';
export { kfoldRecords, type KfoldOptions } from './lib/kfold-records.js';
