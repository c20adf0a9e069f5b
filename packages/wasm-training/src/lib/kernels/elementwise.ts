import * as tf from '@tensorflow/tfjs-core';
import { BINARY_OPS } from './simd/simd-module.js';
import { MIN_THREADED_ELEMENTS, SimdKernels } from './simd/simd-runner.js';
import { call, heapOf, overShipped, release, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };
type BinaryOp = keyof typeof BINARY_OPS;

/** The binary kernels that run on the generated `binary` function where their operands allow it. */
export const ELEMENTWISE_KERNELS: Readonly<Record<string, BinaryOp>> = { [tf.Add]: 'add', [tf.Sub]: 'sub', [tf.Multiply]: 'mul', [tf.RealDiv]: 'div' };

/** Name of the fused ReLU-gradient kernel (`dy * step(x)` in one pass) this package registers for `wasm`. */
export const RELU_GRAD = 'CxrReluGrad';

/** Below this many output elements the shipped kernels are as fast (handing out a job costs a few microseconds). */
const MIN_ELEMENTS = 4096;
/** Rows per part at most, so threads that start late still find work. */
const MAX_PARTS = 64;

/** How `binary` reads one operand: bytes from one row to the next, and whether a row is one value repeated. */
interface Operand {
  readonly step: number;
  readonly splat: boolean;
}

interface Layout {
  readonly rows: number;
  readonly inner: number;
  readonly a: Operand;
  readonly b: Operand;
}

const product = (dims: readonly number[]): number => dims.reduce((x, y) => x * y, 1);

/**
 * The largest row length that divides `count`, is a multiple of 4 and is at most 4096 elements
 * (rows are what the parts share out), or 0 when `count` is not a multiple of 4.
 */
function rowLength(count: number): number {
  if (count % 4 !== 0) return 0;
  for (let inner = Math.min(4096, count); inner >= 4; inner -= 4) if (count % inner === 0) return inner;
  return 0;
}

/**
 * How an operand of shape `shape` is read against the output shape `out` when the output is
 * viewed as rows of `inner` elements: in full, as one row repeated (a trailing-axes vector such as
 * a bias), as one value per row (leading axes, such as a per-image statistic), or as one value
 * (a scalar). Undefined when it is none of these.
 */
function operand(shape: readonly number[], out: readonly number[], inner: number): Operand | undefined {
  const size = product(shape);
  const count = product(out);
  if (size === count) return { step: inner * 4, splat: false };
  if (size === 1) return { step: 0, splat: true };
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  // A vector over the trailing axes, repeated over the leading ones.
  const firstKept = padded.findIndex((d) => d !== 1);
  if (padded.slice(firstKept).every((d, i) => d === out[firstKept + i]) && size === inner) return { step: 0, splat: false };
  // One value per row: the operand covers the leading axes and the rows are exactly what one value spans.
  const lastKept = padded.length - 1 - [...padded].reverse().findIndex((d) => d !== 1);
  if (padded.slice(0, lastKept + 1).every((d, i) => d === out[i]) && count / size === inner) return { step: 4, splat: true };
  return undefined;
}

/**
 * The row view of `out = a op b` that the generated `binary` reads, or undefined for the shipped
 * kernel. A broadcast operand sets the row length (its size as a repeated vector, or the elements
 * each of its values spans); with none, rows are the largest convenient length.
 */
function layout(a: readonly number[], b: readonly number[], out: readonly number[]): Layout | undefined {
  const count = product(out);
  const lengths = [a, b].map(product).filter((size) => size !== count && size !== 1).flatMap((size) => [size, count / size]);
  if (lengths.length === 0) lengths.push(rowLength(count));
  for (const inner of lengths) {
    if (!Number.isInteger(inner) || inner <= 0 || inner % 4 !== 0 || count % inner !== 0) continue;
    const opA = operand(a, out, inner);
    const opB = operand(b, out, inner);
    if (opA !== undefined && opB !== undefined && !(opA.splat && opB.splat)) return { rows: count / inner, inner, a: opA, b: opB };
  }
  return undefined;
}

/**
 * A binary kernel (`Add`, `Sub`, `Multiply`, `RealDiv`) on the generated SIMD `binary` function,
 * on all threads, for float32 operands of the same shape, or one of them a vector over the
 * trailing axes (a bias, batch-norm scale and offset), one value per leading index (per-image
 * statistics) or a scalar, with rows of a multiple of 4 elements. The shipped kernels run the rest
 * (and small tensors), and XNNPACK's element-wise operators then keep their own threads. The same
 * IEEE operation on each pair of values: the same bits as the shipped kernel.
 */
export function elementwiseKernel(op: BinaryOp, shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info | Info[] => {
    const a = args.inputs['a'] as Info;
    const b = args.inputs['b'] as Info;
    const fast = a.dtype === 'float32' && b.dtype === 'float32' ? binaryOnSimd(args.backend, BINARY_OPS[op], a, b) : undefined;
    return fast ?? (shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info | Info[]);
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}

/** `a op b` on the generated kernel, or undefined when the shapes or the backend do not allow it. */
function binaryOnSimd(backend: tf.KernelBackend, op: number, a: Info, b: Info): Info | undefined {
  let outShape: number[];
  try {
    outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  } catch {
    return undefined;
  }
  const count = product(outShape);
  if (count < MIN_ELEMENTS) return undefined;
  const view = layout(a.shape, b.shape, outShape);
  const simd = view === undefined ? undefined : SimdKernels.of(backend);
  if (view === undefined || simd === undefined) return undefined;
  return runBinary(simd, backend, op, a, b, outShape, view);
}

/** One row view in which both operands are read in full (same-shape, element-wise), or undefined when `count` is not a multiple of 4. */
function sameShapeLayout(count: number): Layout | undefined {
  const inner = rowLength(count);
  if (inner === 0) return undefined;
  const full = { step: inner * 4, splat: false };
  return { rows: count / inner, inner, a: full, b: full };
}

/** Runs `out = a op b` on the generated `binary` function in `view`'s rows: on the calling thread for small tensors, else on all threads. */
function runBinary(simd: SimdKernels, backend: tf.KernelBackend, op: number, a: Info, b: Info, outShape: readonly number[], view: Layout): Info {
  const out = heapOf(backend).makeOutput([...outShape], 'float32');
  const args = {
    op,
    a: simd.address(a),
    aStep: view.a.step,
    aSplat: view.a.splat ? 1 : 0,
    b: simd.address(b),
    bStep: view.b.step,
    bSplat: view.b.splat ? 1 : 0,
    out: simd.address(out),
    rows: view.rows,
    inner: view.inner,
  };
  simd.run('binary', Math.min(view.rows, MAX_PARTS), args, view.rows * view.inner < MIN_THREADED_ELEMENTS ? 1 : Infinity);
  return out;
}

/**
 * The one-input kernels that run as one pass of the generated `binary` function: `Relu` is
 * `max(x, 0)` (NaN kept, -0 made 0, as the shipped kernel), `Square` is `x * x` (the shipped
 * kernel's product: the same bits).
 */
export const UNARY_KERNELS: Readonly<Record<string, 'relu' | 'mul'>> = { [tf.Relu]: 'relu', [tf.Square]: 'mul' };

/**
 * A one-input kernel of {@link UNARY_KERNELS} for the `wasm` backend: one pass of the generated
 * `binary` function (x as both operands) on all threads for float32 tensors of a multiple of 4
 * elements, else the shipped kernel (single-threaded C++).
 */
export function unaryKernel(op: 'relu' | 'mul', shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info | Info[] => {
    const x = args.inputs['x'] as Info;
    const count = product(x.shape);
    const view = x.dtype === 'float32' && count >= MIN_ELEMENTS ? sameShapeLayout(count) : undefined;
    const simd = view === undefined ? undefined : SimdKernels.of(args.backend);
    if (view === undefined || simd === undefined) return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info | Info[];
    // `relu` reads A alone; `mul` multiplies x by itself.
    return runBinary(simd, args.backend, BINARY_OPS[op], x, x, x.shape, view);
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}

/**
 * `dy * step(x)` (ReLU's gradient) for the `wasm` backend: one pass of the generated `binary`
 * function where dy and x are float32 of the same size (a multiple of 4), else the backend's
 * `Step` and `Multiply`, as tfjs-core computes it.
 */
export function reluGradWasm(args: KernelArgs): Info {
  const { backend } = args;
  const dy = args.inputs['dy'] as Info;
  const x = args.inputs['x'] as Info;
  const count = product(x.shape);
  const view = dy.dtype === 'float32' && x.dtype === 'float32' && product(dy.shape) === count ? sameShapeLayout(count) : undefined;
  const simd = view === undefined ? undefined : SimdKernels.of(backend);
  if (view !== undefined && simd !== undefined) return runBinary(simd, backend, BINARY_OPS.reluGrad, dy, x, x.shape, view);
  const step = call('Step', backend, { x }, { alpha: 0 });
  const stepFloat = x.dtype === 'float32' ? step : call('Cast', backend, { x: step }, { dtype: 'float32' });
  const out = call('Multiply', backend, { a: dy, b: stepFloat });
  release(backend, ...(stepFloat === step ? [step] : [step, stepFloat]));
  return out;
}

/**
 * ReLU's gradient as one kernel where the backend has {@link RELU_GRAD} (this package registers it
 * for `wasm`): tfjs-core's `dy * step(x)` is a `Step` and a `Multiply`, two passes over the
 * activation, the largest tensors of a conv net's step. Other backends keep that formula.
 */
export const RELU_GRADIENT: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): ReturnType<tf.GradFunc> => {
    const [x] = saved as [tf.Tensor];
    return { x: () => reluGradient(dy as tf.Tensor, x) };
  },
};

/**
 * `dy * step(x)`: the {@link RELU_GRAD} kernel where the active backend has it (one pass), else
 * tfjs-core's `Step` and `Multiply`. `x` may be ReLU's input or its output (both are > 0 at the same places).
 */
export function reluGradient<T extends tf.Tensor>(dy: T, x: tf.Tensor): T {
  if (tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined) return tf.engine().runKernel(RELU_GRAD, { dy, x }) as T;
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}
