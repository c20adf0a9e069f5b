import {
  deriveSeed,
  randomCropLayer,
  randomFlipLayer,
  randomGammaLayer,
  randomIntensityLayer,
  randomRotationLayer,
  randomShiftLayer,
  randomZoomLayer,
  resolveAugmentOptions,
  standardizeLayer,
  type AugmentOptions,
} from '@cxr/preprocess';
import * as tfl from '@tensorflow/tfjs-layers';
import { compactCnn, type CompactCnnShape } from './internal/architectures/compact-cnn.js';
import { inceptionResNetV2 } from './internal/architectures/inception-resnet-v2.js';
import { LayerFactory } from './internal/architectures/layer-factory.js';

export type { CompactCnnShape } from './internal/architectures/compact-cnn.js';

/** The networks {@link buildModel} can build. */
export const ARCHITECTURES = Object.freeze(['compact-cnn', 'inception-resnet-v2'] as const);
/** One of {@link ARCHITECTURES}. */
export type Architecture = (typeof ARCHITECTURES)[number];

/** Options of {@link buildModel}. */
export interface BuildModelOptions {
  /** Which network; default `'compact-cnn'`. */
  readonly architecture?: Architecture;
  /** Side of the square input images in pixels (>= 16; >= 75 for inception-resnet-v2). */
  readonly imageSize: number;
  /** Channels of the input images; default 1 (grey X-rays). */
  readonly channels?: number;
  /** Seed of the weight initializers and of the augmentation layers (any safe integer). */
  readonly seed: number;
  /** Augmentation layers to put in front (active in training only; unset fields take preprocess's AUGMENT_DEFAULTS); none when omitted or false. */
  readonly augment?: AugmentOptions | false;
  /** Initial bias of the output logit, e.g. `outputBiasInit(counts)` from preprocess; default 0. */
  readonly outputBias?: number;
  /** Shape of the compact CNN (see {@link COMPACT_CNN_DEFAULTS}); ignored by the other architectures. */
  readonly compact?: Partial<CompactCnnShape>;
}

/** The default shape of the compact CNN: 5 stages of 16-256 filters, one convolution each, a stride-2 stem. */
export const COMPACT_CNN_DEFAULTS: CompactCnnShape = Object.freeze({
  filters: Object.freeze([16, 32, 64, 128, 256]),
  convsPerStage: 1,
  stemStride: 2,
});

/** The options of {@link buildModel}, checked, with the defaults filled in. */
export type CheckedModelOptions = Required<Omit<BuildModelOptions, 'augment' | 'compact'>> & { augment: AugmentOptions | false; compact: CompactCnnShape };

/** A network from the standardized (and augmented) input to the one logit. */
export type NetworkBody = (x: tfl.SymbolicTensor, factory: LayerFactory, options: CheckedModelOptions) => tfl.SymbolicTensor;

const NETWORKS: Readonly<Record<Architecture, NetworkBody>> = {
  'compact-cnn': (x, factory, o) => compactCnn(x, factory, o.outputBias, o.compact),
  'inception-resnet-v2': (x, factory, o) => inceptionResNetV2(x, factory, o.outputBias),
};

/** Checks the options; `custom`: for a network of {@link buildModelWithNetwork} (the compact CNN's own size rule left out). */
function validate(options: BuildModelOptions, stage = 'buildModel', custom = false): CheckedModelOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${stage}: options must be an object`);
  const architecture = options.architecture ?? 'compact-cnn';
  if (!ARCHITECTURES.includes(architecture)) {
    throw new RangeError(`${stage}: architecture must be one of ${ARCHITECTURES.join(', ')}, got ${JSON.stringify(architecture)}`);
  }
  const min = architecture === 'inception-resnet-v2' ? 75 : 16;
  if (!Number.isInteger(options.imageSize) || options.imageSize < min || options.imageSize > 4096) {
    throw new RangeError(`${stage}: imageSize must be an integer from ${min} to 4096 for ${architecture}, got ${String(options.imageSize)}`);
  }
  const channels = options.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) throw new RangeError(`${stage}: channels must be an integer from 1 to 4, got ${String(channels)}`);
  if (!Number.isSafeInteger(options.seed)) throw new RangeError(`${stage}: seed must be a safe integer, got ${String(options.seed)}`);
  const outputBias = options.outputBias ?? 0;
  if (typeof outputBias !== 'number' || !Number.isFinite(outputBias)) throw new RangeError(`${stage}: outputBias must be a finite number, got ${String(outputBias)}`);
  const augment = options.augment ?? false;
  if (augment !== false && (typeof augment !== 'object' || augment === null)) throw new TypeError(`${stage}: augment must be an object or false, got ${typeof augment}`);
  const compact: CompactCnnShape = { ...COMPACT_CNN_DEFAULTS, ...(options.compact ?? {}) };
  if (!Array.isArray(compact.filters) || compact.filters.length < 1 || compact.filters.length > 8 || !compact.filters.every((f) => Number.isInteger(f) && f >= 1 && f <= 2048)) {
    throw new RangeError(`${stage}: compact.filters must be 1 to 8 integers from 1 to 2048, got ${JSON.stringify(compact.filters)}`);
  }
  if (!Number.isInteger(compact.convsPerStage) || compact.convsPerStage < 1 || compact.convsPerStage > 4) {
    throw new RangeError(`${stage}: compact.convsPerStage must be an integer from 1 to 4, got ${String(compact.convsPerStage)}`);
  }
  if (compact.stemStride !== 1 && compact.stemStride !== 2) throw new RangeError(`${stage}: compact.stemStride must be 1 or 2, got ${String(compact.stemStride)}`);
  if (compact.dropout !== undefined && !(typeof compact.dropout === 'number' && compact.dropout >= 0 && compact.dropout < 1)) {
    throw new RangeError(`${stage}: compact.dropout must be a number in [0, 1), got ${String(compact.dropout)}`);
  }
  const smallest = compact.stemStride * 2 ** (compact.filters.length - 1);
  if (architecture === 'compact-cnn' && !custom && options.imageSize < smallest) {
    throw new RangeError(`${stage}: imageSize ${options.imageSize} is too small for ${compact.filters.length} compact stages (at least ${smallest})`);
  }
  return { architecture, imageSize: options.imageSize, channels, seed: options.seed, outputBias, augment, compact };
}

/**
 * Builds an untrained classifier: input images (pixel values 0-255) go through the
 * augmentation layers of `@cxr/preprocess` (random flip, rotation in degrees, crop, zoom, shift, gamma;
 * active only in training), its per-image standardization layer, the random contrast/brightness/noise
 * layer (training only; after standardization, which would otherwise undo it), then the chosen network, which
 * ends in ONE LOGIT (a linear unit; apply a sigmoid for the probability of PNEUMONIA, as
 * {@link predict} does). The preprocessing layers are serializable, so a saved model
 * preprocesses exactly as in training.
 *
 * - `compact-cnn` (default, for CPU training): a conv 3x3 stem (stride 2), stages of conv 3x3 + batch
 *   norm + ReLU with max-pooling, global average pooling, one logit; about 0.4 M parameters with the defaults.
 * - `inception-resnet-v2`: the network of the original Keras notebook (keras.applications layout, 54.3 M parameters),
 *   for GPU users.
 *
 * The same options (seed included) build the same model with the same weights and layer names.
 * Fine-tuning from another model: {@link loadWeightsFrom}.
 *
 * @example
 * ```ts
 * const model = buildModel({ imageSize: 128, seed: deriveSeed(root, 'model'), augment: { flip: true, rotationDegrees: 10, zoom: 0.1 }, outputBias: outputBiasInit(counts) });
 * ```
 * @throws RangeError / TypeError for an unknown architecture, an image size too small for it, a bad seed or bias.
 */
export function buildModel(options: BuildModelOptions): tfl.LayersModel {
  const o = validate(options);
  return assembleModel(o, NETWORKS[o.architecture], `cxr_${o.architecture.replace(/-/g, '_')}`);
}

/**
 * A model with another network behind the input, augmentation and standardization layers of
 * {@link buildModel} (options checked as for `compact-cnn`, less its minimum image size): how the testing
 * entry point builds its small benchmark network. Not exported by the package.
 */
export function buildModelWithNetwork(options: Omit<BuildModelOptions, 'architecture' | 'compact'>, network: NetworkBody, name: string, stage: string): tfl.LayersModel {
  const o = validate({ ...options, architecture: 'compact-cnn' }, stage, true);
  return assembleModel(o, network, name);
}

/** The input and preprocessing layers, then the network, as one model. */
function assembleModel(o: CheckedModelOptions, network: NetworkBody, name: string): tfl.LayersModel {
  const input = tfl.input({ shape: [o.imageSize, o.imageSize, o.channels], name: 'image' });
  let x: tfl.SymbolicTensor = input;
  const a = o.augment === false ? undefined : resolveAugmentOptions('buildModel', o.augment);
  if (a !== undefined) {
    if (a.flip) x = randomFlipLayer({ name: 'augment_flip', seed: deriveSeed(o.seed, 'augment', 'flip') }).apply(x) as tfl.SymbolicTensor;
    if (a.rotationDegrees > 0) x = randomRotationLayer({ name: 'augment_rotation', seed: deriveSeed(o.seed, 'augment', 'rotation'), degrees: a.rotationDegrees }).apply(x) as tfl.SymbolicTensor;
    if (a.crop > 0) x = randomCropLayer({ name: 'augment_crop', seed: deriveSeed(o.seed, 'augment', 'crop'), crop: a.crop }).apply(x) as tfl.SymbolicTensor;
    if (a.zoom > 0) x = randomZoomLayer({ name: 'augment_zoom', seed: deriveSeed(o.seed, 'augment', 'zoom'), factor: a.zoom }).apply(x) as tfl.SymbolicTensor;
    if (a.shift > 0) x = randomShiftLayer({ name: 'augment_shift', seed: deriveSeed(o.seed, 'augment', 'shift'), shift: a.shift }).apply(x) as tfl.SymbolicTensor;
    if (a.gamma > 0) x = randomGammaLayer({ name: 'augment_gamma', seed: deriveSeed(o.seed, 'augment', 'gamma'), gamma: a.gamma }).apply(x) as tfl.SymbolicTensor;
  }
  x = standardizeLayer({ name: 'standardize' }).apply(x) as tfl.SymbolicTensor;
  if (a !== undefined && (a.contrast > 0 || a.brightness > 0 || a.noise > 0)) {
    const { contrast, brightness, noise } = a;
    x = randomIntensityLayer({ name: 'augment_intensity', seed: deriveSeed(o.seed, 'augment', 'intensity'), contrast, brightness, noise }).apply(x) as tfl.SymbolicTensor;
  }
  const output = network(x, new LayerFactory(o.seed), o);
  return tfl.model({ inputs: input, outputs: output, name });
}
