import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterWasm } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputWasm } from './depthwise-conv2d-backprop-input.js';
import { identityWasm, sameTypeCast } from './identity.js';
import { leadingAxesReduction } from './leading-axes-reduce.js';
import { maxPoolGradWasm } from './max-pool-grad.js';
import { fastGather, repeatTile } from './tile-and-gather.js';

/** The kernels this package adds to the `wasm` backend, so models train there. */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm as tf.KernelFunc },
  // Replaces the shipped C++ loop, which is many times slower than the forward convolution.
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2dBackpropInputWasm as tf.KernelFunc },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: depthwiseConv2dBackpropFilterWasm as tf.KernelFunc,
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: depthwiseConv2dBackpropInputWasm as tf.KernelFunc,
  },
  // Replaces the shipped loop: slow, and wrong for windows of negative values (see the file).
  { kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGradWasm as tf.KernelFunc },
  // Replaces the shipped copy with a shared reference (as Reshape does).
  { kernelName: tf.Identity, backendName: 'wasm', kernelFunc: identityWasm as unknown as tf.KernelFunc },
];

/** Kernel functions this module registered (to stay idempotent). */
const ours = new Set<tf.KernelFunc>();

/**
 * Registers the training kernels the tfjs WASM backend lacks (`Conv2DBackpropFilter`, the
 * depthwise backprops) or has only as slow or incorrect C++ loops (`Conv2DBackpropInput`, ...),
 * built from its own fast kernels (XNNPACK convolutions and pools, C++ pads and element-wise
 * ops); `Sum` and `Mean` over leading axes (bias and batch-norm gradients) become one XNNPACK
 * average pool instead of a transpose and a reduction; `Tile` as a broadcast and `GatherV2` run as
 * single passes over the heap. Idempotent; `initBackend` calls it.
 *
 * @example
 * ```ts
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm'); // conv nets now train on wasm
 * ```
 * @returns the names of the kernels registered by this call (empty when already registered).
 */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  const install = (config: tf.KernelConfig): void => {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    ours.add(config.kernelFunc);
    added.push(config.kernelName);
  };
  for (const config of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm')?.kernelFunc !== config.kernelFunc) install(config);
  }
  for (const kind of ['Sum', 'Mean'] as const) {
    const shipped = tf.getKernel(kind, 'wasm');
    if (shipped !== undefined && !ours.has(shipped.kernelFunc)) install(leadingAxesReduction(kind, shipped));
  }
  const shippedTile = tf.getKernel(tf.Tile, 'wasm');
  if (shippedTile !== undefined && !ours.has(shippedTile.kernelFunc)) install(repeatTile(shippedTile));
  const shippedCast = tf.getKernel(tf.Cast, 'wasm');
  if (shippedCast !== undefined && !ours.has(shippedCast.kernelFunc)) install(sameTypeCast(shippedCast));
  const shippedGather = tf.getKernel(tf.GatherV2, 'wasm');
  if (shippedGather !== undefined && !ours.has(shippedGather.kernelFunc)) install(fastGather(shippedGather));
  return added;
}
