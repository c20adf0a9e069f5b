import * as tf from '@tensorflow/tfjs-core';
import { call, overShipped, release, reshape, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/** The binary kernels whose shipped broadcast is the slow per-element loop (measured on tfjs-backend-wasm 4.22). */
export const BROADCAST_BY_TILE: readonly string[] = [tf.Pow, tf.Maximum, tf.Minimum, tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual, tf.Equal, tf.NotEqual];

/** Below this many output elements the shipped broadcast is cheap enough. */
const MIN_ELEMENTS = 4096;

/**
 * A binary kernel whose shipped broadcast is slow (tfjs-backend-wasm computes `Pow`, `Maximum`,
 * `Minimum` and `SquaredDifference` with a per-element index calculation when the shapes differ:
 * `Pow` of a [32, 224, 224, 1] batch by a per-image [32, 1, 1, 1] exponent took ~0.5 s) run as
 * `Tile` of the smaller operand to the output shape, then the shipped same-shape loop. The same
 * operation on the same pairs of values, so the same bits.
 */
export function broadcastByTile(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info | Info[] => {
    const a = args.inputs['a'] as Info;
    const b = args.inputs['b'] as Info;
    const same = a.shape.length === b.shape.length && a.shape.every((size, d) => size === b.shape[d]);
    const run = (inputs: tf.NamedTensorInfoMap): Info | Info[] => shipped.kernelFunc({ ...args, inputs } as Parameters<tf.KernelFunc>[0]) as Info | Info[];
    if (same) return run(args.inputs);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (outShape.reduce((x, y) => x * y, 1) < MIN_ELEMENTS) return run(args.inputs);
    const temporaries: Info[] = [];
    const expand = (x: Info): Info => {
      if (x.shape.length === outShape.length && x.shape.every((size, d) => size === outShape[d])) return x;
      const padded = [...new Array<number>(outShape.length - x.shape.length).fill(1), ...x.shape];
      const aligned = reshape(args.backend, x, padded);
      const tiled = call('Tile', args.backend, { x: aligned }, { reps: outShape.map((size, d) => (padded[d] === size ? 1 : size)) });
      temporaries.push(aligned, tiled);
      return tiled;
    };
    try {
      return run({ a: expand(a), b: expand(b) });
    } finally {
      release(args.backend, ...temporaries);
    }
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}
