import * as tf from '@tensorflow/tfjs';
import {
  AUGMENT_DEFAULTS,
  AUGMENT_NONE,
  cropImages,
  drawAugmentParams,
  flipImages,
  gammaImages,
  intensityImages,
  shiftImages,
  rescaleImages,
  rotateImages,
  standardizeImages,
  zoomImages,
  type AugmentOptions,
  type AugmentParams,
  type FillMode,
} from './image-ops.js';
import { deriveSeed } from './seeded-random.js';
import { requireInteger, requireNumber, requireSeed } from './internal/validate.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Parameters<tf.layers.Layer['call']>[1];

const FILL_MODES: readonly FillMode[] = ['reflect', 'constant', 'nearest', 'wrap'];

function requireFillMode(stage: string, value: unknown): FillMode {
  if (!FILL_MODES.includes(value as FillMode)) {
    throw new RangeError(`${stage}: fillMode must be one of ${FILL_MODES.join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return value as FillMode;
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x === undefined || (Array.isArray(inputs) && inputs.length !== 1)) {
    throw new TypeError('preprocessing layers take exactly one input tensor.');
  }
  return x;
}

/** Options of {@link RescaleLayer}. */
export interface RescaleLayerArgs extends LayerArgs {
  /** Multiplier (default 1/255). */
  readonly scale?: number;
  /** Added after scaling (default 0). */
  readonly offset?: number;
}

/**
 * Model layer computing `x * scale + offset` (default: bytes to [0, 1]). Serializable as `CxrRescale`.
 *
 * @example
 * model.add(rescaleLayer({ inputShape: [224, 224, 1] }));
 * @throws TypeError / RangeError for a non-finite scale or offset.
 */
export class RescaleLayer extends tf.layers.Layer {
  static readonly className = 'CxrRescale';
  readonly scale: number;
  readonly offset: number;

  constructor(args: RescaleLayerArgs = {}) {
    super(args);
    this.scale = requireNumber('RescaleLayer', 'scale', args.scale ?? 1 / 255, -Number.MAX_VALUE, Number.MAX_VALUE);
    this.offset = requireNumber('RescaleLayer', 'offset', args.offset ?? 0, -Number.MAX_VALUE, Number.MAX_VALUE);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return rescaleImages(single(inputs), this.scale, this.offset);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}

/** Options of {@link StandardizeLayer}. */
export interface StandardizeLayerArgs extends LayerArgs {
  /** Smallest divisor (default: `1 / sqrt(pixels per image)`), so a constant image stays finite. */
  readonly stdFloor?: number;
}

/**
 * Model layer: per-image standardization `(x - mean) / max(std, stdFloor)`, in training and
 * inference alike. Serializable as `CxrStandardize`.
 *
 * @example
 * model.add(standardizeLayer());
 * @throws RangeError for a negative `stdFloor`.
 */
export class StandardizeLayer extends tf.layers.Layer {
  static readonly className = 'CxrStandardize';
  readonly stdFloor: number | undefined;

  constructor(args: StandardizeLayerArgs = {}) {
    super(args);
    this.stdFloor =
      args.stdFloor === undefined || args.stdFloor === null
        ? undefined
        : requireNumber('StandardizeLayer', 'stdFloor', args.stdFloor, 0, Number.MAX_VALUE);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return standardizeImages(single(inputs), this.stdFloor);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    return this.stdFloor === undefined ? config : { ...config, stdFloor: this.stdFloor };
  }
}

/** Options shared by the random layers. */
export interface RandomLayerArgs extends LayerArgs {
  /** Seed of the layer's draws (any safe integer); required, saved with the model. */
  readonly seed: number;
}

/**
 * Base of the random augmentation layers: active only when called with `training: true`
 * (`model.fit`), identity otherwise (`predict`, `evaluate`).
 *
 * Training call number `k` draws, for image `i` of the batch,
 * `drawAugmentParams(deriveSeed(deriveSeed(seed, k), i), this.augmentOptions())` and applies the
 * layer's own part with {@link RandomAugmentLayer.applyParams}. Both steps are public, so a viewer
 * can show what the model's own layers do for given parameters.
 */
export abstract class RandomAugmentLayer extends tf.layers.Layer {
  readonly seed: number;
  private calls = 0;

  constructor(stage: string, args: RandomLayerArgs) {
    super(args);
    this.seed = requireSeed(stage, args.seed);
  }

  /** The ranges this layer draws from (its own parameter; the others are off). */
  abstract augmentOptions(): Required<AugmentOptions>;

  /** Applies this layer's part of the given parameters, one per image (no randomness). */
  abstract applyParams<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly AugmentParams[]): tf.Tensor<R>;

  /** Draws parameters for `count` images from `seed` (no state is touched). */
  drawParams(seed: number, count: number): AugmentParams[] {
    requireInteger(this.getClassName(), 'count', count, 0);
    const options = this.augmentOptions();
    return Array.from({ length: count }, (_, i) => drawAugmentParams(deriveSeed(seed, i), options));
  }

  /**
   * How many training calls this layer has drawn for so far: its whole random state. Set it to
   * resume a run exactly (a checkpoint stores it; the next training call draws for call number `k`).
   */
  get trainingCalls(): number {
    return this.calls;
  }

  set trainingCalls(value: number) {
    this.calls = requireInteger(this.getClassName(), 'trainingCalls', value, 0);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    if (kwargs['training'] !== true) return x;
    const count = x.shape[0] ?? 0;
    const params = this.drawParams(deriveSeed(this.seed, this.calls), count);
    this.calls++;
    return this.applyParams(x, params);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

/** Options of {@link RandomFlipLayer}. */
export type RandomFlipLayerArgs = RandomLayerArgs;

/**
 * Model layer mirroring half of the training images left-right. Serializable as `CxrRandomFlip`.
 *
 * @example
 * model.add(randomFlipLayer({ seed: deriveSeed(root, 'flip') }));
 * @throws TypeError / RangeError for a bad seed.
 */
export class RandomFlipLayer extends RandomAugmentLayer {
  static readonly className = 'CxrRandomFlip';

  constructor(args: RandomFlipLayerArgs) {
    super('RandomFlipLayer', args);
  }

  augmentOptions(): Required<AugmentOptions> {
    return { ...AUGMENT_NONE, flip: true };
  }

  applyParams<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly AugmentParams[]): tf.Tensor<R> {
    return flipImages(images, params.map((p) => p.flip));
  }
}

/** Options of {@link RandomRotationLayer}. */
export interface RandomRotationLayerArgs extends RandomLayerArgs {
  /** Largest rotation in DEGREES, 0..180 (default 10: angles uniform in [-10°, 10°]). */
  readonly degrees?: number;
  /** Fill for uncovered corners (default `reflect`). */
  readonly fillMode?: FillMode;
}

/**
 * Model layer rotating each training image by a random angle in [-degrees, degrees] (degrees, not
 * Keras' fractions of a full turn). Serializable as `CxrRandomRotation`.
 *
 * @example
 * model.add(randomRotationLayer({ seed, degrees: 10 }));
 * @throws TypeError / RangeError for a bad seed, range or fill mode.
 */
export class RandomRotationLayer extends RandomAugmentLayer {
  static readonly className = 'CxrRandomRotation';
  readonly degrees: number;
  readonly fillMode: FillMode;

  constructor(args: RandomRotationLayerArgs) {
    super('RandomRotationLayer', args);
    this.degrees = requireNumber('RandomRotationLayer', 'degrees', args.degrees ?? AUGMENT_DEFAULTS.rotationDegrees, 0, 180);
    this.fillMode = requireFillMode('RandomRotationLayer', args.fillMode ?? 'reflect');
  }

  augmentOptions(): Required<AugmentOptions> {
    return { ...AUGMENT_NONE, rotationDegrees: this.degrees };
  }

  applyParams<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly AugmentParams[]): tf.Tensor<R> {
    return rotateImages(images, params.map((p) => p.rotationDegrees), this.fillMode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), degrees: this.degrees, fillMode: this.fillMode };
  }
}

/** Options of {@link RandomZoomLayer}. */
export interface RandomZoomLayerArgs extends RandomLayerArgs {
  /** Largest zoom fraction, 0..0.9 (default 0.1: factors uniform in [0.9, 1.1]). */
  readonly factor?: number;
  /** Fill for the border when zooming out (default `reflect`). */
  readonly fillMode?: FillMode;
}

/**
 * Model layer zooming each training image in or out by a random factor in [1 - factor, 1 + factor].
 * Serializable as `CxrRandomZoom`.
 *
 * @example
 * model.add(randomZoomLayer({ seed, factor: 0.1 }));
 * @throws TypeError / RangeError for a bad seed, factor or fill mode.
 */
export class RandomZoomLayer extends RandomAugmentLayer {
  static readonly className = 'CxrRandomZoom';
  readonly factor: number;
  readonly fillMode: FillMode;

  constructor(args: RandomZoomLayerArgs) {
    super('RandomZoomLayer', args);
    this.factor = requireNumber('RandomZoomLayer', 'factor', args.factor ?? AUGMENT_DEFAULTS.zoom, 0, 0.9);
    this.fillMode = requireFillMode('RandomZoomLayer', args.fillMode ?? 'reflect');
  }

  augmentOptions(): Required<AugmentOptions> {
    return { ...AUGMENT_NONE, zoom: this.factor };
  }

  applyParams<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly AugmentParams[]): tf.Tensor<R> {
    return zoomImages(images, params.map((p) => p.zoom), this.fillMode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor, fillMode: this.fillMode };
  }
}

/** Options of {@link RandomCropLayer}. */
export interface RandomCropLayerArgs extends RandomLayerArgs {
  /** Largest share cut off the side, 0..0.5 (default 0.2: crop sides uniform in [0.8, 1] of the image side). */
  readonly crop?: number;
}

/**
 * Model layer cropping each training image to a random square (side uniform in [1 - crop, 1] of the
 * image side, at a uniform position inside it) and resizing it back: a zoom-in that changes the
 * framing (how much of the body shows around the lungs) without filling any border.
 * Serializable as `CxrRandomCrop`.
 *
 * @example
 * model.add(randomCropLayer({ seed, crop: 0.3 }));
 * @throws TypeError / RangeError for a bad seed or range.
 */
export class RandomCropLayer extends RandomAugmentLayer {
  static readonly className = 'CxrRandomCrop';
  readonly crop: number;

  constructor(args: RandomCropLayerArgs) {
    super('RandomCropLayer', args);
    this.crop = requireNumber('RandomCropLayer', 'crop', args.crop ?? 0.2, 0, 0.5);
  }

  augmentOptions(): Required<AugmentOptions> {
    return { ...AUGMENT_NONE, crop: this.crop };
  }

  applyParams<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly AugmentParams[]): tf.Tensor<R> {
    return cropImages(images, params.map((p) => ({ scale: p.cropScale, x: p.cropX, y: p.cropY })));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), crop: this.crop };
  }
}

/** Options of {@link RandomShiftLayer}. */
export interface RandomShiftLayerArgs extends RandomLayerArgs {
  /** Largest shift as a fraction of the side, 0..0.5 (default 0.1: x and y each uniform in [-0.1, 0.1]). */
  readonly shift?: number;
  /** Fill for the uncovered border (default `reflect`). */
  readonly fillMode?: FillMode;
}

/**
 * Model layer moving each training image by a random fraction of its width and height.
 * Serializable as `CxrRandomShift`.
 *
 * @example
 * model.add(randomShiftLayer({ seed, shift: 0.08 }));
 * @throws TypeError / RangeError for a bad seed, shift or fill mode.
 */
export class RandomShiftLayer extends RandomAugmentLayer {
  static readonly className = 'CxrRandomShift';
  readonly shift: number;
  readonly fillMode: FillMode;

  constructor(args: RandomShiftLayerArgs) {
    super('RandomShiftLayer', args);
    this.shift = requireNumber('RandomShiftLayer', 'shift', args.shift ?? 0.1, 0, 0.5);
    this.fillMode = requireFillMode('RandomShiftLayer', args.fillMode ?? 'reflect');
  }

  augmentOptions(): Required<AugmentOptions> {
    return { ...AUGMENT_NONE, shift: this.shift };
  }

  applyParams<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly AugmentParams[]): tf.Tensor<R> {
    return shiftImages(images, params.map((p) => [p.shiftX, p.shiftY] as const), this.fillMode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), shift: this.shift, fillMode: this.fillMode };
  }
}

/** Options of {@link RandomGammaLayer}. */
export interface RandomGammaLayerArgs extends RandomLayerArgs {
  /** Gamma range g, 0..2 (default 0.3: exponents from 1/1.3 to 1.3, log-uniform). */
  readonly gamma?: number;
}

/**
 * Model layer applying a random gamma curve to each training image's byte-range pixels (a
 * non-linear contrast change that per-image standardization does not undo). Place it before the
 * standardization layer. Serializable as `CxrRandomGamma`.
 *
 * @example
 * model.add(randomGammaLayer({ seed, gamma: 0.3 }));
 * @throws TypeError / RangeError for a bad seed or range.
 */
export class RandomGammaLayer extends RandomAugmentLayer {
  static readonly className = 'CxrRandomGamma';
  readonly gamma: number;

  constructor(args: RandomGammaLayerArgs) {
    super('RandomGammaLayer', args);
    this.gamma = requireNumber('RandomGammaLayer', 'gamma', args.gamma ?? 0.3, 0, 2);
  }

  augmentOptions(): Required<AugmentOptions> {
    return { ...AUGMENT_NONE, gamma: this.gamma };
  }

  applyParams<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly AugmentParams[]): tf.Tensor<R> {
    return gammaImages(images, params.map((p) => p.gamma));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), gamma: this.gamma };
  }
}

/** Options of {@link RandomIntensityLayer}. */
export interface RandomIntensityLayerArgs extends RandomLayerArgs {
  /** Largest contrast change, 0..0.9 (factor uniform in [1 - c, 1 + c]); default 0. */
  readonly contrast?: number;
  /** Largest brightness offset in image standard deviations, 0..2; default 0. */
  readonly brightness?: number;
  /** Largest noise standard deviation in image standard deviations, 0..1; default 0. */
  readonly noise?: number;
}

/**
 * Model layer changing each training image's contrast and brightness and adding Gaussian noise,
 * relative to the image's own mean and standard deviation ({@link intensityImages}). `buildModel`
 * puts it after the standardization layer, where it is `x * contrast + brightness + noise`.
 * Serializable as `CxrRandomIntensity`.
 *
 * @example
 * model.add(randomIntensityLayer({ seed, contrast: 0.2, brightness: 0.2, noise: 0.05 }));
 * @throws TypeError / RangeError for a bad seed or range.
 */
export class RandomIntensityLayer extends RandomAugmentLayer {
  static readonly className = 'CxrRandomIntensity';
  readonly contrast: number;
  readonly brightness: number;
  readonly noise: number;

  constructor(args: RandomIntensityLayerArgs) {
    super('RandomIntensityLayer', args);
    this.contrast = requireNumber('RandomIntensityLayer', 'contrast', args.contrast ?? 0, 0, 0.9);
    this.brightness = requireNumber('RandomIntensityLayer', 'brightness', args.brightness ?? 0, 0, 2);
    this.noise = requireNumber('RandomIntensityLayer', 'noise', args.noise ?? 0, 0, 1);
  }

  augmentOptions(): Required<AugmentOptions> {
    return { ...AUGMENT_NONE, contrast: this.contrast, brightness: this.brightness, noise: this.noise };
  }

  applyParams<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly AugmentParams[]): tf.Tensor<R> {
    return intensityImages(images, params);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), contrast: this.contrast, brightness: this.brightness, noise: this.noise };
  }
}

tf.serialization.registerClass(RescaleLayer);
tf.serialization.registerClass(StandardizeLayer);
tf.serialization.registerClass(RandomFlipLayer);
tf.serialization.registerClass(RandomRotationLayer);
tf.serialization.registerClass(RandomZoomLayer);
tf.serialization.registerClass(RandomShiftLayer);
tf.serialization.registerClass(RandomCropLayer);
tf.serialization.registerClass(RandomGammaLayer);
tf.serialization.registerClass(RandomIntensityLayer);

/**
 * Creates a {@link RescaleLayer} (`x * scale + offset`, default bytes to [0, 1]).
 *
 * @example
 * model.add(rescaleLayer({ inputShape: [224, 224, 1] }));
 * @throws TypeError / RangeError for a bad scale or offset.
 */
export function rescaleLayer(args: RescaleLayerArgs = {}): RescaleLayer {
  return new RescaleLayer(args);
}

/**
 * Creates a {@link StandardizeLayer} (per-image `(x - mean) / max(std, stdFloor)`).
 *
 * @example
 * model.add(standardizeLayer());
 * @throws RangeError for a negative `stdFloor`.
 */
export function standardizeLayer(args: StandardizeLayerArgs = {}): StandardizeLayer {
  return new StandardizeLayer(args);
}

/**
 * Creates a {@link RandomFlipLayer} (left-right mirror of half the training images).
 *
 * @example
 * model.add(randomFlipLayer({ seed: deriveSeed(root, 'augment') }));
 * @throws TypeError / RangeError for a bad seed.
 */
export function randomFlipLayer(args: RandomFlipLayerArgs): RandomFlipLayer {
  return new RandomFlipLayer(args);
}

/**
 * Creates a {@link RandomRotationLayer} (uniform angle in [-degrees, degrees], default 10 degrees).
 *
 * @example
 * model.add(randomRotationLayer({ seed: deriveSeed(root, 'augment'), degrees: 10 }));
 * @throws TypeError / RangeError for a bad seed, range or fill mode.
 */
export function randomRotationLayer(args: RandomRotationLayerArgs): RandomRotationLayer {
  return new RandomRotationLayer(args);
}

/**
 * Creates a {@link RandomZoomLayer} (uniform factor in [1 - factor, 1 + factor], default 0.1).
 *
 * @example
 * model.add(randomZoomLayer({ seed: deriveSeed(root, 'augment'), factor: 0.1 }));
 * @throws TypeError / RangeError for a bad seed, factor or fill mode.
 */
export function randomZoomLayer(args: RandomZoomLayerArgs): RandomZoomLayer {
  return new RandomZoomLayer(args);
}

/**
 * Creates a {@link RandomCropLayer} (square crops of side uniform in [1 - crop, 1], resized back; default crop 0.2).
 *
 * @example
 * model.add(randomCropLayer({ seed: deriveSeed(root, 'augment', 'crop'), crop: 0.3 }));
 * @throws TypeError / RangeError for a bad seed or range.
 */
export function randomCropLayer(args: RandomCropLayerArgs): RandomCropLayer {
  return new RandomCropLayer(args);
}

/**
 * Creates a {@link RandomShiftLayer} (x and y shifts uniform in [-shift, shift] of the side, default 0.1).
 *
 * @example
 * model.add(randomShiftLayer({ seed: deriveSeed(root, 'augment', 'shift'), shift: 0.08 }));
 * @throws TypeError / RangeError for a bad seed, shift or fill mode.
 */
export function randomShiftLayer(args: RandomShiftLayerArgs): RandomShiftLayer {
  return new RandomShiftLayer(args);
}

/**
 * Creates a {@link RandomGammaLayer} (gamma exponent log-uniform in [1/(1+g), 1+g], default g = 0.3).
 *
 * @example
 * model.add(randomGammaLayer({ seed: deriveSeed(root, 'augment', 'gamma'), gamma: 0.3 }));
 * @throws TypeError / RangeError for a bad seed or range.
 */
export function randomGammaLayer(args: RandomGammaLayerArgs): RandomGammaLayer {
  return new RandomGammaLayer(args);
}

/**
 * Creates a {@link RandomIntensityLayer} (contrast, brightness and noise relative to each image's own statistics).
 *
 * @example
 * model.add(randomIntensityLayer({ seed: deriveSeed(root, 'augment', 'intensity'), contrast: 0.2, brightness: 0.2 }));
 * @throws TypeError / RangeError for a bad seed or range.
 */
export function randomIntensityLayer(args: RandomIntensityLayerArgs): RandomIntensityLayer {
  return new RandomIntensityLayer(args);
}

/** What {@link previewAugmentation} returns: the augmented image and the parameters drawn. */
export interface AugmentationPreview<R extends tf.Rank> {
  readonly image: tf.Tensor<R>;
  readonly params: AugmentParams;
}

/**
 * Shows what a model's own augmentation layers do to one image for one draw.
 *
 * Collects the model's random layers (in order), draws one set of parameters from `seed` with their
 * combined ranges, and applies each layer's part with its own `applyParams`. Non-augmentation
 * layers are skipped. The caller disposes `image` of the result.
 *
 * @example
 * for (const seed of [1, 2, 3, 4]) {
 *   const { image, params } = previewAugmentation(model.layers, xray, seed);
 *   // label the tile with params.rotationDegrees, params.zoom, params.flip
 * }
 */
export function previewAugmentation<R extends tf.Rank>(
  layers: readonly tf.layers.Layer[],
  image: tf.Tensor<R>,
  seed: number,
): AugmentationPreview<R> {
  requireSeed('previewAugmentation', seed);
  const random = layers.filter((l): l is RandomAugmentLayer => l instanceof RandomAugmentLayer);
  const combined = random.reduce<Required<AugmentOptions>>((acc, layer) => {
    const o = layer.augmentOptions();
    return {
      flip: acc.flip || o.flip,
      rotationDegrees: Math.max(acc.rotationDegrees, o.rotationDegrees),
      zoom: Math.max(acc.zoom, o.zoom),
      shift: Math.max(acc.shift, o.shift),
      gamma: Math.max(acc.gamma, o.gamma),
      contrast: Math.max(acc.contrast, o.contrast),
      brightness: Math.max(acc.brightness, o.brightness),
      noise: Math.max(acc.noise, o.noise),
      crop: Math.max(acc.crop, o.crop),
    };
  }, AUGMENT_NONE);
  const params = drawAugmentParams(seed, combined);
  const out = tf.tidy(() => random.reduce<tf.Tensor<R>>((x, layer) => layer.applyParams(x, [params]), image.clone()));
  return { image: out, params };
}
