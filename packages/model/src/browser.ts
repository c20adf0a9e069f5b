// The browser-safe part of @cxr/model (no Node module): the custom layers of its architectures,
// registered with tfjs on import (with those of @cxr/preprocess), so a model saved by cxr train loads
// in a page with tfjs's own loaders, and the saved model's metadata: its schema, reader and settings.
import '@cxr/preprocess/browser';

export { CxrConv2D } from './lib/internal/architectures/cxr-conv.js';
export { ScaledSum } from './lib/internal/architectures/scaled-sum.js';
export { SeededDropout } from './lib/internal/architectures/seeded-dropout.js';
export {
  DEFAULT_CLASS_NAMES,
  modelMetadataJson,
  modelSettings,
  parseModelMetadata,
  type DecodeFit,
  type ModelMetadata,
  type ModelSettings,
  type ModelSettingsOptions,
  type ParseModelMetadataOptions,
  type StoredCalibration,
  type StoredCheckpointPosition,
  type StoredDecodeSettings,
  type StoredThresholdChoice,
} from './lib/model-metadata.js';
