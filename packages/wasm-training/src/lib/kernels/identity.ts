import type * as tf from '@tensorflow/tfjs-core';
import { heapOf, overShipped, type Info } from './wasm-calls.js';

/**
 * `Identity` for the WASM backend that shares the input's data (one more reference), as the
 * `cpu` backend and the wasm backend's own `Reshape` do. The shipped kernel copies the whole
 * tensor; the gradient tape calls it on every layer's activations, so a training step of a
 * small CNN spent ~60 ms in copies. Tensors are immutable, so sharing is safe.
 */
export function identityWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): Info {
  const x = args.inputs['x'] as Info;
  if (x.dtype === 'string') throw new Error('wasm Identity does not support string tensors.');
  heapOf(args.backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * `Cast` for the WASM backend: a cast to the dtype the tensor already has shares its data, like
 * {@link identityWasm} (the ReLU gradient casts its float32 mask to float32: a copy of every
 * activation, per layer and step). A cast to bool is `x != 0`: the shipped kernel stored the
 * number's low byte instead (-2 became 254, 256 became false). Other conversions go to the
 * shipped kernel.
 */
export function sameTypeCast(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): Info => {
    const x = args.inputs['x'] as Info;
    const dtype = ((args.attrs ?? {}) as unknown as tf.CastAttrs).dtype;
    if (dtype === x.dtype && x.dtype !== 'string') return identityWasm(args);
    if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
      const heap = heapOf(args.backend);
      const out = heap.makeOutput([...x.shape], 'bool');
      const flags = heap.typedArrayFromHeap(out);
      const values = heap.typedArrayFromHeap(x);
      for (let i = 0; i < values.length; i++) flags[i] = values[i] !== 0 ? 1 : 0;
      return out;
    }
    return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}
