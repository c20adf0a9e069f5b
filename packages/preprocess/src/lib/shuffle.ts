import { from, mergeMap, toArray, type OperatorFunction } from 'rxjs';
import { deriveSeed, seededPermutation } from './seeded-random.js';
import { requireInteger, requireObject, requireSeed } from './internal/validate.js';

/** Options of {@link shuffle}. */
export interface ShuffleOptions {
  /** Root seed (any safe integer). */
  readonly seed: number;
  /** Epoch number (integer >= 0, default 0): each epoch gets its own order, derived from `seed`. */
  readonly epoch?: number;
}

/**
 * Emits the upstream items in a seeded random order.
 *
 * Waits for upstream to complete, then emits a permutation drawn with
 * `seededPermutation(n, deriveSeed(seed, 'shuffle', epoch))`. Same seed and epoch, same order;
 * another epoch, another order. Shuffle records (cheap) before decoding, not decoded samples.
 *
 * @example
 * records$.pipe(shuffle({ seed: 42, epoch: 3 }))
 *
 * @param options - `seed` (required), `epoch` (default 0).
 * @throws TypeError / RangeError at creation for a bad seed or epoch.
 */
export function shuffle<T>(options: ShuffleOptions): OperatorFunction<T, T> {
  requireObject('shuffle', options);
  const seed = requireSeed('shuffle', options.seed);
  const epoch = requireInteger('shuffle', 'epoch', options.epoch ?? 0, 0);
  const streamSeed = deriveSeed(seed, 'shuffle', epoch);
  return (source) =>
    source.pipe(
      toArray(),
      mergeMap((items) => from(seededPermutation(items.length, streamSeed).map((i) => items[i] as T))),
    );
}
