import * as tf from '@tensorflow/tfjs';

/** How pixels outside the source image are filled (Keras' modes). */
type FillMode = 'reflect' | 'constant' | 'nearest' | 'wrap';

/** Backends whose tensors live in main memory, where reading a batch back costs a copy at most. */
export const IN_MEMORY_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm', 'tensorflow']);

export function mapCoordinate(c: number, length: number, fillMode: FillMode): number {
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

/**
 * The four bilinear corners of output pixel (x, y) of image `b` through matrix `m`
 * (`tf.image.transform`'s layout), in the order top-left, top-right, bottom-left, bottom-right:
 * each corner's input pixel, counted in pixels from the batch's start, in `index`, and its weight,
 * rounded to float32, in `weight`. A corner outside the image (after the fill mode) or without
 * weight, and every corner of a point at infinity, gets pixel 0 and weight 0.
 */
function bilinearCorners(x: number, y: number, b: number, m: readonly number[], h: number, w: number, fillMode: FillMode, index: Int32Array, weight: Float32Array): void {
  index.fill(0);
  weight.fill(0);
  const [a0, a1, a2, b0, b1, b2, c0, c1] = m as [number, number, number, number, number, number, number, number];
  const k = c0 * x + c1 * y + 1;
  if (k === 0) return;
  const inX = (a0 * x + a1 * y + a2) / k;
  const inY = (b0 * x + b1 * y + b2) / k;
  const x0 = Math.floor(inX);
  const y0 = Math.floor(inY);
  const fx = inX - x0;
  const fy = inY - y0;
  const rows = [mapCoordinate(y0, h, fillMode), mapCoordinate(y0 + 1, h, fillMode)] as const;
  const columns = [mapCoordinate(x0, w, fillMode), mapCoordinate(x0 + 1, w, fillMode)] as const;
  const weights = [(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx] as const;
  for (let corner = 0; corner < 4; corner++) {
    const row = rows[corner >> 1] ?? -1;
    const column = columns[corner & 1] ?? -1;
    const wt = weights[corner] ?? 0;
    if (row < 0 || column < 0 || wt === 0) continue;
    index[corner] = (b * h + row) * w + column;
    weight[corner] = wt;
  }
}

/**
 * Resamples each image through its own affine/projective matrix (output pixel -> input pixel,
 * `tf.image.transform`'s layout), bilinear, with `fillMode` for coordinates outside the image.
 *
 * Built from gather/mul/add instead of `tf.image.transform`: in tfjs 4.22 the cpu kernel of
 * Transform stops after the first image of a batch, and the wasm kernel reflects negative
 * coordinates wrongly, so the two backends disagreed. These ops agree on every backend.
 */
export function resampleWithGather(images: tf.Tensor4D, matrices: readonly (readonly number[])[], fillMode: FillMode): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  const count = n * h * w;
  const [index0, index1, index2, index3] = [new Int32Array(count), new Int32Array(count), new Int32Array(count), new Int32Array(count)];
  const [weight0, weight1, weight2, weight3] = [new Float32Array(count), new Float32Array(count), new Float32Array(count), new Float32Array(count)];
  const cornerIndex = new Int32Array(4);
  const cornerWeight = new Float32Array(4);
  const index = [index0, index1, index2, index3];
  const weight = [weight0, weight1, weight2, weight3];
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const out = (b * h + y) * w + x;
        bilinearCorners(x, y, b, matrices[b] as readonly number[], h, w, fillMode, cornerIndex, cornerWeight);
        for (let corner = 0; corner < 4; corner++) {
          (index[corner] as Int32Array)[out] = cornerIndex[corner] as number;
          (weight[corner] as Float32Array)[out] = cornerWeight[corner] as number;
        }
      }
    }
  }
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
 * {@link resampleWithGather} in one pass over pixels in main memory, with the same float32
 * arithmetic in the same order (each product and each partial sum rounded to float32; a corner
 * outside the image or without weight reads pixel 0 with weight 0, as the gather does), so both
 * give the same bits. No per-pixel arrays: nothing is allocated but the output. Affine matrices
 * on one channel (every augmentation of grey X-rays) take a loop of their own: the row's share
 * of the coordinates computed once, fill-mode mapping only at the edges, no channel loop.
 */
export function resampleInMemory(src: Float32Array, shape: readonly [number, number, number, number], matrices: readonly (readonly number[])[], fillMode: FillMode): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    const m = matrices[b] as readonly number[];
    if (c === 1 && m[6] === 0 && m[7] === 0) resampleAffineGrey(src, out, b, h, w, m, fillMode);
    else resampleImage(src, out, b, shape, m, fillMode);
  }
  return out;
}

/**
 * Image `b` of {@link resampleInMemory} for an affine matrix (c0 = c1 = 0, so the divisor is
 * exactly 1) and one channel: the same values as {@link resampleImage}, computed with fewer steps.
 */
function resampleAffineGrey(src: Float32Array, out: Float32Array, b: number, h: number, w: number, m: readonly number[], fillMode: FillMode): void {
  const [a0, a1, a2, b0, b1, b2] = m as [number, number, number, number, number, number];
  const fr = Math.fround;
  const row = b * h;
  // What a corner without weight (or outside) adds: pixel 0 of the batch times 0.
  const none = fr((src[0] as number) * 0);
  for (let y = 0; y < h; y++) {
    // (a0 * x + a1 * y) + a2, as the general loop, with a1 * y taken out of the column loop.
    const ay = a1 * y;
    const by = b1 * y;
    const at = (row + y) * w;
    for (let x = 0; x < w; x++) {
      const inX = a0 * x + ay + a2;
      const inY = b0 * x + by + b2;
      const x0 = Math.floor(inX);
      const y0 = Math.floor(inY);
      const fx = inX - x0;
      const fy = inY - y0;
      let top = y0;
      let bottom = y0 + 1;
      if (!(y0 >= 0 && bottom < h)) {
        top = mapCoordinate(y0, h, fillMode);
        bottom = mapCoordinate(y0 + 1, h, fillMode);
      }
      let left = x0;
      let right = x0 + 1;
      if (!(x0 >= 0 && right < w)) {
        left = mapCoordinate(x0, w, fillMode);
        right = mapCoordinate(x0 + 1, w, fillMode);
      }
      const wt0 = (1 - fy) * (1 - fx);
      const wt1 = (1 - fy) * fx;
      const wt2 = fy * (1 - fx);
      const wt3 = fy * fx;
      const t0 = top >= 0 && left >= 0 && wt0 !== 0 ? fr((src[(row + top) * w + left] as number) * fr(wt0)) : none;
      const t1 = top >= 0 && right >= 0 && wt1 !== 0 ? fr((src[(row + top) * w + right] as number) * fr(wt1)) : none;
      const t2 = bottom >= 0 && left >= 0 && wt2 !== 0 ? fr((src[(row + bottom) * w + left] as number) * fr(wt2)) : none;
      const t3 = bottom >= 0 && right >= 0 && wt3 !== 0 ? fr((src[(row + bottom) * w + right] as number) * fr(wt3)) : none;
      out[at + x] = fr(fr(fr(t0 + t1) + t2) + t3);
    }
  }
}

/** Image `b` of {@link resampleInMemory}, any matrix and channel count. */
function resampleImage(src: Float32Array, out: Float32Array, b: number, shape: readonly [number, number, number, number], m: readonly number[], fillMode: FillMode): void {
  const [, h, w, c] = shape;
  const fr = Math.fround;
  const index = new Int32Array(4);
  const weight = new Float32Array(4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = ((b * h + y) * w + x) * c;
      bilinearCorners(x, y, b, m, h, w, fillMode, index, weight);
      const [i0, i1, i2, i3] = [(index[0] as number) * c, (index[1] as number) * c, (index[2] as number) * c, (index[3] as number) * c];
      const [w0, w1, w2, w3] = weight as unknown as [number, number, number, number];
      for (let ch = 0; ch < c; ch++) {
        const t0 = fr((src[i0 + ch] as number) * w0);
        const t1 = fr((src[i1 + ch] as number) * w1);
        const t2 = fr((src[i2 + ch] as number) * w2);
        const t3 = fr((src[i3 + ch] as number) * w3);
        out[at + ch] = fr(fr(fr(t0 + t1) + t2) + t3);
      }
    }
  }
}
