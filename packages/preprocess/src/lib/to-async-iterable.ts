import type { Observable, Subscription } from 'rxjs';
import type { Demand } from './demand.js';

/**
 * Turns an Observable into a pull-driven async iterator (`for await`).
 *
 * This is how the trainer consumes an epoch. Given a function, it calls it on the first `next()`
 * with this iterator's {@link Demand} and subscribes to the Observable it returns: a
 * {@link prefetch} stage given that demand hands over a value only while `next()` is waiting, and
 * keeps at most its `bufferSize` units decoded ahead. Given an Observable (or a stream without a
 * prefetch that takes the demand), values pushed before they are asked for wait in a queue here.
 * `return()` (leaving a `for await` early, or an exception in its body) unsubscribes, which stops
 * the upstream work. An error in the source rejects the pending or next `next()`.
 *
 * @example
 * for await (const b of toAsyncIterable((demand) => records$.pipe(loadBatches({ decode, size: 32, demand })))) {
 *   await trainStep(b);
 * }
 * @throws TypeError when `source` is neither an Observable nor a function.
 */
export function toAsyncIterable<T>(source: Observable<T> | ((demand: Demand) => Observable<T>)): AsyncIterableIterator<T> {
  if (typeof source !== 'function' && typeof (source as Partial<Observable<T>> | null)?.subscribe !== 'function') {
    throw new TypeError(`toAsyncIterable: source must be an Observable or a function (demand) => Observable, got ${source === null ? 'null' : typeof source}.`);
  }
  const queue: T[] = [];
  const waiters: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  const listeners = new Set<() => void>();
  let subscription: Subscription | undefined;
  let started = false;
  let finished = false;
  let failed = false;
  let failure: unknown;

  const demand: Demand = {
    wanted: () => !finished && waiters.length > queue.length,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const settle = (): void => {
    while (waiters.length > 0) {
      if (queue.length > 0) {
        (waiters.shift() as (typeof waiters)[number]).resolve({ value: queue.shift() as T, done: false });
      } else if (failed) {
        const waiter = waiters.shift() as (typeof waiters)[number];
        failed = false; // report an error once; later calls see the end
        waiter.reject(failure);
      } else if (finished) {
        (waiters.shift() as (typeof waiters)[number]).resolve({ value: undefined, done: true });
      } else {
        return;
      }
    }
  };

  const stop = (): void => {
    finished = true;
    listeners.clear();
    subscription?.unsubscribe();
    subscription = undefined;
  };

  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      const result = new Promise<IteratorResult<T>>((resolve, reject) => waiters.push({ resolve, reject }));
      if (!started) {
        started = true;
        let observable: Observable<T>;
        try {
          observable = typeof source === 'function' ? source(demand) : source;
          if (typeof (observable as Partial<Observable<T>> | null)?.subscribe !== 'function') {
            throw new TypeError(`toAsyncIterable: the source function must return an Observable, got ${observable === null ? 'null' : typeof observable}.`);
          }
        } catch (error) {
          failed = true;
          failure = error;
          finished = true;
          settle();
          return result;
        }
        const sub = observable.subscribe({
          next: (value) => {
            if (finished) return;
            queue.push(value);
            settle();
          },
          error: (error: unknown) => {
            if (finished) return;
            failed = true;
            failure = error;
            finished = true;
            settle();
          },
          complete: () => {
            finished = true;
            settle();
          },
        });
        if (finished) sub.unsubscribe();
        else subscription = sub;
      }
      settle();
      for (const listener of [...listeners]) listener();
      return result;
    },
    return(): Promise<IteratorResult<T>> {
      stop();
      queue.length = 0;
      settle();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown): Promise<IteratorResult<T>> {
      stop();
      queue.length = 0;
      settle();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
