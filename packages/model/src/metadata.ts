// The saved model's metadata alone, for code that must not load the rest of the package (a browser
// page: no Node modules, no training code). The same functions are exported from `@cxr/model`.
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
