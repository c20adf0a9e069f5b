import * as tf from '@tensorflow/tfjs-core';
import { call, constant, overShipped, release, reshape, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/**
 * Number of leading axes `axis` reduces when it is exactly [0, 1, ..., k-1] with 0 < k < rank
 * (bias and batch-norm gradients: [0, 1, 2] of NHWC), else 0.
 */
function leadingAxes(axis: number | number[], shape: number[]): number {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/**
 * `Sum` or `Mean` over the leading axes of a float32 tensor as one XNNPACK average pool whose
 * single window covers all R rows of the [R, C] view (times R for a sum), instead of the shipped
 * transpose-then-reduce (the transpose makes it many times slower; a matrix product ones x X
 * would re-pack X as weights on every call). Any other reduction goes to the shipped kernel.
 */
export function leadingAxesReduction(kind: 'Sum' | 'Mean', shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info | Info[] => {
    const x = args.inputs['x'] as Info;
    const attrs = (args.attrs ?? {}) as unknown as tf.SumAttrs;
    const k = x.dtype === 'float32' ? leadingAxes(attrs.axis, x.shape) : 0;
    const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const columns = x.shape.slice(k).reduce((a, b) => a * b, 1);
    if (k === 0 || rows === 0 || columns === 0) return shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info | Info[];
    const { backend } = args;
    const outShape = attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)] : x.shape.slice(k);
    if (rows === 1) return reshape(backend, x, outShape);
    // An XNNPACK average pool with one window over all rows: [1, R, 1, C] -> [1, 1, 1, C].
    const column = reshape(backend, x, [1, rows, 1, columns]);
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
