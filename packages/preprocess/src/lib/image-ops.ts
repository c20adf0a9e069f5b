import * as tf from '@tensorflow/tfjs';
import { createRng } from './seeded-random.js';
import { IN_MEMORY_BACKENDS, resampleInMemory, resampleWithGather } from './internal/resample.js';
import { requireBoolean, requireNumber, requireObject, requireSeed } from './internal/validate.js';

/**
 * Pure image operations behind the preprocessing layers and batch operators. Every function takes
 * a rank-3 image `[h, w, c]` or a rank-4 batch `[n, h, w, c]`, returns a new float32 tensor of the
 * same shape, and leaves its input alone (the caller disposes both). Nothing here is random:
 * random stages draw parameters with {@link drawAugmentParams} and pass them in.
 *
 * Geometry is bilinear resampling built from gather, mul and add (forward kernels on every
 * backend), with Keras' `reflect` filling by default.
 */

/** How pixels outside the source image are filled by rotation and zoom (Keras' modes; default reflect). */
export type FillMode = 'reflect' | 'constant' | 'nearest' | 'wrap';

/** The augmentation parameters drawn for one image. */
export interface AugmentParams {
  /** Mirror left-right. */
  readonly flip: boolean;
  /** Rotation in degrees; positive turns the content counter-clockwise. */
  readonly rotationDegrees: number;
  /** Scale factor: above 1 zooms in (content larger), below 1 zooms out. */
  readonly zoom: number;
  /** Horizontal shift of the content, as a fraction of the width (positive moves it right); 0 when off. */
  readonly shiftX: number;
  /** Vertical shift of the content, as a fraction of the height (positive moves it down); 0 when off. */
  readonly shiftY: number;
  /** Gamma exponent applied to pixel values scaled to [0, 1] (`255 * (x / 255) ** gamma`); 1 when off. */
  readonly gamma: number;
  /** Contrast factor about the image's own mean; 1 when off. */
  readonly contrast: number;
  /** Brightness offset in units of the image's own standard deviation; 0 when off. */
  readonly brightness: number;
  /** Standard deviation of added Gaussian noise, in units of the image's own standard deviation; 0 when off. */
  readonly noise: number;
  /** Seed of the noise pixels (drawn whatever the options, so the other draws never move). */
  readonly noiseSeed: number;
  /** Side of the random crop as a fraction of the image side (the crop is resized back to full size); 1 when off. */
  readonly cropScale: number;
  /** Where the crop sits horizontally, from 0 (left edge) to 1 (right edge). */
  readonly cropX: number;
  /** Where the crop sits vertically, from 0 (top edge) to 1 (bottom edge). */
  readonly cropY: number;
}

/** Ranges the augmentation parameters are drawn from. */
export interface AugmentOptions {
  /** Whether images may be mirrored left-right (half of them are). Default true. */
  readonly flip?: boolean;
  /** Largest rotation in degrees (angle uniform in [-r, r]), 0..180. Default 10. */
  readonly rotationDegrees?: number;
  /** Largest zoom fraction (factor uniform in [1 - z, 1 + z]), 0..0.9. Default 0.1. */
  readonly zoom?: number;
  /** Largest shift as a fraction of the side (each of x and y uniform in [-s, s]), 0..0.5. Default 0 (off). */
  readonly shift?: number;
  /** Gamma range g, 0..2: the exponent is `exp(u * ln(1 + g))` with u uniform in [-1, 1] (1/(1+g) to 1+g). Default 0 (off). */
  readonly gamma?: number;
  /** Largest contrast change c, 0..0.9: factor uniform in [1 - c, 1 + c] about the image's mean. Default 0 (off). */
  readonly contrast?: number;
  /** Largest brightness offset b, 0..2, in the image's standard deviations (uniform in [-b, b]). Default 0 (off). */
  readonly brightness?: number;
  /** Largest noise level n, 0..1: Gaussian noise with a standard deviation uniform in [0, n] image standard deviations. Default 0 (off). */
  readonly noise?: number;
  /**
   * Random crop c, 0..0.5: a square crop whose side is uniform in [1 - c, 1] of the image side, at a
   * uniform position inside the image, resized back to full size (a zoom-in that never needs filling). Default 0 (off).
   */
  readonly crop?: number;
}

/**
 * Defaults of {@link AugmentOptions}, filled in one place: what an augmentation layer or operator
 * does when its options leave a field out (flip, rotation up to 10 degrees, zoom up to 10 %; the
 * rest off). The training recipe of `cxr train` builds on these (`DEFAULT_TRAINING.augment` of @cxr/model).
 */
export const AUGMENT_DEFAULTS: Required<AugmentOptions> = Object.freeze({ flip: true, rotationDegrees: 10, zoom: 0.1, shift: 0, gamma: 0, contrast: 0, brightness: 0, noise: 0, crop: 0 });

/** Every augmentation off: the base of a single layer's own options. */
export const AUGMENT_NONE: Required<AugmentOptions> = Object.freeze({ flip: false, rotationDegrees: 0, zoom: 0, shift: 0, gamma: 0, contrast: 0, brightness: 0, noise: 0, crop: 0 });

/** The accepted range `[min, max]` of each numeric field of {@link AugmentOptions}. */
export const AUGMENT_RANGES: Readonly<Record<Exclude<keyof AugmentOptions, 'flip'>, readonly [number, number]>> = Object.freeze({
  rotationDegrees: [0, 180],
  zoom: [0, 0.9],
  shift: [0, 0.5],
  gamma: [0, 2],
  contrast: [0, 0.9],
  brightness: [0, 2],
  noise: [0, 1],
  crop: [0, 0.5],
});

/** Validates augmentation ranges for `stage` and fills the defaults. */
export function resolveAugmentOptions(stage: string, options: AugmentOptions = {}): Required<AugmentOptions> {
  requireObject(stage, options);
  const field = (name: Exclude<keyof AugmentOptions, 'flip'>): number => requireNumber(stage, name, options[name] ?? AUGMENT_DEFAULTS[name], ...AUGMENT_RANGES[name]);
  return {
    flip: requireBoolean(stage, 'flip', options.flip ?? AUGMENT_DEFAULTS.flip),
    rotationDegrees: field('rotationDegrees'),
    zoom: field('zoom'),
    shift: field('shift'),
    gamma: field('gamma'),
    contrast: field('contrast'),
    brightness: field('brightness'),
    noise: field('noise'),
    crop: field('crop'),
  };
}

/**
 * Draws one image's augmentation parameters from a seed (the random half of augmentation).
 *
 * Thirteen numbers are always drawn in the same order (flip, angle, zoom, shift x, shift y, gamma,
 * contrast, brightness, noise level, noise seed, crop side, crop x, crop y), so each parameter depends only on the seed and
 * its own range: the separate layers, given the same seed, draw exactly the parameters this
 * function returns for their combined options.
 *
 * @example
 * const p = drawAugmentParams(7, { rotationDegrees: 10, zoom: 0.1 });
 * // { flip: true, rotationDegrees: -3.2…, zoom: 1.04… }; always the same for seed 7
 *
 * @throws TypeError / RangeError for a bad seed or range.
 */
export function drawAugmentParams(seed: number, options: AugmentOptions = {}): AugmentParams {
  requireSeed('drawAugmentParams', seed);
  const o = resolveAugmentOptions('drawAugmentParams', options);
  const rng = createRng(seed);
  const flipDraw = rng.next();
  const angleDraw = rng.next();
  const zoomDraw = rng.next();
  const [shiftXDraw, shiftYDraw, gammaDraw, contrastDraw, brightnessDraw, noiseDraw, noiseSeedDraw] = Array.from({ length: 7 }, () => rng.next()) as [
    number, number, number, number, number, number, number,
  ];
  const [cropDraw, cropXDraw, cropYDraw] = [rng.next(), rng.next(), rng.next()];
  const symmetric = (range: number, draw: number): number => (range === 0 ? 0 : range * (2 * draw - 1));
  const cropOn = o.crop > 0;
  return {
    flip: o.flip && flipDraw < 0.5,
    rotationDegrees: symmetric(o.rotationDegrees, angleDraw),
    zoom: 1 + symmetric(o.zoom, zoomDraw),
    shiftX: symmetric(o.shift, shiftXDraw),
    shiftY: symmetric(o.shift, shiftYDraw),
    gamma: o.gamma === 0 ? 1 : Math.exp(symmetric(Math.log1p(o.gamma), gammaDraw)),
    contrast: 1 + symmetric(o.contrast, contrastDraw),
    brightness: symmetric(o.brightness, brightnessDraw),
    noise: o.noise * noiseDraw,
    noiseSeed: Math.floor(noiseSeedDraw * 0x7fffffff),
    cropScale: cropOn ? 1 - o.crop * cropDraw : 1,
    cropX: cropOn ? cropXDraw : 0.5,
    cropY: cropOn ? cropYDraw : 0.5,
  };
}

function asBatch<R extends tf.Rank>(image: tf.Tensor<R>, stage: string): tf.Tensor4D {
  if (image.rank === 4) return image.toFloat() as tf.Tensor4D;
  if (image.rank === 3) return image.toFloat().expandDims(0) as tf.Tensor4D;
  throw new RangeError(`${stage}: expected an image [h, w, c] or a batch [n, h, w, c], got shape [${image.shape.join(', ')}].`);
}

function sameRank<R extends tf.Rank>(result: tf.Tensor4D, like: tf.Tensor<R>): tf.Tensor<R> {
  return (like.rank === 3 ? result.squeeze([0]) : result) as tf.Tensor<R>;
}

function perImage(values: readonly number[] | number, n: number, stage: string): number[] {
  if (typeof values === 'number') return Array.from({ length: n }, () => values);
  if (values.length !== n) throw new RangeError(`${stage}: expected ${n} parameters (one per image), got ${values.length}.`);
  return [...values];
}

/** `tf.image.transform` matrix (output pixel -> input pixel) rotating content by `degrees` counter-clockwise about the centre. */
export function rotationMatrix(degrees: number, height: number, width: number): number[] {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const xOffset = (width - 1 - (cos * (width - 1) - sin * (height - 1))) / 2;
  const yOffset = (height - 1 - (sin * (width - 1) + cos * (height - 1))) / 2;
  return [cos, -sin, xOffset, sin, cos, yOffset, 0, 0];
}

/** `tf.image.transform` matrix moving content by `dx`, `dy` pixels (positive: right, down). */
export function shiftMatrix(dx: number, dy: number): number[] {
  return [1, 0, -dx, 0, 1, -dy, 0, 0];
}

/** `tf.image.transform` matrix scaling content by `zoom` about the centre (zoom > 1 enlarges). */
export function zoomMatrix(zoom: number, height: number, width: number): number[] {
  const s = 1 / zoom;
  return [s, 0, ((width - 1) / 2) * (1 - s), 0, s, ((height - 1) / 2) * (1 - s), 0, 0];
}

/**
 * A kernel a backend may register to resample a batch through affine matrices with the arithmetic
 * of {@link resampleInMemory} (the same bits): `@cxr/wasm-training` registers it for `wasm`, where
 * it runs as generated WebAssembly on all threads on the backend's own memory. Inputs `{ images }`,
 * attributes `{ matrices }` (six per image) and `{ fillMode }`. Looked up by name, as tfjs kernels are.
 */
const RESAMPLE_KERNEL = 'CxrBilinearResample';

/** Backends whose resampling kernel refused to run (no SIMD, say): they keep the other paths. */
const kernelRefused = new WeakSet<object>();

/**
 * The batch resampled by the backend's {@link RESAMPLE_KERNEL}, or undefined where there is none,
 * the images are not float32, a matrix is projective, or the kernel refuses (it throws; the caller
 * then resamples another way).
 */
function resampleOnKernel(images: tf.Tensor4D, matrices: readonly (readonly number[])[], fillMode: FillMode): tf.Tensor4D | undefined {
  const backend = tf.backend();
  if (kernelRefused.has(backend) || tf.getKernel(RESAMPLE_KERNEL, tf.getBackend()) === undefined) return undefined;
  if (images.dtype !== 'float32' || !matrices.every((m) => m.length === 8 && m[6] === 0 && m[7] === 0)) return undefined;
  try {
    return tf.engine().runKernel(RESAMPLE_KERNEL, { images }, { matrices: matrices.flatMap((m) => m.slice(0, 6)), fillMode }) as tf.Tensor4D;
  } catch (error) {
    // A RangeError refuses this batch (a matrix mapping far outside the image); anything else, the backend.
    if (!(error instanceof RangeError)) kernelRefused.add(backend);
    return undefined;
  }
}

/**
 * Resamples each image through its own affine/projective matrix (output pixel -> input pixel,
 * `tf.image.transform`'s layout), bilinear, with `fillMode` for coordinates outside the image.
 *
 * Not `tf.image.transform`: in tfjs 4.22 the cpu kernel of Transform stops after the first image
 * of a batch, and the wasm kernel reflects negative coordinates wrongly, so the two backends
 * disagreed. Where the backend has {@link RESAMPLE_KERNEL} (`wasm` with `@cxr/wasm-training`) and the
 * matrices are affine, that kernel; else on backends whose data lives in main memory (`cpu`, `wasm`,
 * `tensorflow`) one pass in JavaScript over the pixels; elsewhere (WebGL, WebGPU) gather, mul and add
 * on the backend. All give the same bits.
 */
function transformEach(images: tf.Tensor4D, matrices: readonly (readonly number[])[], fillMode: FillMode): tf.Tensor4D {
  const onKernel = resampleOnKernel(images, matrices, fillMode);
  if (onKernel !== undefined) return onKernel;
  if (!IN_MEMORY_BACKENDS.has(tf.getBackend())) return resampleWithGather(images, matrices, fillMode);
  const out = resampleInMemory(images.dataSync() as Float32Array, images.shape, matrices, fillMode);
  return tf.tensor4d(out, images.shape);
}

/**
 * Multiplies and shifts pixel values: `x * scale + offset` (default scale 1/255: bytes to [0, 1]).
 *
 * @example
 * const unit = rescaleImages(bytes); // 0..255 -> 0..1
 */
export function rescaleImages<R extends tf.Rank>(images: tf.Tensor<R>, scale = 1 / 255, offset = 0): tf.Tensor<R> {
  return tf.tidy(() => images.toFloat().mul(scale).add(offset));
}

/**
 * Per-image standardization: `(x - mean) / max(std, stdFloor)` over each image's pixels and channels.
 *
 * The floor keeps a constant image finite (it becomes all zeros). Default floor:
 * `1 / sqrt(pixels per image)`, as `tf.image.per_image_standardization` uses.
 *
 * @example
 * const z = standardizeImages(batch); // each image: mean 0, std 1
 *
 * @throws RangeError for a tensor that is not rank 3 or 4, or a negative floor.
 */
export function standardizeImages<R extends tf.Rank>(images: tf.Tensor<R>, stdFloor?: number): tf.Tensor<R> {
  if (stdFloor !== undefined) requireNumber('standardizeImages', 'stdFloor', stdFloor, 0, Number.MAX_VALUE);
  return tf.tidy(() => {
    const x = asBatch(images, 'standardizeImages');
    const [, h, w, c] = x.shape;
    const floor = stdFloor ?? 1 / Math.sqrt(h * w * c);
    const { mean, variance } = tf.moments(x, [1, 2, 3], true);
    const std = tf.maximum(tf.sqrt(variance), floor);
    return sameRank(x.sub(mean).div(std), images);
  });
}

/**
 * {@link standardizeImages} for one `[h, w, c]` image.
 *
 * @example
 * const z = standardizeImage(rescaleImages(xray));
 */
export function standardizeImage(image: tf.Tensor3D, stdFloor?: number): tf.Tensor3D {
  return standardizeImages(image, stdFloor);
}

/**
 * Mirrors images left-right where `flips` says so (one boolean per image, or one for all). The
 * result has the input's dtype and exactly its pixel values.
 *
 * @example
 * const mirrored = flipImages(batch, [true, false]);
 */
export function flipImages<R extends tf.Rank>(images: tf.Tensor<R>, flips: readonly boolean[] | boolean): tf.Tensor<R> {
  return tf.tidy(() => {
    const x = asBatch(images, 'flipImages');
    const n = x.shape[0];
    const list = typeof flips === 'boolean' ? Array.from({ length: n }, () => flips) : [...flips];
    if (list.length !== n) throw new RangeError(`flipImages: expected ${n} flags (one per image), got ${list.length}.`);
    // One gather of the pixels (columns reversed in the flipped images): the backends' Reverse
    // plus a masked blend cost several full passes over the batch.
    const [, h, w, c] = x.shape;
    const index = new Int32Array(n * h * w);
    for (let b = 0, at = 0; b < n; b++) {
      const flip = list[b] === true;
      for (let y = 0; y < h; y++) {
        const row = (b * h + y) * w;
        for (let col = 0; col < w; col++, at++) index[at] = row + (flip ? w - 1 - col : col);
      }
    }
    const pixels = tf.gather(x.reshape([n * h * w, c]), tf.tensor1d(index, 'int32'));
    return sameRank(pixels.reshape(x.shape), images);
  });
}

/**
 * Mirrors one image left-right when `flip` is true.
 *
 * @example
 * const mirrored = flipImage(xray, true);
 */
export function flipImage(image: tf.Tensor3D, flip: boolean): tf.Tensor3D {
  return flipImages(image, flip);
}

/**
 * Rotates images about their centre by `degrees` (per image, or one angle for all; positive is
 * counter-clockwise), bilinear, filling uncovered corners by `fillMode` (default reflect).
 *
 * @example
 * const turned = rotateImages(batch, [10, -5]);
 */
export function rotateImages<R extends tf.Rank>(
  images: tf.Tensor<R>,
  degrees: readonly number[] | number,
  fillMode: FillMode = 'reflect',
): tf.Tensor<R> {
  return tf.tidy(() => {
    const x = asBatch(images, 'rotateImages');
    const [n, h, w] = x.shape;
    const angles = perImage(degrees, n, 'rotateImages');
    return sameRank(transformEach(x, angles.map((a) => rotationMatrix(a, h, w)), fillMode), images);
  });
}

/**
 * Rotates one image by `degrees` counter-clockwise about its centre (bilinear, reflect fill by default).
 *
 * @example
 * const turned = rotateImage(xray, 10);
 */
export function rotateImage(image: tf.Tensor3D, degrees: number, fillMode: FillMode = 'reflect'): tf.Tensor3D {
  return rotateImages(image, degrees, fillMode);
}

/**
 * Zooms images about their centre by a factor (per image, or one for all): above 1 enlarges the
 * content, below 1 shrinks it and fills the border by `fillMode` (default reflect).
 *
 * @example
 * const closer = zoomImages(batch, [1.1, 0.95]);
 * @throws RangeError for a factor that is not positive.
 */
export function zoomImages<R extends tf.Rank>(
  images: tf.Tensor<R>,
  zooms: readonly number[] | number,
  fillMode: FillMode = 'reflect',
): tf.Tensor<R> {
  return tf.tidy(() => {
    const x = asBatch(images, 'zoomImages');
    const [n, h, w] = x.shape;
    const factors = perImage(zooms, n, 'zoomImages');
    for (const z of factors) requireNumber('zoomImages', 'zoom', z, Number.MIN_VALUE, Number.MAX_VALUE);
    return sameRank(transformEach(x, factors.map((z) => zoomMatrix(z, h, w)), fillMode), images);
  });
}

/**
 * Zooms one image by `zoom` about its centre (above 1 enlarges the content).
 *
 * @example
 * const closer = zoomImage(xray, 1.1);
 * @throws RangeError for a factor that is not positive.
 */
export function zoomImage(image: tf.Tensor3D, zoom: number, fillMode: FillMode = 'reflect'): tf.Tensor3D {
  return zoomImages(image, zoom, fillMode);
}

/**
 * Moves images by a fraction of their size (per image `[dx, dy]` pairs, or one pair for all;
 * positive moves the content right and down), bilinear, filling the uncovered border by
 * `fillMode` (default reflect).
 *
 * @example
 * const moved = shiftImages(batch, [[0.05, 0], [-0.02, 0.03]]);
 * @throws RangeError for a shift that is not a finite number.
 */
export function shiftImages<R extends tf.Rank>(
  images: tf.Tensor<R>,
  shifts: readonly (readonly [number, number])[] | readonly [number, number],
  fillMode: FillMode = 'reflect',
): tf.Tensor<R> {
  return tf.tidy(() => {
    const x = asBatch(images, 'shiftImages');
    const [n, h, w] = x.shape;
    const list = typeof shifts[0] === 'number' ? Array.from({ length: n }, () => shifts as readonly [number, number]) : [...(shifts as readonly (readonly [number, number])[])];
    if (list.length !== n) throw new RangeError(`shiftImages: expected ${n} shifts (one per image), got ${list.length}.`);
    for (const [dx, dy] of list) {
      requireNumber('shiftImages', 'shift', dx, -Number.MAX_VALUE, Number.MAX_VALUE);
      requireNumber('shiftImages', 'shift', dy, -Number.MAX_VALUE, Number.MAX_VALUE);
    }
    return sameRank(transformEach(x, list.map(([dx, dy]) => shiftMatrix(dx * w, dy * h)), fillMode), images);
  });
}

/** `tf.image.transform` matrix showing the square crop of side `scale` (fraction of the side) at relative position (`x`, `y`) in [0, 1], stretched to the full image. */
export function cropMatrix(scale: number, x: number, y: number, height: number, width: number): number[] {
  const left = (1 - scale) * x * (width - 1);
  const top = (1 - scale) * y * (height - 1);
  return [scale, 0, left, 0, scale, top, 0, 0];
}

/**
 * Crops each image to a square of side `scale` (a fraction of the side, in (0, 1]) at relative
 * position (`x`, `y`) (0: left/top edge, 1: right/bottom edge) and resizes it back to full size,
 * bilinear. The crop lies inside the image, so no pixel needs filling.
 *
 * @example
 * const closer = cropImages(batch, [{ scale: 0.8, x: 0.5, y: 0.2 }]);
 * @throws RangeError for a scale outside (0, 1] or a position outside [0, 1].
 */
export function cropImages<R extends tf.Rank>(images: tf.Tensor<R>, crops: readonly { readonly scale: number; readonly x: number; readonly y: number }[]): tf.Tensor<R> {
  return tf.tidy(() => {
    const x = asBatch(images, 'cropImages');
    const [n, h, w] = x.shape;
    if (crops.length !== n) throw new RangeError(`cropImages: expected ${n} crops (one per image), got ${crops.length}.`);
    for (const c of crops) {
      requireNumber('cropImages', 'scale', c.scale, Number.MIN_VALUE, 1);
      requireNumber('cropImages', 'x', c.x, 0, 1);
      requireNumber('cropImages', 'y', c.y, 0, 1);
    }
    return sameRank(transformEach(x, crops.map((c) => cropMatrix(c.scale, c.x, c.y, h, w)), 'nearest'), images);
  });
}

/**
 * Applies a gamma curve to byte-range pixels: `255 * (clip(x, 0, 255) / 255) ** gamma` (per image,
 * or one exponent for all). Above 1 darkens the mid-tones, below 1 brightens them; 0 and 255 stay.
 *
 * @example
 * const darker = gammaImages(batch, [1.3, 0.8]);
 * @throws RangeError for an exponent that is not positive.
 */
export function gammaImages<R extends tf.Rank>(images: tf.Tensor<R>, gammas: readonly number[] | number): tf.Tensor<R> {
  return tf.tidy(() => {
    const x = asBatch(images, 'gammaImages');
    const n = x.shape[0];
    const list = perImage(gammas, n, 'gammaImages');
    for (const g of list) requireNumber('gammaImages', 'gamma', g, Number.MIN_VALUE, Number.MAX_VALUE);
    if (list.every((g) => g === 1)) return sameRank(x.clone(), images);
    const exponent = tf.tensor4d(list, [n, 1, 1, 1]);
    return sameRank(x.clipByValue(0, 255).div(255).pow(exponent).mul(255), images);
  });
}

/** Per-image intensity changes drawn by augmentation: see {@link intensityImages}. */
export interface IntensityParams {
  /** Contrast factor about the image's mean (1: unchanged). */
  readonly contrast: number;
  /** Offset in the image's standard deviations (0: unchanged). */
  readonly brightness: number;
  /** Standard deviation of Gaussian noise, in the image's standard deviations (0: none). */
  readonly noise: number;
  /** Seed of the noise pixels. */
  readonly noiseSeed: number;
}

/**
 * Changes contrast and brightness and adds Gaussian noise, each measured against the image's own
 * mean `m` and standard deviation `s`: `m + (x - m) * contrast + (brightness + noise * e) * s` with
 * `e` standard normal per pixel (from `noiseSeed`). On a standardized image (m = 0, s = 1) this is
 * `x * contrast + brightness + noise * e`, which is how the model applies it (after its
 * standardization layer, where a plain linear change would otherwise be undone).
 *
 * @example
 * const out = intensityImages(z, [{ contrast: 1.2, brightness: -0.1, noise: 0.05, noiseSeed: 7 }]);
 * @throws RangeError for a wrong number of parameters or a negative noise level.
 */
export function intensityImages<R extends tf.Rank>(images: tf.Tensor<R>, params: readonly IntensityParams[]): tf.Tensor<R> {
  return tf.tidy(() => {
    const x = asBatch(images, 'intensityImages');
    const [n, h, w, c] = x.shape;
    if (params.length !== n) throw new RangeError(`intensityImages: expected ${n} parameters (one per image), got ${params.length}.`);
    for (const p of params) {
      requireNumber('intensityImages', 'contrast', p.contrast, -Number.MAX_VALUE, Number.MAX_VALUE);
      requireNumber('intensityImages', 'brightness', p.brightness, -Number.MAX_VALUE, Number.MAX_VALUE);
      requireNumber('intensityImages', 'noise', p.noise, 0, Number.MAX_VALUE);
    }
    const { mean, variance } = tf.moments(x, [1, 2, 3], true);
    const std = tf.sqrt(variance);
    const contrast = tf.tensor4d(params.map((p) => p.contrast), [n, 1, 1, 1]);
    const brightness = tf.tensor4d(params.map((p) => p.brightness), [n, 1, 1, 1]);
    let shift: tf.Tensor4D = brightness;
    if (params.some((p) => p.noise > 0)) {
      const size = h * w * c;
      const values = new Float32Array(n * size);
      params.forEach((p, b) => {
        if (p.noise > 0) fillGaussian(values.subarray(b * size, (b + 1) * size), p.noiseSeed, p.noise);
      });
      shift = brightness.add(tf.tensor4d(values, [n, h, w, c]));
    }
    return sameRank(mean.add(x.sub(mean).mul(contrast)).add(shift.mul(std)), images);
  });
}

/** Fills `out` with Gaussian values of standard deviation `sigma` from `seed` (Box-Muller). */
function fillGaussian(out: Float32Array, seed: number, sigma: number): void {
  const rng = createRng(seed);
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - rng.next();
    const v = rng.next();
    const r = sigma * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
}

/**
 * Applies drawn parameters: flip, rotation, crop, zoom, shift, gamma, then contrast/brightness/noise,
 * exactly as the layers (RandomFlip, RandomRotation, RandomCrop, RandomZoom, RandomShift, RandomGamma,
 * RandomIntensity) do when stacked in that order with nothing between them. (In a model built by
 * `buildModel` the intensity layer comes after the standardization layer.)
 *
 * @example
 * const out = augmentImages(batch, [drawAugmentParams(1), drawAugmentParams(2)]);
 */
export function augmentImages<R extends tf.Rank>(
  images: tf.Tensor<R>,
  params: readonly AugmentParams[],
  fillMode: FillMode = 'reflect',
): tf.Tensor<R> {
  return tf.tidy(() => {
    const flipped = flipImages(images, params.map((p) => p.flip));
    const rotated = rotateImages(flipped, params.map((p) => p.rotationDegrees), fillMode);
    const cropped = params.some((p) => p.cropScale !== 1) ? cropImages(rotated, params.map((p) => ({ scale: p.cropScale, x: p.cropX, y: p.cropY }))) : rotated;
    const zoomed = zoomImages(cropped, params.map((p) => p.zoom), fillMode);
    const geometric = params.some((p) => p.shiftX !== 0 || p.shiftY !== 0) ? shiftImages(zoomed, params.map((p) => [p.shiftX, p.shiftY] as const), fillMode) : zoomed;
    const curved = gammaImages(geometric, params.map((p) => p.gamma));
    return params.some((p) => p.contrast !== 1 || p.brightness !== 0 || p.noise > 0) ? intensityImages(curved, params) : curved;
  });
}

/**
 * {@link augmentImages} for one image: flip, then rotation, then zoom, with given parameters.
 *
 * @example
 * const out = augmentImage(xray, drawAugmentParams(7));
 */
export function augmentImage(image: tf.Tensor3D, params: AugmentParams, fillMode: FillMode = 'reflect'): tf.Tensor3D {
  return augmentImages(image, [params], fillMode);
}
