import * as tf from '@tensorflow/tfjs-core';
import { MIN_THREADED_ELEMENTS, SimdKernels } from './simd/simd-runner.js';
import { reluGradWasm } from './elementwise.js';
import { call, constant, heapOf, heapView, overShipped, release, reshape, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/** Fixed row chunks of a reduction with fewer than this many outputs rows (the same bits on any thread count). */
export const ROW_SUM_CHUNKS = 8;

/**
 * The reduced axes as one run [first, last] of consecutive axes that leaves the last axis out
 * (bias and batch-norm gradients: [0, 1, 2] of NHWC; global average pooling: [1, 2]), or undefined.
 */
function axisRun(axis: number | number[], shape: number[]): { first: number; last: number } | undefined {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  if (axes.length === 0 || (axes.at(-1) ?? shape.length) >= shape.length - 1) return undefined;
  const first = axes[0] ?? 0;
  return axes.every((a, i) => a === first + i) ? { first, last: first + axes.length - 1 } : undefined;
}

/**
 * `Sum` or `Mean` over a run of consecutive axes that is not the last, without the shipped
 * transpose-then-reduce (the transpose makes it many times slower). x is viewed as
 * [outer, rows, inner]: with inner a multiple of 4, the generated SIMD `rowSum` on all threads
 * (each output sums its rows in order; with fewer than {@link ROW_SUM_CHUNKS} outer indices the
 * rows go in that many fixed chunks added in order, so the bits do not depend on the thread
 * count), and a mean divides that sum by the row count. Leading axes with other inner sizes are
 * one XNNPACK average pool whose single window covers all rows (times the row count for a sum).
 * Any other reduction goes to the shipped kernel.
 */
export function leadingAxesReduction(kind: 'Sum' | 'Mean', shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info | Info[] => {
    const x = args.inputs['x'] as Info;
    const attrs = (args.attrs ?? {}) as unknown as tf.SumAttrs;
    const run = x.dtype === 'float32' ? axisRun(attrs.axis, x.shape) : undefined;
    const size = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);
    const outer = run === undefined ? 0 : size(x.shape.slice(0, run.first));
    const rows = run === undefined ? 0 : size(x.shape.slice(run.first, run.last + 1));
    const inner = run === undefined ? 0 : size(x.shape.slice(run.last + 1));
    if (run === undefined || outer * rows * inner === 0) return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info | Info[];
    const { backend } = args;
    const outShape = x.shape.flatMap((d, axis) => (axis < run.first || axis > run.last ? [d] : attrs.keepDims ? [1] : []));
    if (rows === 1) return reshape(backend, x, outShape);
    const simd = inner % 4 === 0 ? SimdKernels.of(backend) : undefined;
    if (simd !== undefined) return rowSumOnSimd(simd, backend, x, { outer, rows, inner }, kind, outShape);
    if (outer !== 1) return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info | Info[];
    // An XNNPACK average pool with one window over all rows: [1, R, 1, C] -> [1, 1, 1, C].
    const column = reshape(backend, x, [1, rows, 1, inner]);
    const mean = call('AvgPool', backend, { x: column }, { filterSize: [rows, 1], strides: [rows, 1], pad: 'valid', dimRoundingMode: undefined });
    release(backend, column);
    let result = mean;
    if (kind === 'Sum') {
      const count = constant(backend, [], Float32Array.of(rows));
      result = call('Multiply', backend, { a: mean, b: count });
      release(backend, mean, count);
    }
    const out = reshape(backend, result, outShape);
    release(backend, result);
    return out;
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}

function rowSumOnSimd(
  simd: SimdKernels,
  backend: tf.KernelBackend,
  x: Info,
  view: { outer: number; rows: number; inner: number },
  kind: 'Sum' | 'Mean',
  outShape: number[],
  relu?: { readonly mask: Info; readonly masked: Info },
): Info {
  const { outer, rows, inner } = view;
  const heap = heapOf(backend);
  const chunks = outer < ROW_SUM_CHUNKS ? ROW_SUM_CHUNKS : 1;
  const out = heap.makeOutput(outShape, 'float32');
  const scratch = chunks > 1 ? heap.makeOutput([(chunks - 1) * outer * inner], 'float32') : undefined;
  const spare = scratch === undefined ? 0 : simd.address(scratch);
  const dst = simd.address(out);
  const items = outer * chunks;
  const masked = relu === undefined ? { mask: 0, masked: 0 } : { mask: simd.address(relu.mask), masked: simd.address(relu.masked) };
  simd.run('rowSum', Math.min(items, 64), { x: simd.address(x), out: dst, scratch: spare, outer, rows, inner, chunks, ...masked }, outer * rows * inner < MIN_THREADED_ELEMENTS ? 1 : Infinity);
  if (scratch !== undefined) {
    simd.run('sumParts', 1, { dst, scratch: spare, count: outer * inner, copies: chunks - 1 });
    release(backend, scratch);
  }
  if (kind === 'Mean') {
    const values = heapView(backend, out);
    for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) / rows;
  }
  return out;
}

/** Name of the kernel this package registers for `wasm` that returns ReLU's gradient and its sum over all axes but the last. */
export const RELU_GRAD_SUM = 'CxrReluGradSum';

/**
 * ReLU's gradient `dy * step(x)` and its sum over every axis but the last (a conv layer's bias
 * gradient) for the `wasm` backend, in one pass: the generated `rowSum` writes the gradient as it
 * sums it, where dy and x are float32 of the same shape, of more than one row, whose last axis is a multiple of 4. The
 * bits of `CxrReluGrad` and of `Sum` over those axes (the same chunks, added in the same order).
 * Otherwise those two kernels, one after the other.
 */
export function reluGradSumWasm(args: KernelArgs): Info[] {
  const { backend } = args;
  const dy = args.inputs['dy'] as Info;
  const x = args.inputs['x'] as Info;
  const channels = x.shape.at(-1) ?? 0;
  const count = x.shape.reduce((a, b) => a * b, 1);
  // One row: `Sum` returns the row itself (a lone -0 stays -0), so the two kernels do it.
  const simd = channels % 4 === 0 && count > channels && x.shape.length >= 2 && dy.dtype === 'float32' && x.dtype === 'float32' && tf.util.arraysEqual(dy.shape, x.shape) ? SimdKernels.of(backend) : undefined;
  if (simd !== undefined) {
    const gradient = heapOf(backend).makeOutput([...x.shape], 'float32');
    const sum = rowSumOnSimd(simd, backend, dy, { outer: 1, rows: count / channels, inner: channels }, 'Sum', [channels], { mask: x, masked: gradient });
    return [gradient, sum];
  }
  const gradient = reluGradWasm(args);
  return [gradient, call('Sum', backend, { x: gradient }, { axis: x.shape.slice(0, -1).map((_, i) => i), keepDims: false })];
}
