export type * from './lib/types.js';
export { ARCHITECTURES, buildModel, COMPACT_CNN_DEFAULTS, type Architecture, type BuildModelOptions, type CompactCnnShape } from './lib/build-model.js';
export { loadWeightsFrom, type WeightTransfer } from './lib/load-weights-from.js';
export { validateClassWeights, weightedBinaryCrossEntropy } from './lib/weighted-binary-cross-entropy.js';
export { train, TRAIN_DEFAULTS, validationMetrics, type TrainOptions } from './lib/train.js';
export { predict, type PredictOptions } from './lib/predict.js';
export { saveModel } from './lib/save-model.js';
export { loadModel } from './lib/load-model.js';
export { DEFAULT_TRAINING, type TrainingDefaults } from './lib/default-training.js';
