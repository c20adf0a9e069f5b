import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerFactory } from './layer-factory.js';
import { SeededDropout } from './seeded-dropout.js';

/** Shape of the compact CNN. */
export interface CompactCnnShape {
  /**
   * Filters of each stage; each stage is `convsPerStage` conv 3x3 + batch norm + ReLU,
   * followed by a 2x2 max-pool (all stages but the last).
   */
  readonly filters: readonly number[];
  /** Convolutions per stage (the first stage always has one). */
  readonly convsPerStage: number;
  /** Stride of the first convolution (1 or 2): 2 quarters the cost of everything after it. */
  readonly stemStride: number;
  /** Dropout rate before the logit, in [0, 1) (a {@link SeededDropout}); 0 or absent: none. */
  readonly dropout?: number;
}

/**
 * The compact CPU-friendly CNN: stages of conv 3x3 (no bias) + batch norm + ReLU with
 * max-pooling between them, then global average pooling, optional dropout (counter-seeded: tfjs' own
 * dropout re-draws the same mask on every step when given a seed, and an unseeded one would not be
 * reproducible) and one logit.
 */
export function compactCnn(x: tfl.SymbolicTensor, f: LayerFactory, outputBias: number, shape: CompactCnnShape): tfl.SymbolicTensor {
  let y = x;
  shape.filters.forEach((n, stage) => {
    const convs = stage === 0 ? 1 : shape.convsPerStage;
    for (let c = 1; c <= convs; c += 1) {
      const name = `compact_s${stage + 1}_c${c}`;
      const conv = stage === 0 ? f.inputConv(`${name}_conv`, n, 3, { strides: shape.stemStride }) : f.conv(`${name}_conv`, n, 3);
      y = conv.apply(y) as tfl.SymbolicTensor;
      // momentum 0.9: the moving statistics settle within the few hundred steps of a CPU run
      y = f.batchNorm(`${name}_bn`, true, 0.9).apply(y) as tfl.SymbolicTensor;
      y = f.relu(`${name}_relu`).apply(y) as tfl.SymbolicTensor;
    }
    if (stage < shape.filters.length - 1) y = f.maxPool(`compact_s${stage + 1}_pool`).apply(y) as tfl.SymbolicTensor;
  });
  y = tfl.layers.globalAveragePooling2d({ name: 'compact_gap' }).apply(y) as tfl.SymbolicTensor;
  if ((shape.dropout ?? 0) > 0) y = new SeededDropout({ name: 'compact_dropout', rate: shape.dropout ?? 0, seed: f.nextSeed() }).apply(y) as tfl.SymbolicTensor;
  return f.logit('compact_logit', outputBias).apply(y) as tfl.SymbolicTensor;
}
