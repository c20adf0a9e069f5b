export type { ClassWeights, Prediction, TrainEvent } from './lib/types.js';
export { ARCHITECTURES, buildModel, COMPACT_CNN_DEFAULTS, type Architecture, type BuildModelOptions, type CompactCnnShape } from './lib/build-model.js';
export { loadWeightsFrom, type WeightTransfer } from './lib/load-weights-from.js';
export { weightedBinaryCrossEntropy } from './lib/weighted-binary-cross-entropy.js';
export { train, type TrainOptions } from './lib/train.js';
export { predict, type PredictOptions } from './lib/predict.js';
export { rocAuc } from './lib/roc-auc.js';
export { saveModel, updateModelMetadata } from './lib/save-model.js';
export { loadModel, modelInputSize } from './lib/load-model.js';
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
export { DEFAULT_TRAINING, type TrainingDefaults } from './lib/default-training.js';
export { initBackend } from './lib/backend/init-backend.js';
export { BACKEND_NAMES, type BackendChoice, type BackendName, type BackendRequest, type InitBackendOptions } from './lib/backend/backend-types.js';
export { doctor, formatDoctor, type DoctorBackend, type DoctorReport } from './lib/backend/doctor.js';
export type { CudaReport } from './lib/backend/cuda-probe.js';
export type { NativeBindingReport } from './lib/backend/native-probe.js';
export { inspectCheckpoint, type CheckpointStatus, type ResumePoint } from './lib/internal/checkpoint.js';
