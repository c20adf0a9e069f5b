import * as tf from '@tensorflow/tfjs-core';
import { SimdKernels } from './simd/simd-runner.js';
import { heapOf, overShipped, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

const HEAP_TYPES = new Set<tf.DataType>(['float32', 'int32', 'bool']);

/**
 * `Tile` as copies over the heap: the broadcasts of the batch-norm and bias gradients ([1, 1, 1, C]
 * tiled to [N, H, W, C]) and of the global-average-pool gradient ([N, 1, 1, C] to [N, H, W, C]),
 * which the shipped C++ loop did element by element (~100 ns per element; ~0.7 s per step of the
 * compact CNN). See {@link tileInto}. Other dtypes go to the shipped kernel.
 */
export function repeatTile(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info => {
    const x = args.inputs['x'] as Info;
    const reps = ((args.attrs ?? {}) as unknown as tf.TileAttrs).reps;
    if (!HEAP_TYPES.has(x.dtype)) return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    const heap = heapOf(args.backend);
    const out = heap.makeOutput(x.shape.map((size, d) => size * (reps[d] ?? 1)), x.dtype);
    tileInto(heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out), x.shape, reps);
    return out;
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}

/**
 * Writes `source` (of `shape`) tiled `reps` times into `values`, from the outer axes in: the
 * trailing axes that are not repeated are one contiguous block of the input; for each axis
 * before them, its part of the output is written once (recursively) and then doubled with
 * `copyWithin` until it is repeated reps times. [N, 1, 1, C] tiled to [N, H, W, C] is, per image,
 * one copy of C values and log2(H) + log2(W) doublings, not H x W copies.
 */
function tileInto(source: Float32Array | Int32Array | Uint8Array, values: Float32Array | Int32Array | Uint8Array, shape: readonly number[], reps: readonly number[]): void {
  let k = shape.length;
  while (k > 0 && (reps[k - 1] ?? 1) === 1) k--;
  // Elements from axis d on, of the output and of the input.
  const outSlab = new Array<number>(k + 1).fill(0);
  const inSlab = new Array<number>(k + 1).fill(0);
  outSlab[k] = inSlab[k] = shape.slice(k).reduce((a, b) => a * b, 1);
  for (let d = k - 1; d >= 0; d--) {
    outSlab[d] = (outSlab[d + 1] ?? 0) * (shape[d] ?? 1) * (reps[d] ?? 1);
    inSlab[d] = (inSlab[d + 1] ?? 0) * (shape[d] ?? 1);
  }
  const inner = outSlab[k] ?? 0;
  const fill = (d: number, from: number, to: number): void => {
    if (d === k) {
      if (inner === 1) values[to] = source[from] ?? 0;
      else values.set(source.subarray(from, from + inner), to);
      return;
    }
    const size = shape[d] ?? 1;
    const below = outSlab[d + 1] ?? 0;
    for (let i = 0; i < size; i++) fill(d + 1, from + i * (inSlab[d + 1] ?? 0), to + i * below);
    const total = outSlab[d] ?? 0;
    for (let filled = size * below; filled > 0 && filled < total; filled *= 2) values.copyWithin(to + filled, to, to + Math.min(filled, total - filled));
  };
  fill(0, 0, 0);
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
