import * as tf from '@tensorflow/tfjs-core';
import { packForwardFilter } from './simd/filter-blocks.js';
import { CONV2D_BLOCK, CONV2D_FLAGS } from './simd/simd-module.js';
import { convGeometry, SimdKernels } from './simd/simd-runner.js';
import { heapOf, heapView, overShipped, release, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/** Whether `Conv2D` / `FusedConv2D` take the generated kernel where it applies (see {@link setSimdConv2D}). */
let simdConv2DWanted = true;

/**
 * Lets the forward convolutions run on the generated SIMD kernel where it applies (the default),
 * or always on the shipped XNNPACK kernels (the bits of earlier versions). Takes effect at the next call.
 */
export function setSimdConv2D(wanted: boolean): void {
  simdConv2DWanted = wanted;
}

/** Whether forward convolutions take the generated SIMD kernel where it applies. */
export function simdConv2DInUse(): boolean {
  return simdConv2DWanted;
}

/**
 * Runs the generated `conv2d` kernel when it applies: float32 NHWC input and filter, dilation 1,
 * output channels a multiple of 4, no empty dimension, a bias (when given) of one float32 per
 * output channel, activation linear or ReLU. Returns undefined otherwise (the caller hands the
 * call to the shipped kernel).
 */
function simdConv2D(
  backend: tf.KernelBackend,
  x: Info,
  filter: Info,
  attrs: Pick<tf.Conv2DAttrs, 'strides' | 'pad' | 'dataFormat' | 'dilations' | 'dimRoundingMode'>,
  bias: Info | undefined,
  relu: boolean,
): Info | undefined {
  if (!simdConv2DWanted || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return undefined;
  const simd = SimdKernels.of(backend);
  // Where the kernels cannot start workers (a browser) but XNNPACK runs on several threads, XNNPACK's is faster.
  if (simd === undefined || simd.maxThreads < simd.backendThreads) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1 || info.outChannels % 4 !== 0) return undefined;
  if (!x.shape.every((d) => d > 0) || !info.outShape.every((d) => d > 0) || !filter.shape.every((d) => d > 0)) return undefined;
  if (bias !== undefined && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== info.outChannels)) return undefined;
  const out = heapOf(backend).makeOutput([...info.outShape], 'float32');
  const flags = (bias === undefined ? 0 : CONV2D_FLAGS.bias) | (relu ? CONV2D_FLAGS.relu : 0);
  const geometry = convGeometry(info);
  const packed = heapOf(backend).makeOutput([...filter.shape], 'float32');
  packForwardFilter(heapView(backend, filter), heapView(backend, packed), filter.shape as [number, number, number, number], CONV2D_BLOCK.channels);
  simd.run('conv2d', simd.balancedParts(geometry.n * geometry.ho), {
    x: simd.address(x),
    filter: simd.address(packed),
    bias: bias === undefined ? 0 : simd.address(bias),
    y: simd.address(out),
    ...geometry,
    flags,
  });
  release(backend, packed);
  return out;
}

/**
 * The call for the shipped kernel, with 'same' padding spelled out as explicit amounts: given
 * 'same', tfjs-backend-wasm lets XNNPACK place the padding itself, which for some even filter
 * sizes puts it on the other side than tfjs does (a 2x1 filter on a 1x2 image at strides [1, 2]
 * gave 0 instead of x[0] * W[0]); with explicit amounts XNNPACK pads where tfjs' geometry says.
 */
function shippedCall(args: KernelArgs, x: Info, filter: Info): Parameters<tf.KernelFunc>[0] {
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DAttrs;
  if (attrs.pad !== 'same' || x.shape.length !== 4 || filter.shape.length !== 4) return args as Parameters<tf.KernelFunc>[0];
  const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    'same',
    undefined,
    false,
    format,
  );
  const { top, bottom, left, right } = info.padInfo;
  const pad = format === 'channelsLast' ? [[0, 0], [top, bottom], [left, right], [0, 0]] : [[0, 0], [0, 0], [top, bottom], [left, right]];
  return { ...args, attrs: { ...args.attrs, pad } } as unknown as Parameters<tf.KernelFunc>[0];
}

/**
 * `Conv2D` for the WASM backend: the generated SIMD kernel `conv2d` (simd/simd-module.ts) on all
 * the backend's threads for float32 NHWC convolutions with dilation 1 (any stride and padding)
 * whose output channels are a multiple of 4; the shipped XNNPACK kernel otherwise (with 'same'
 * padding spelled out, see {@link shippedCall}).
 */
export function conv2dKernel(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info => {
    const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DAttrs;
    const x = args.inputs['x'] as Info;
    const filter = args.inputs['filter'] as Info;
    return simdConv2D(args.backend, x, filter, attrs, undefined, false) ?? (shipped.kernelFunc(shippedCall(args, x, filter)) as Info);
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}

/**
 * `FusedConv2D` (convolution, bias, activation: what `tf.fused.conv2d` runs outside a gradient
 * tape, and inside one when the activation is linear) for the WASM backend: the generated
 * kernel as in {@link conv2dKernel}, with the bias added and ReLU applied before each block is
 * stored, when the activation is linear or ReLU; the shipped kernel otherwise (other activations,
 * PReLU weights, a bias that is not one value per channel).
 */
export function fusedConv2dKernel(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info => {
    const attrs = (args.attrs ?? {}) as unknown as tf.FusedConv2DAttrs;
    const activation = attrs.activation ?? 'linear';
    const x = args.inputs['x'] as Info;
    const filter = args.inputs['filter'] as Info;
    const prelu = args.inputs['preluActivationWeights'] as Info | null | undefined;
    if ((activation === 'linear' || activation === 'relu') && (prelu === undefined || prelu === null)) {
      const bias = args.inputs['bias'] as Info | null | undefined;
      const out = simdConv2D(args.backend, x, filter, attrs, bias ?? undefined, activation === 'relu');
      if (out !== undefined) return out;
    }
    return shipped.kernelFunc(shippedCall(args, x, filter)) as Info;
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}
