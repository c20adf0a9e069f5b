import type * as tf from '@tensorflow/tfjs-core';
import { RESAMPLE_FILL } from './simd/simd-module.js';
import { SimdKernels } from './simd/simd-runner.js';
import { alignedScratch, heapOf, release, type Info } from './wasm-calls.js';

/**
 * Name of the kernel this package registers for `wasm`: bilinear resampling of a batch of images
 * through one affine matrix per image (augmentation's rotations, zooms, crops and shifts). Inputs
 * `{ images }` (float32 [n, h, w, c]); attributes `{ matrices, fillMode }`: n x 6 numbers (a0 a1 a2
 * b0 b1 b2 per image, `tf.image.transform`'s first six: output pixel (x, y) reads input
 * (a0 x + a1 y + a2, b0 x + b1 y + b2)) and one of 'reflect', 'constant', 'nearest', 'wrap' (Keras').
 * An image library may look it up by name (`tf.getKernel`) and run it where the backend has it.
 */
export const BILINEAR_RESAMPLE = 'CxrBilinearResample';

/** Below this many output pixels the kernel runs on the calling thread alone. */
const MIN_THREADED_PIXELS = 1 << 14;

/** How far from the image an input coordinate may fall (the generated kernel works in i32). */
const COORDINATE_LIMIT = 2 ** 29;

/**
 * {@link BILINEAR_RESAMPLE} on the generated `resample` function (simd/simd-module.ts), on all
 * threads from {@link MIN_THREADED_PIXELS} output pixels: per output pixel, coordinates in float64 and the four corners'
 * weights rounded to float32; out of the image, the fill mode; a corner outside the image or of
 * weight 0 reads pixel 0 with weight 0; per channel the four float32 products added in corner
 * order. That is the arithmetic of `@cxr/preprocess`'s resampler, so the bits are the same.
 *
 * @throws Error when the generated kernels cannot run on this backend (no SIMD, memory out of
 * reach): the caller then resamples another way. RangeError for a bad shape, matrix count or fill
 * mode, or a matrix that maps a corner of the image beyond 2^29 pixels.
 */
export function bilinearResampleWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): Info {
  const { backend } = args;
  const images = args.inputs['images'] as Info;
  const attrs = (args.attrs ?? {}) as { matrices?: number[]; fillMode?: string };
  const matrices = attrs.matrices ?? [];
  const fill = RESAMPLE_FILL[attrs.fillMode as keyof typeof RESAMPLE_FILL];
  if (images.dtype !== 'float32' || images.shape.length !== 4) throw new RangeError(`${BILINEAR_RESAMPLE}: images must be float32 [n, h, w, c], got ${images.dtype} [${images.shape.join(', ')}]`);
  const [n, h, w, c] = images.shape as [number, number, number, number];
  if (matrices.length !== n * 6) throw new RangeError(`${BILINEAR_RESAMPLE}: expected ${n * 6} matrix entries (6 per image), got ${matrices.length}`);
  if (fill === undefined) throw new RangeError(`${BILINEAR_RESAMPLE}: fillMode must be one of ${Object.keys(RESAMPLE_FILL).join(', ')}, got ${String(attrs.fillMode)}`);
  for (let b = 0; b < n; b++) {
    const [a0, a1, a2, b0, b1, b2] = matrices.slice(6 * b, 6 * b + 6) as [number, number, number, number, number, number];
    for (const [x, y] of [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]] as const) {
      // An affine map takes its extremes over the image at its corners.
      if (!(Math.abs(a0 * x + a1 * y + a2) < COORDINATE_LIMIT && Math.abs(b0 * x + b1 * y + b2) < COORDINATE_LIMIT)) {
        throw new RangeError(`${BILINEAR_RESAMPLE}: the matrix of image ${b} maps a corner beyond ${COORDINATE_LIMIT} pixels (or to NaN)`);
      }
    }
  }
  const simd = SimdKernels.of(backend);
  if (simd === undefined) throw new Error(`${BILINEAR_RESAMPLE}: the generated kernels cannot run on this backend`);
  const heap = heapOf(backend);
  const out = heap.makeOutput([...images.shape], 'float32');
  if (n * h * w * c === 0) return out;
  // The matrices as float64 on the heap, 6 per image.
  const table = alignedScratch(backend, n * 6 * 8);
  new Float64Array(table.buffer, table.address, n * 6).set(matrices);
  // Tens of operations per pixel: worth the workers from a few thousand pixels on.
  simd.run('resample', simd.balancedParts(n * h), { src: simd.address(images), dst: simd.address(out), matrices: table.address, n, h, w, c, fill }, n * h * w < MIN_THREADED_PIXELS ? 1 : Infinity);
  release(backend, table.info);
  return out;
}
