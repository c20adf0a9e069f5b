import type * as tf from '@tensorflow/tfjs-core';
import type { Info } from './wasm-calls.js';

/**
 * `Identity` for the WASM backend that shares the input's data (one more reference), as the
 * `cpu` backend and the wasm backend's own `Reshape` do. The shipped kernel copies the whole
 * tensor; the gradient tape calls it on every layer's activations, so a training step of a
 * small CNN spent ~60 ms in copies. Tensors are immutable, so sharing is safe.
 */
export function identityWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): Info {
  const x = args.inputs['x'] as Info;
  if (x.dtype === 'string') throw new Error('wasm Identity does not support string tensors.');
  (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
