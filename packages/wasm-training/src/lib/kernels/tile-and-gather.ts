import * as tf from '@tensorflow/tfjs-core';
import { SimdKernels } from './simd/simd-runner.js';
import { heapOf, overShipped, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

const HEAP_TYPES = new Set<tf.DataType>(['float32', 'int32', 'bool']);

/**
 * `Tile` when the output is the whole input repeated end to end: every axis before some axis m
 * has size 1 (and any repeat count), every axis from m on is repeated once. That is the
 * broadcast in the batch-norm and bias gradients ([1, 1, 1, C] tiled to [N, H, W, C]), which the
 * shipped C++ loop did element by element (~0.7 s per step of the compact CNN). Here it is one
 * copy of the input and log2(repeats) doubling copies. Other tilings are copied block by block
 * ({@link tileByBlocks}); the shipped loop took ~100 ns per element. Other dtypes go to it.
 */
export function repeatTile(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info => {
    const x = args.inputs['x'] as Info;
    const reps = ((args.attrs ?? {}) as unknown as tf.TileAttrs).reps;
    const m = x.shape.findIndex((size, d) => size !== 1 || (reps[d] ?? 1) === 1);
    const first = m < 0 ? x.shape.length : m;
    const pattern = x.shape.every((_, d) => d < first || reps[d] === 1);
    if (!HEAP_TYPES.has(x.dtype)) return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    const heap = heapOf(args.backend);
    const out = heap.makeOutput(x.shape.map((size, d) => size * (reps[d] ?? 1)), x.dtype);
    const values = heap.typedArrayFromHeap(out);
    const source = heap.typedArrayFromHeap(x);
    if (!pattern) {
      tileByBlocks(source, values, x.shape, reps);
      return out;
    }
    values.set(source, 0);
    for (let filled = source.length; filled < values.length && filled > 0; filled *= 2) {
      values.copyWithin(filled, 0, Math.min(filled, values.length - filled));
    }
    return out;
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}

/**
 * Any other tiling: the trailing axes that are not repeated form one contiguous block of the input
 * (all of it when none are), copied to each place it goes in the output, in output order (e.g.
 * [N, 1, 1, C] to [N, H, W, C], the global-average-pool gradient: N*H*W copies of C values).
 */
function tileByBlocks(source: Float32Array | Int32Array | Uint8Array, values: Float32Array | Int32Array | Uint8Array, shape: readonly number[], reps: readonly number[]): void {
  let k = shape.length;
  while (k > 0 && (reps[k - 1] ?? 1) === 1) k--;
  const inner = shape.slice(k).reduce((a, b) => a * b, 1);
  const outShape = shape.slice(0, k).map((size, d) => size * (reps[d] ?? 1));
  const blocks = outShape.reduce((a, b) => a * b, 1);
  const strides = shape.slice(0, k).map((_, d) => shape.slice(d + 1, k).reduce((a, b) => a * b, 1));
  const coordinate = new Array<number>(k).fill(0);
  for (let b = 0; b < blocks; b++) {
    let from = 0;
    for (let d = 0; d < k; d++) from += ((coordinate[d] ?? 0) % (shape[d] ?? 1)) * (strides[d] ?? 0);
    if (inner === 1) values[b] = source[from] ?? 0;
    else values.set(source.subarray(from * inner, from * inner + inner), b * inner);
    for (let d = k - 1; d >= 0; d--) {
      const next = (coordinate[d] ?? 0) + 1;
      if (next < (outShape[d] ?? 1)) {
        coordinate[d] = next;
        break;
      }
      coordinate[d] = 0;
    }
  }
}

/**
 * `GatherV2` (no batch dimensions) as one pass over the heap: out[o, i, s] = x[o, indices[i], s].
 * The shipped kernel read the indices back to check them and then gathered in C++ at ~100 ns per
 * element (the bilinear resampling of the augmentation layers gathers millions per step). An
 * index outside [0, size) throws, as on `cpu`. float32 and int32 are copied by the generated
 * `gather32` kernel (simd/simd-module.ts), bool in JavaScript. Batched gathers go to the shipped kernel.
 */
export function fastGather(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info => {
    const x = args.inputs['x'] as Info;
    const indices = args.inputs['indices'] as Info;
    const attrs = (args.attrs ?? {}) as unknown as tf.GatherV2Attrs;
    if ((attrs.batchDims ?? 0) !== 0 || !HEAP_TYPES.has(x.dtype) || indices.dtype !== 'int32') {
      return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    }
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] ?? 0;
    const size = x.shape[axis] ?? 1;
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const slice = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const heap = heapOf(args.backend);
    const out = heap.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
    const values = heap.typedArrayFromHeap(out);
    const source = heap.typedArrayFromHeap(x);
    const where = heap.typedArrayFromHeap(indices) as Int32Array;
    const count = where.length;
    for (let i = 0; i < count; i++) {
      const index = where[i] as number;
      if (index < 0 || index >= size) {
        args.backend.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${index} is not in [0, ${size - 1}]`);
      }
    }
    const simd = x.dtype === 'bool' || out.shape.some((d) => d === 0) ? undefined : SimdKernels.of(args.backend);
    if (simd !== undefined) {
      // float32 and int32 are both 4-byte words: the generated kernel copies them alike.
      const parts = outer * count * slice >= 1 << 16 ? simd.maxThreads : 1;
      simd.run('gather32', parts, { src: simd.address(x), indices: simd.address(indices), dst: simd.address(out), outer, size, count, slice });
      return out;
    }
    let o = 0;
    if (slice === 1) {
      for (let b = 0; b < outer; b++) {
        const base = b * size;
        for (let i = 0; i < count; i++) values[o++] = source[base + (where[i] as number)] as number;
      }
    } else {
      for (let b = 0; b < outer; b++) {
        for (let i = 0; i < count; i++, o += slice) {
          const from = (b * size + (where[i] as number)) * slice;
          values.set(source.subarray(from, from + slice), o);
        }
      }
    }
    return out;
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}
