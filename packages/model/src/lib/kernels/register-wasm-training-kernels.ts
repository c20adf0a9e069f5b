import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterWasm } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputWasm } from './depthwise-conv2d-backprop-input.js';
import { maxPoolGradWasm } from './max-pool-grad.js';

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
];

/**
 * Registers the training kernels the tfjs WASM backend lacks (`Conv2DBackpropFilter`, the
 * depthwise backprops) or has only as slow or incorrect C++ loops (`Conv2DBackpropInput`, ...),
 * built from its own fast kernels (XNNPACK convolutions, C++ slices, pads and element-wise ops). Idempotent; `initBackend` calls it.
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
  for (const config of WASM_TRAINING_KERNELS) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
