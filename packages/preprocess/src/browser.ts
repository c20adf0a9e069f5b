// The browser-safe part of @cxr/preprocess: the model layers (registered with tfjs on import, so a
// saved model that uses them loads back), the image operations behind them and the seeded random
// numbers. No Node import here.
export { createRng, deriveSeed, seededPermutation, type Rng } from './lib/seeded-random.js';
export {
  RandomAugmentLayer,
  RandomCropLayer,
  RandomFlipLayer,
  RandomGammaLayer,
  RandomIntensityLayer,
  RandomRotationLayer,
  RandomShiftLayer,
  RandomZoomLayer,
  RescaleLayer,
  StandardizeLayer,
} from './lib/preprocessing-layers.js';
