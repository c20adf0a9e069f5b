import { defer, map, type OperatorFunction } from 'rxjs';
import type { Batch } from './types.js';
import { augmentImages, drawAugmentParams, resolveAugmentOptions, type AugmentOptions, type AugmentParams, type FillMode } from './image-ops.js';
import { deriveSeed } from './seeded-random.js';
import { mapBatchPixels } from './internal/batch-tensor.js';
import { requireSeed } from './internal/validate.js';

/** Options of {@link augmentBatches}. */
export interface AugmentBatchesOptions extends AugmentOptions {
  /** Seed of the draws (any safe integer). */
  readonly seed: number;
  /** Fill for uncovered pixels (default `reflect`). */
  readonly fillMode?: FillMode;
  /** Called with each batch's drawn parameters, one per image, before they are applied. */
  readonly onParams?: (params: readonly AugmentParams[], batchIndex: number) => void;
}

/**
 * Randomly flips, rotates and zooms each image of each batch, outside a model: the operator form
 * of the RandomFlip/RandomRotation/RandomZoom layers, with the same draws and the same code.
 *
 * Batch `k` of a subscription draws image `i`'s parameters with
 * `drawAugmentParams(deriveSeed(deriveSeed(seed, k), i), options)` (what the layers do on their
 * `k`-th training call), then applies them with {@link augmentImages}. Each subscription starts
 * again at batch 0, so the same seed gives the same images. `x` becomes a Float32Array.
 *
 * @example
 * batches$.pipe(augmentBatches({ seed: 7, rotationDegrees: 10, zoom: 0.1 }))
 *
 * @param options - `seed` (required), `flip` (default true), `rotationDegrees` (default 10),
 *   `zoom` (default 0.1), `fillMode` (default reflect), `onParams`.
 * @throws TypeError / RangeError at creation for a bad option.
 */
export function augmentBatches(options: AugmentBatchesOptions): OperatorFunction<Batch, Batch> {
  const ranges = resolveAugmentOptions('augmentBatches', options);
  const seed = requireSeed('augmentBatches', options.seed);
  const fillMode = options.fillMode ?? 'reflect';
  if (!['reflect', 'constant', 'nearest', 'wrap'].includes(fillMode)) {
    throw new RangeError(`augmentBatches: fillMode must be reflect, constant, nearest or wrap, got ${JSON.stringify(fillMode)}.`);
  }
  const onParams = options.onParams;
  return (source) =>
    defer(() => {
      let index = 0;
      return source.pipe(
        map((b) => {
          const k = index++;
          const batchSeed = deriveSeed(seed, k);
          const params = Array.from({ length: b.shape[0] }, (_, i) => drawAugmentParams(deriveSeed(batchSeed, i), ranges));
          onParams?.(params, k);
          return mapBatchPixels(b, (x) => augmentImages(x, params, fillMode));
        }),
      );
    });
}
