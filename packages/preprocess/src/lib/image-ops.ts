import * as tf from '@tensorflow/tfjs';
import { createRng } from './seeded-random.js';
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
}

/** Ranges the augmentation parameters are drawn from. */
export interface AugmentOptions {
  /** Whether images may be mirrored left-right (half of them are). Default true. */
  readonly flip?: boolean;
  /** Largest rotation in degrees (angle uniform in [-r, r]), 0..180. Default 10. */
  readonly rotationDegrees?: number;
  /** Largest zoom fraction (factor uniform in [1 - z, 1 + z]), 0..0.9. Default 0.1. */
  readonly zoom?: number;
}

/** Defaults of {@link AugmentOptions}, filled in one place. */
export const AUGMENT_DEFAULTS: Required<AugmentOptions> = Object.freeze({ flip: true, rotationDegrees: 10, zoom: 0.1 });

/** Validates augmentation ranges for `stage` and fills the defaults. */
export function resolveAugmentOptions(stage: string, options: AugmentOptions = {}): Required<AugmentOptions> {
  requireObject(stage, options);
  return {
    flip: requireBoolean(stage, 'flip', options.flip ?? AUGMENT_DEFAULTS.flip),
    rotationDegrees: requireNumber(stage, 'rotationDegrees', options.rotationDegrees ?? AUGMENT_DEFAULTS.rotationDegrees, 0, 180),
    zoom: requireNumber(stage, 'zoom', options.zoom ?? AUGMENT_DEFAULTS.zoom, 0, 0.9),
  };
}

/**
 * Draws one image's augmentation parameters from a seed (the random half of augmentation).
 *
 * Three numbers are always drawn in the same order (flip, angle, zoom), so each parameter depends
 * only on the seed and its own range: the separate flip, rotation and zoom layers, given the same
 * seed, draw exactly the parameters this function returns for their combined options.
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
  return {
    flip: o.flip && flipDraw < 0.5,
    rotationDegrees: o.rotationDegrees === 0 ? 0 : o.rotationDegrees * (2 * angleDraw - 1),
    zoom: o.zoom === 0 ? 1 : 1 + o.zoom * (2 * zoomDraw - 1),
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

/** `tf.image.transform` matrix scaling content by `zoom` about the centre (zoom > 1 enlarges). */
export function zoomMatrix(zoom: number, height: number, width: number): number[] {
  const s = 1 / zoom;
  return [s, 0, ((width - 1) / 2) * (1 - s), 0, s, ((height - 1) / 2) * (1 - s), 0, 0];
}

function mapCoordinate(c: number, length: number, fillMode: FillMode): number {
  if (c >= 0 && c < length) return c;
  switch (fillMode) {
    case 'constant':
      return -1;
    case 'nearest':
      return c < 0 ? 0 : length - 1;
    case 'wrap':
      return ((c % length) + length) % length;
    case 'reflect': {
      // Half-sample symmetric, as Keras: (d c b a | a b c d | d c b a).
      const period = 2 * length;
      const m = ((c % period) + period) % period;
      return m < length ? m : period - 1 - m;
    }
  }
}

/** One bilinear corner of output pixel `out`: input pixel (my, mx) of the image starting at row `row`, unless outside (-1) or weightless. */
function setCorner(index: Int32Array, weight: Float32Array, out: number, my: number, mx: number, wt: number, row: number, w: number): void {
  if (my < 0 || mx < 0 || wt === 0) return;
  index[out] = (row + my) * w + mx;
  weight[out] = wt;
}

/**
 * Resamples each image through its own affine/projective matrix (output pixel -> input pixel,
 * `tf.image.transform`'s layout), bilinear, with `fillMode` for coordinates outside the image.
 *
 * Built from gather/mul/add instead of `tf.image.transform`: in tfjs 4.22 the cpu kernel of
 * Transform stops after the first image of a batch, and the wasm kernel reflects negative
 * coordinates wrongly, so the two backends disagreed. These ops agree on every backend.
 */
function transformEach(images: tf.Tensor4D, matrices: readonly (readonly number[])[], fillMode: FillMode): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  const count = n * h * w;
  const [index0, index1, index2, index3] = [new Int32Array(count), new Int32Array(count), new Int32Array(count), new Int32Array(count)];
  const [weight0, weight1, weight2, weight3] = [new Float32Array(count), new Float32Array(count), new Float32Array(count), new Float32Array(count)];
  for (let b = 0; b < n; b++) {
    const m = matrices[b] as readonly number[];
    const [a0, a1, a2, b0, b1, b2, c0, c1] = m as [number, number, number, number, number, number, number, number];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const out = (b * h + y) * w + x;
        const k = c0 * x + c1 * y + 1;
        if (k === 0) continue; // weights stay 0: the point is at infinity
        const inX = (a0 * x + a1 * y + a2) / k;
        const inY = (b0 * x + b1 * y + b2) / k;
        const x0 = Math.floor(inX);
        const y0 = Math.floor(inY);
        const fx = inX - x0;
        const fy = inY - y0;
        // The four neighbours, written out (no per-pixel arrays: this loop runs for every pixel of every training batch).
        const top = mapCoordinate(y0, h, fillMode);
        const bottom = mapCoordinate(y0 + 1, h, fillMode);
        const left = mapCoordinate(x0, w, fillMode);
        const right = mapCoordinate(x0 + 1, w, fillMode);
        const row = b * h;
        setCorner(index0, weight0, out, top, left, (1 - fy) * (1 - fx), row, w);
        setCorner(index1, weight1, out, top, right, (1 - fy) * fx, row, w);
        setCorner(index2, weight2, out, bottom, left, fy * (1 - fx), row, w);
        setCorner(index3, weight3, out, bottom, right, fy * fx, row, w);
      }
    }
  }
  const index = [index0, index1, index2, index3];
  const weight = [weight0, weight1, weight2, weight3];
  return tf.tidy(() => {
    const flat = images.reshape([count, c]);
    let sum: tf.Tensor2D | undefined;
    for (let corner = 0; corner < 4; corner++) {
      const term = tf
        .gather(flat, tf.tensor1d(index[corner] as Int32Array, 'int32'))
        .mul(tf.tensor2d(weight[corner] as Float32Array, [count, 1])) as tf.Tensor2D;
      sum = sum === undefined ? term : (sum.add(term) as tf.Tensor2D);
    }
    return (sum as tf.Tensor2D).reshape([n, h, w, c]);
  });
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
 * Applies drawn parameters: flip, then rotation, then zoom, exactly as the three layers
 * (RandomFlip, RandomRotation, RandomZoom) do when stacked in that order.
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
    return zoomImages(rotated, params.map((p) => p.zoom), fillMode);
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
