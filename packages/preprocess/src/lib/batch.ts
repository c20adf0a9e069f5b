import type { Sample } from '@cxr/loader';
import { bufferCount, filter, map, type OperatorFunction } from 'rxjs';
import type { Batch } from './types.js';
import { UsageError } from '@cxr/loader/browser';
import { requireBoolean, requireInteger, requireObject } from './internal/validate.js';

/** Options of {@link batch}. */
export interface BatchOptions {
  /** Images per batch, an integer >= 1. */
  readonly size: number;
  /** Drop a last batch smaller than `size` (default `false`: keep it). */
  readonly dropRemainder?: boolean;
}

/**
 * Joins samples into one {@link Batch} (pure): pixels concatenated in NHWC order with one channel,
 * labels as float32, file paths as ids. `split` is set when every sample shares it.
 *
 * @example
 * const b = toBatch([sampleA, sampleB]); // b.shape = [2, h, w, 1]
 *
 * @throws Error with `code: 'CXR_USAGE'` when samples differ in size or pixel count (decode them at one size).
 */
export function toBatch(samples: readonly Sample[]): Batch {
  const first = samples[0];
  if (first === undefined) throw new UsageError('toBatch: cannot make a batch of zero samples.');
  const { height, width } = first;
  const pixelsPer = height * width;
  const x = new Uint8Array(samples.length * pixelsPer);
  const y = new Float32Array(samples.length);
  const ids: string[] = [];
  let split: Batch['split'] = first.record.split;
  samples.forEach((sample, i) => {
    if (sample.height !== height || sample.width !== width || sample.pixels.length !== pixelsPer) {
      throw new UsageError(
        `batch: ${sample.record.path} is ${sample.width}x${sample.height} (${sample.pixels.length} bytes) but the batch is ${width}x${height}; decode every image at one size.`,
      );
    }
    x.set(sample.pixels, i * pixelsPer);
    y[i] = sample.record.label;
    ids.push(sample.record.path);
    if (sample.record.split !== split) split = undefined;
  });
  const shape = [samples.length, height, width, 1] as const;
  return split === undefined ? { x, y, ids, shape } : { x, y, ids, shape, split };
}

/**
 * Groups samples into batches of `size`, in arrival order.
 *
 * Every batch but the last is full; the last holds the remainder unless `dropRemainder` is set.
 * Pixels stay uint8 (`x` is a `Uint8Array`); standardization happens in the model's layers
 * (or with {@link standardizeBatches}).
 *
 * @example
 * samples$.pipe(batch({ size: 32 })) // Observable<Batch>
 *
 * @param options - `size` (required, integer >= 1), `dropRemainder` (default false).
 * @throws TypeError / RangeError at creation for a bad option; the stream errors with a `CXR_USAGE`
 *   error when samples of different sizes meet in one batch.
 */
export function batch(options: BatchOptions): OperatorFunction<Sample, Batch> {
  requireObject('batch', options);
  const size = requireInteger('batch', 'size', options.size, 1);
  const dropRemainder = requireBoolean('batch', 'dropRemainder', options.dropRemainder ?? false);
  return (source) =>
    source.pipe(
      bufferCount(size),
      filter((group) => group.length > 0 && (!dropRemainder || group.length === size)),
      map((group) => toBatch(group)),
    );
}
