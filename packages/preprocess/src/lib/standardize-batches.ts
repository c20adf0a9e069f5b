import { map, type OperatorFunction } from 'rxjs';
import type { Batch } from './types.js';
import { rescaleImages, standardizeImages } from './image-ops.js';
import { mapBatchPixels } from './internal/batch-tensor.js';
import { requireNumber, requireObject } from './internal/validate.js';

/** Options of {@link standardizeBatches}. */
export interface StandardizeBatchesOptions {
  /** Multiplier applied first (default 1/255). */
  readonly scale?: number;
  /** Smallest divisor (default `1 / sqrt(pixels per image)`). */
  readonly stdFloor?: number;
}

/**
 * Rescales and standardizes each image of each batch, outside a model: the operator form of
 * {@link RescaleLayer} + {@link StandardizeLayer}, sharing their code. `x` becomes a Float32Array
 * whose images each have mean 0 and std 1 (constant images become zeros).
 *
 * @example
 * batches$.pipe(standardizeBatches())
 *
 * @param options - `scale` (default 1/255), `stdFloor` (default `1 / sqrt(h * w * c)`).
 * @throws TypeError / RangeError at creation for a bad option.
 */
export function standardizeBatches(options: StandardizeBatchesOptions = {}): OperatorFunction<Batch, Batch> {
  requireObject('standardizeBatches', options);
  const scale = requireNumber('standardizeBatches', 'scale', options.scale ?? 1 / 255, -Number.MAX_VALUE, Number.MAX_VALUE);
  const stdFloor =
    options.stdFloor === undefined ? undefined : requireNumber('standardizeBatches', 'stdFloor', options.stdFloor, 0, Number.MAX_VALUE);
  return map((b) => mapBatchPixels(b, (x) => standardizeImages(rescaleImages(x, scale), stdFloor)));
}
