import type * as tf from '@tensorflow/tfjs-core';
import { MIN_THREADED_ELEMENTS, SimdKernels } from './simd/simd-runner.js';
import { alignedScratch, heapOf, heapView, overShipped, release, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/**
 * `FusedBatchNorm` for the `wasm` backend: the generated `batchNorm` on all threads (two channels
 * at a time) where x is float32 with an even last axis C and mean, variance and, when given, scale
 * and offset are C float32 values (one per channel, as layers pass them); the shipped kernel
 * otherwise. The shipped kernel is a per-element C++ loop with a double division; this one does
 * the same arithmetic, so the same bits: per channel the factor `sqrt(variance + epsilon)` in
 * float32 (computed here once), then per element `(x - mean) * scale` in float32, divided by the
 * factor in float64, plus the offset in float64, rounded to float32.
 */
export function batchNormKernel(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info | Info[] => {
    const { backend } = args;
    const { x, mean, variance, scale, offset } = args.inputs as Record<string, Info | null | undefined>;
    const channels = x?.shape.at(-1) ?? 0;
    const perChannel = (t: Info | null | undefined, optional: boolean): boolean =>
      t === null || t === undefined ? optional : t.dtype === 'float32' && t.shape.reduce((a, b) => a * b, 1) === channels;
    const fits = x !== null && x !== undefined && x.dtype === 'float32' && x.shape.length >= 1 && channels > 0 && channels % 2 === 0;
    const simd = fits && perChannel(mean, false) && perChannel(variance, false) && perChannel(scale, true) && perChannel(offset, true) ? SimdKernels.of(backend) : undefined;
    if (simd === undefined || x === null || x === undefined) return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info | Info[];
    const epsilon = Math.fround(((args.attrs ?? {}) as unknown as tf.FusedBatchNormAttrs).varianceEpsilon);
    const heap = heapOf(backend);
    const out = heap.makeOutput([...x.shape], 'float32');
    const rows = x.shape.reduce((a, b) => a * b, 1) / channels;
    if (rows === 0) return out;
    // Factors and offsets (float64) first, then the scales (float32).
    const table = alignedScratch(backend, channels * 20);
    const factor = new Float64Array(table.buffer, table.address, channels);
    const shift = new Float64Array(table.buffer, table.address + channels * 8, channels);
    const scales = new Float32Array(table.buffer, table.address + channels * 16, channels);
    const varianceValues = heapView(backend, variance as Info);
    const scaleValues = scale === null || scale === undefined ? undefined : heapView(backend, scale);
    const offsetValues = offset === null || offset === undefined ? undefined : heapView(backend, offset);
    for (let c = 0; c < channels; c++) {
      scales[c] = scaleValues?.[c] ?? 1; // ones where no scale is given
      factor[c] = Math.fround(Math.sqrt(Math.fround((varianceValues[c] ?? NaN) + epsilon)));
      shift[c] = offsetValues?.[c] ?? 0;
    }
    const count = rows * channels;
    simd.run(
      'batchNorm',
      Math.min(rows, 64),
      { x: simd.address(x), mean: simd.address(mean as Info), scale: table.address + channels * 16, factor: table.address, offset: table.address + channels * 8, out: simd.address(out), rows, c: channels },
      count < MIN_THREADED_ELEMENTS ? 1 : Infinity,
    );
    release(backend, table.info);
    return out;
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}
