import * as tfl from '@tensorflow/tfjs-layers';
import { buildModelWithNetwork, type BuildModelOptions } from '../lib/build-model.js';
import type { LayerFactory } from '../lib/internal/architectures/layer-factory.js';

/**
 * The benchmark network: conv 3x3 'same' + ReLU with 16 filters, max-pool 2; the same with
 * 32, then 64; conv 128; global average pool; dense 1 (a logit).
 *
 * Each conv + bias + ReLU is one `CxrConv2D` (`LayerFactory.convRelu`): one fused kernel forward,
 * in training too, and no gradient for the input image (build-model.spec.ts checks it).
 */
function benchCnn(x: tfl.SymbolicTensor, f: LayerFactory, outputBias: number): tfl.SymbolicTensor {
  let y = x;
  const filters = [16, 32, 64] as const;
  filters.forEach((n, i) => {
    y = f.convRelu(`bench_conv${i + 1}`, n, 3).apply(y) as tfl.SymbolicTensor;
    y = f.maxPool(`bench_pool${i + 1}`).apply(y) as tfl.SymbolicTensor;
  });
  y = f.convRelu('bench_conv4', 128, 3).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.globalAveragePooling2d({ name: 'bench_gap' }).apply(y) as tfl.SymbolicTensor;
  return f.logit('bench_logit', outputBias).apply(y) as tfl.SymbolicTensor;
}

/**
 * A small, fast model for specs and the training benchmarks: the benchmark network (see above)
 * behind the same input, augmentation and standardization layers as `buildModel`. Not one of
 * `cxr train`'s architectures. The same options give the same weights.
 *
 * @example
 * ```ts
 * const model = buildBenchCnn({ imageSize: 16, seed: 2 });
 * ```
 * @throws RangeError / TypeError for an image size below 16, a bad seed or bias (as `buildModel`).
 */
export function buildBenchCnn(options: Omit<BuildModelOptions, 'architecture' | 'compact'>): tfl.LayersModel {
  return buildModelWithNetwork(options, (x, factory, o) => benchCnn(x, factory, o.outputBias), 'cxr_bench_cnn', 'buildBenchCnn');
}
