import * as tf from '@tensorflow/tfjs-core';

/**
 * Small helpers to compose new WASM kernels from the backend's own kernels (XNNPACK
 * convolutions, C++ transposes, slices, pads, reductions), at the TensorInfo level, the way
 * backends build kernels from kernels. Every intermediate is released with {@link release}.
 */

export type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;

/** Runs the `wasm` backend's kernel `name`, returning its (first) output. */
export function call(name: string, backend: tf.KernelBackend, inputs: Record<string, Info> | Info[], attrs: Attrs = {}): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`The wasm backend has no ${name} kernel.`);
  const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as tf.NamedAttrMap });
  const first = Array.isArray(out) ? out[0] : out;
  if (first === undefined) throw new Error(`The wasm ${name} kernel returned nothing.`);
  return first;
}

/** Releases intermediate results. */
export function release(backend: tf.KernelBackend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function reshape(backend: tf.KernelBackend, x: Info, shape: number[]): Info {
  return call('Reshape', backend, { x }, { shape });
}

export function transpose(backend: tf.KernelBackend, x: Info, perm: number[]): Info {
  return call('Transpose', backend, { x }, { perm });
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor:
 * `[top, bottom, left, right]`. The result is the window of rows `-top .. h - 1 + bottom` and
 * columns `-left .. w - 1 + right` of `x` (each at least one wide), reading `constantValue`
 * outside `x`; a window that misses `x` entirely (a crop on one side larger than the pad on the
 * other) is all `constantValue`. Returns the input itself (with an extra reference) when all are 0.
 */
export function padOrCrop(backend: tf.KernelBackend, x: Info, amounts: readonly [number, number, number, number], constantValue = 0): Info {
  const [top, bottom, left, right] = amounts;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return reshape(backend, x, [n, h, w, c]);
  const rows = clampWindow(-top, h + bottom, h);
  const cols = clampWindow(-left, w + right, w);
  const outShape = [n, h + top + bottom, w + left + right, c];
  if (rows === undefined || cols === undefined) {
    const size = outShape.reduce((a, b) => a * b, 1);
    return constant(backend, outShape, new Float32Array(size).fill(constantValue));
  }
  let current = x;
  let owned = false;
  if (rows.begin > 0 || rows.end < h || cols.begin > 0 || cols.end < w) {
    const begin = [0, rows.begin, cols.begin, 0];
    const size = [n, rows.end - rows.begin, cols.end - cols.begin, c];
    current = call('Slice', backend, { x: current }, { begin, size });
    owned = true;
  }
  const paddings = [
    [0, 0],
    [rows.before, rows.after],
    [cols.before, cols.after],
    [0, 0],
  ];
  if (rows.before > 0 || rows.after > 0 || cols.before > 0 || cols.after > 0) {
    const padded = call('PadV2', backend, { x: current }, { paddings, constantValue });
    if (owned) release(backend, current);
    current = padded;
    owned = true;
  }
  return owned ? current : reshape(backend, x, [n, h, w, c]);
}

/**
 * The part of the window `[start, end)` that lies inside `[0, length)`, and how much padding goes
 * before and after it; undefined when the window misses `[0, length)` entirely.
 */
function clampWindow(start: number, end: number, length: number): { begin: number; end: number; before: number; after: number } | undefined {
  if (end <= start) throw new Error(`padOrCrop: the window [${start}, ${end}) is empty.`);
  const begin = Math.max(0, start);
  const stop = Math.min(length, end);
  if (stop <= begin) return undefined;
  return { begin, end: stop, before: begin - start, after: end - stop };
}

/**
 * Spreads the spatial axes of an NHWC tensor by the strides, with zeros in between
 * ([N, H, W, C] -> [N, (H-1)*sh+1, (W-1)*sw+1, C]), by a reshape, a pad and a slice. Returns
 * the input itself (with an extra reference) when both strides are 1.
 */
export function spread(backend: tf.KernelBackend, x: Info, strideHeight: number, strideWidth: number): Info {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (strideHeight === 1 && strideWidth === 1) return reshape(backend, x, [n, h, w, c]);
  const x6 = reshape(backend, x, [n, h, 1, w, 1, c]);
  const paddings = [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]];
  const padded = call('PadV2', backend, { x: x6 }, { paddings, constantValue: 0 });
  const flat = reshape(backend, padded, [n, h * strideHeight, w * strideWidth, c]);
  const out = call('Slice', backend, { x: flat }, { begin: [0, 0, 0, 0], size: [n, (h - 1) * strideHeight + 1, (w - 1) * strideWidth + 1, c] });
  release(backend, x6, padded, flat);
  return out;
}

/** The wasm backend's heap, as the kernels written in JavaScript use it. */
export interface WasmHeap {
  /** Allocates an output tensor on the heap (with `values` copied in, when given). */
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: undefined, values?: tf.backend_util.TypedArray): Info;
  /** A view of a tensor's data (Float32Array, Int32Array or, for bool, Uint8Array). */
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: object): void;
}

/** The wasm backend seen as its heap. Take views only after the kernel's last allocation: growing the heap detaches them. */
export function heapOf(backend: tf.KernelBackend): WasmHeap {
  return backend as unknown as WasmHeap;
}

/** A float32 view of a tensor's data on the wasm heap (see {@link heapOf} about allocations). */
export function heapView(backend: tf.KernelBackend, x: Info): Float32Array {
  if (x.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${x.dtype}`);
  return heapOf(backend).typedArrayFromHeap(x) as Float32Array;
}

/**
 * Scratch on the heap for tables a generated kernel reads as float64: `bytes` bytes from an
 * 8-byte boundary (`address`, in the heap's `buffer`), inside a tensor the caller releases.
 * Allocate it after the kernel's output (see {@link heapOf} about views).
 */
export function alignedScratch(backend: tf.KernelBackend, bytes: number): { info: Info; address: number; buffer: ArrayBufferLike } {
  const info = heapOf(backend).makeOutput([Math.ceil(bytes / 4) + 2], 'float32');
  const view = heapView(backend, info);
  return { info, address: Math.ceil(view.byteOffset / 8) * 8, buffer: view.buffer };
}

/** A new float32 tensor on the wasm backend holding `values`. */
export function constant(backend: tf.KernelBackend, shape: number[], values: Float32Array): Info {
  return heapOf(backend).makeOutput(shape, 'float32', undefined, values);
}

/**
 * A kernel that replaces a shipped one for some inputs and hands it the others: it keeps the
 * shipped kernel's set-up and clean-up, which that kernel still needs.
 */
export function overShipped(kernelFunc: tf.KernelFunc, shipped: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: shipped.kernelName,
    backendName: 'wasm',
    kernelFunc,
    ...(shipped.setupFunc === undefined ? {} : { setupFunc: shipped.setupFunc }),
    ...(shipped.disposeFunc === undefined ? {} : { disposeFunc: shipped.disposeFunc }),
  };
}

/**
 * Every `outHeight x outWidth` position of an NHWC tensor read at the strides, starting at row
 * `top` and column `left` (one filter tap's view of the input), by one StridedSlice.
 */
export function stridedWindow(
  backend: tf.KernelBackend,
  x: Info,
  top: number,
  left: number,
  out: { readonly height: number; readonly width: number; readonly strideHeight: number; readonly strideWidth: number },
): Info {
  const [n, , , c] = x.shape as [number, number, number, number];
  return call('StridedSlice', backend, { x }, {
    begin: [0, top, left, 0],
    end: [n, top + (out.height - 1) * out.strideHeight + 1, left + (out.width - 1) * out.strideWidth + 1, c],
    strides: [1, out.strideHeight, out.strideWidth, 1],
    beginMask: 0,
    endMask: 0,
    ellipsisMask: 0,
    newAxisMask: 0,
    shrinkAxisMask: 0,
  });
}

/** The geometry of a dilation-1 NHWC convolution, for the conv backprop kernels (other layouts throw). */
export function nhwcConv2DInfo(
  kernel: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Pick<tf.Conv2DBackpropInputAttrs, 'dataFormat' | 'strides' | 'pad' | 'dimRoundingMode'>,
): tf.backend_util.Conv2DInfo {
  const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (format !== 'channelsLast') throw new Error(`wasm ${kernel} supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'.`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    format,
  );
}
