import { from, identity, Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { requireDemand, type Demand } from './demand.js';
import { requireFunction, requireInteger, requireObject } from './internal/validate.js';

/** Options of {@link prefetch}. */
export interface PrefetchOptions<In, Out> {
  /**
   * How many chunks may be worked on or waiting for the consumer at once (integer >= 1, default 2).
   * With `work` turning one chunk into one batch, this is the number of batches decoded ahead.
   */
  readonly bufferSize?: number;
  /** Upstream items per unit of work (integer >= 1, default 1); the last chunk may be shorter. */
  readonly chunkSize?: number;
  /**
   * The expensive part, applied to each chunk on its own subscription: `from(chunk).pipe(work)`.
   * Default: identity. Typically `pipe(decodeImages(...), batch({ size: chunkSize }))`.
   */
  readonly work?: OperatorFunction<In, Out>;
  /** Chunks worked on at the same time (integer 1..bufferSize, default 1). */
  readonly concurrency?: number;
  /**
   * The pulling consumer's demand signal (see {@link Demand}; {@link toAsyncIterable} passes one to
   * its source function). With it, an output is handed over only while the consumer waits for one,
   * so the bound holds. Without it, outputs are pushed as soon as they are ready.
   */
  readonly demand?: Demand;
}

interface Slot<Out> {
  readonly outputs: Out[];
  done: boolean;
  failed: boolean;
  error: unknown;
  subscription: Subscription | undefined;
}

/**
 * Runs `work` ahead of a pulling consumer, bounded: a pull-driven, bounded read-ahead buffer.
 *
 * Upstream items (cheap ones: records) are collected into chunks of `chunkSize`; each chunk is run
 * through `work` only while fewer than `bufferSize` chunks are in progress or waiting to be
 * consumed, and outputs are emitted in upstream order. Given the consumer's `demand` (which
 * {@link toAsyncIterable} passes to its source function), a chunk's outputs are handed over only
 * when the consumer asks, so at no time are more than `bufferSize` chunks (so
 * `bufferSize * chunkSize` items) worked on but unconsumed. Unsubscribing (`return()` on the
 * iterator) unsubscribes upstream and every running chunk.
 *
 * For the bound to hold, compose an epoch like this: everything expensive inside `work`,
 * `chunkSize` equal to the batch size, the consumer's `demand` in the options, and prefetch the
 * last stage before the consumer (operators after it must pass values on as they come, e.g. `map`,
 * `tap`, `take`: one that holds values back, like `concatMap` of an async function, takes them
 * while the consumer still waits):
 *
 * ```ts
 * const epoch = (demand: Demand) =>
 *   records$.pipe(
 *     shuffle({ seed, epoch }),
 *     prefetch({ bufferSize: 4, chunkSize: 32, demand, work: pipe(cacheSamples(cache, decodeImages(o)), batch({ size: 32 })) }),
 *   );
 * for await (const b of toAsyncIterable(epoch)) await step(b);
 * ```
 *
 * Without `demand` (subscribed with plain `subscribe`, or a consumer that has none), prefetch
 * pushes each output as soon as it is ready; its own buffer is then bounded only by how fast the
 * subscriber's `next` returns.
 *
 * @example
 * toAsyncIterable((demand) => records$.pipe(prefetch({ bufferSize: 2, chunkSize: 32, demand, work: pipe(decodeImages({ size: 224 }), batch({ size: 32 })) })))
 *
 * @param options - `bufferSize` (default 2), `chunkSize` (default 1), `work` (default identity), `concurrency` (default 1), `demand` (none: push).
 * @throws TypeError / RangeError at creation for a bad option. An upstream error ends the stream at
 *   once; an error in a chunk's `work` ends it after the outputs of the chunks before it.
 */
export function prefetch<In, Out = In>(options: PrefetchOptions<In, Out> = {}): OperatorFunction<In, Out> {
  requireObject('prefetch', options);
  const bufferSize = requireInteger('prefetch', 'bufferSize', options.bufferSize ?? 2, 1);
  const chunkSize = requireInteger('prefetch', 'chunkSize', options.chunkSize ?? 1, 1);
  const concurrency = requireInteger('prefetch', 'concurrency', options.concurrency ?? 1, 1, bufferSize);
  if (options.work !== undefined) requireFunction('prefetch', 'work', options.work);
  const work = options.work ?? (identity as unknown as OperatorFunction<In, Out>);
  const demand = options.demand === undefined ? undefined : requireDemand('prefetch', options.demand);

  return (source) =>
    new Observable<Out>((subscriber) => {
      const pending: In[] = [];
      const slots: Slot<Out>[] = [];
      let running = 0;
      let upstreamDone = false;
      let closed = false;
      let pumping = false;
      let again = false;

      const fail = (error: unknown): void => {
        if (closed) return;
        closed = true;
        subscriber.error(error);
      };

      const deliver = (): void => {
        while (!closed) {
          const head = slots[0];
          if (head === undefined) {
            if (upstreamDone && pending.length === 0) {
              closed = true;
              subscriber.complete();
            }
            return;
          }
          if (head.outputs.length > 0) {
            if (demand !== undefined && !demand.wanted()) return;
            subscriber.next(head.outputs.shift() as Out);
          } else if (head.failed) {
            fail(head.error);
          } else if (head.done) {
            slots.shift();
          } else {
            return;
          }
        }
      };

      const start = (): void => {
        while (!closed && slots.length < bufferSize && running < concurrency) {
          let chunk: In[];
          if (pending.length >= chunkSize) chunk = pending.splice(0, chunkSize);
          else if (upstreamDone && pending.length > 0) chunk = pending.splice(0, pending.length);
          else return;
          const slot: Slot<Out> = { outputs: [], done: false, failed: false, error: undefined, subscription: undefined };
          slots.push(slot);
          running++;
          const subscription = from(chunk)
            .pipe(work)
            .subscribe({
              next: (value) => {
                slot.outputs.push(value);
                pump();
              },
              error: (error: unknown) => {
                // Delivered in order: the outputs of earlier chunks go first.
                slot.failed = true;
                slot.error = error;
                slot.subscription = undefined;
                running--;
                pump();
              },
              complete: () => {
                slot.done = true;
                slot.subscription = undefined;
                running--;
                pump();
              },
            });
          if (!slot.done && !slot.failed) slot.subscription = subscription;
        }
      };

      function pump(): void {
        if (pumping) {
          again = true;
          return;
        }
        pumping = true;
        try {
          do {
            again = false;
            deliver();
            start();
          } while (again && !closed);
          deliver();
        } finally {
          pumping = false;
        }
      }

      const unlisten = demand?.listen(pump);
      const upstream = source.subscribe({
        next: (value) => {
          pending.push(value);
          pump();
        },
        error: fail,
        complete: () => {
          upstreamDone = true;
          pump();
        },
      });

      return () => {
        closed = true;
        unlisten?.();
        upstream.unsubscribe();
        for (const slot of slots) slot.subscription?.unsubscribe();
        slots.length = 0;
        pending.length = 0;
      };
    });
}
