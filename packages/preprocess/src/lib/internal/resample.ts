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
export function resampleWithGather(images: tf.Tensor4D, matrices: readonly (readonly number[])[], fillMode: FillMode): tf.Tensor4D {
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
  const [a0, a1, a2, b0, b1, b2, c0, c1] = m as [number, number, number, number, number, number, number, number];
  const row = b * h;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = ((b * h + y) * w + x) * c;
      let i0 = 0;
      let i1 = 0;
      let i2 = 0;
      let i3 = 0;
      let w0 = 0;
      let w1 = 0;
      let w2 = 0;
      let w3 = 0;
      const k = c0 * x + c1 * y + 1;
      if (k !== 0) {
        const inX = (a0 * x + a1 * y + a2) / k;
        const inY = (b0 * x + b1 * y + b2) / k;
        const x0 = Math.floor(inX);
        const y0 = Math.floor(inY);
        const fx = inX - x0;
        const fy = inY - y0;
        const top = mapCoordinate(y0, h, fillMode);
        const bottom = mapCoordinate(y0 + 1, h, fillMode);
        const left = mapCoordinate(x0, w, fillMode);
        const right = mapCoordinate(x0 + 1, w, fillMode);
        const wt0 = (1 - fy) * (1 - fx);
        const wt1 = (1 - fy) * fx;
        const wt2 = fy * (1 - fx);
        const wt3 = fy * fx;
        if (top >= 0 && left >= 0 && wt0 !== 0) {
          i0 = ((row + top) * w + left) * c;
          w0 = fr(wt0);
        }
        if (top >= 0 && right >= 0 && wt1 !== 0) {
          i1 = ((row + top) * w + right) * c;
          w1 = fr(wt1);
        }
        if (bottom >= 0 && left >= 0 && wt2 !== 0) {
          i2 = ((row + bottom) * w + left) * c;
          w2 = fr(wt2);
        }
        if (bottom >= 0 && right >= 0 && wt3 !== 0) {
          i3 = ((row + bottom) * w + right) * c;
          w3 = fr(wt3);
        }
      }
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
