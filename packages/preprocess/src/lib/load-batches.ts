import type { ImageRecord, Sample } from '@cxr/loader';
import { pipe, type OperatorFunction } from 'rxjs';
import type { Batch } from './types.js';
import type { Demand } from './demand.js';
import { batch } from './batch.js';
import { prefetch } from './prefetch.js';
import { shuffle } from './shuffle.js';
import { requireBoolean, requireFunction, requireInteger, requireObject, requireSeed } from './internal/validate.js';

/** Options of {@link loadBatches}. */
export interface LoadBatchesOptions {
  /** Records to samples: the loader's `decodeImages(settings)`, usually wrapped in {@link cacheSamples} (create it once, reuse it every epoch). */
  readonly decode: OperatorFunction<ImageRecord, Sample>;
  /** Images per batch (integer >= 1). */
  readonly size: number;
  /** Root seed of the shuffle; omit it to keep the input order (validation, test). */
  readonly seed?: number;
  /** Epoch number (integer >= 0, default 0): a new order each epoch. */
  readonly epoch?: number;
  /** Batches decoded ahead of the consumer (integer >= 1, default 4). */
  readonly bufferSize?: number;
  /** Batches decoded at the same time (integer 1..bufferSize, default min(2, bufferSize)). */
  readonly concurrency?: number;
  /** Drop a last batch smaller than `size` (default false). */
  readonly dropRemainder?: boolean;
  /** The pulling consumer's demand signal, passed to `prefetch` (see {@link Demand}); without it the batches are pushed as they are ready. */
  readonly demand?: Demand;
}

/**
 * One epoch of batches from records, composed so that the read-ahead stays bounded.
 *
 * Shuffles the records (when `seed` is given) with `shuffle({ seed, epoch })`, then
 * `prefetch({ bufferSize, chunkSize: size, concurrency, demand, work: pipe(decode, batch({ size, dropRemainder })) })`.
 * Consumed with {@link toAsyncIterable}, which passes its `demand` (as the trainer does), at most
 * `bufferSize` batches are decoded and not yet consumed, and leaving the loop stops the decoding.
 *
 * @example
 * const decode = cacheSamples({ mode: 'memory' }, decodeImages({ size: 224 }));
 * for await (const b of toAsyncIterable((demand) => train$.pipe(loadBatches({ decode, size: 32, seed, epoch, demand })))) await step(b);
 *
 * @param options - `decode` and `size` (required); `seed`, `epoch` (0), `bufferSize` (4), `concurrency` (min(2, bufferSize)), `dropRemainder` (false), `demand` (none: push).
 * @throws TypeError / RangeError at creation for a bad option.
 */
export function loadBatches(options: LoadBatchesOptions): OperatorFunction<ImageRecord, Batch> {
  const stage = 'loadBatches';
  requireObject(stage, options);
  requireFunction(stage, 'decode', options.decode);
  const size = requireInteger(stage, 'size', options.size, 1);
  const bufferSize = requireInteger(stage, 'bufferSize', options.bufferSize ?? 4, 1);
  const concurrency = requireInteger(stage, 'concurrency', options.concurrency ?? Math.min(2, bufferSize), 1, bufferSize);
  const dropRemainder = requireBoolean(stage, 'dropRemainder', options.dropRemainder ?? false);
  const epoch = requireInteger(stage, 'epoch', options.epoch ?? 0, 0);
  const order: OperatorFunction<ImageRecord, ImageRecord> =
    options.seed === undefined ? (source) => source : shuffle({ seed: requireSeed(stage, options.seed), epoch });
  const work = pipe(options.decode, batch({ size, dropRemainder }));
  return pipe(order, prefetch({ bufferSize, chunkSize: size, concurrency, work, ...(options.demand === undefined ? {} : { demand: options.demand }) }));
}
