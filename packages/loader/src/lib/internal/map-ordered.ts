import { Observable, type OperatorFunction } from 'rxjs';

/** What the async function of {@link mapOrdered} may resolve to for one input. */
export type Outcome<R> = { readonly kind: 'value'; readonly value: R } | { readonly kind: 'skip' } | { readonly kind: 'error'; readonly error: unknown };

/**
 * Maps each input through an async function with at most `concurrency` calls in flight and emits
 * the results in input order. At most `window` inputs are started but not yet emitted, so a slow
 * head never lets finished results pile up without bound. Inputs that arrive while the window is
 * full wait in arrival order. An `error` outcome errors the stream when it reaches the head (all
 * earlier results are emitted first). A rejected promise is treated like an `error` outcome.
 * Unsubscribing drops in-flight results.
 */
export function mapOrdered<T, R>(
  fn: (input: T, index: number) => Promise<Outcome<R>>,
  concurrency: number,
  window: number = Math.max(16, concurrency * 8),
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      // Inputs not started yet; `head` is the next one to start (no O(n) shift on long queues).
      let waiting: { input: T; index: number }[] = [];
      let head = 0;
      const done = new Map<number, Outcome<R>>();
      let received = 0;
      let nextToEmit = 0;
      let inFlight = 0;
      let sourceDone = false;
      let closed = false;

      const pump = (): void => {
        if (closed) return;
        // Emit every finished result at the head, in order.
        for (let outcome = done.get(nextToEmit); outcome !== undefined; outcome = done.get(nextToEmit)) {
          done.delete(nextToEmit);
          nextToEmit += 1;
          if (outcome.kind === 'error') {
            closed = true;
            subscriber.error(outcome.error);
            return;
          }
          if (outcome.kind === 'value') subscriber.next(outcome.value);
          if (closed || subscriber.closed) return;
        }
        // Start work while there is room.
        while (head < waiting.length && inFlight < concurrency && waiting[head]!.index < nextToEmit + window) {
          const { input, index } = waiting[head]!;
          head += 1;
          if (head > 1024 && head * 2 > waiting.length) {
            waiting = waiting.slice(head);
            head = 0;
          }
          inFlight += 1;
          let promise: Promise<Outcome<R>>;
          try {
            promise = fn(input, index);
          } catch (error) {
            promise = Promise.resolve({ kind: 'error', error });
          }
          promise
            .catch((error: unknown): Outcome<R> => ({ kind: 'error', error }))
            .then((outcome) => {
              inFlight -= 1;
              done.set(index, outcome);
              pump();
            })
            .catch((error: unknown) => {
              // Only reached if a subscriber callback threw synchronously inside pump().
              if (!closed) {
                closed = true;
                subscriber.error(error);
              }
            });
        }
        if (sourceDone && head >= waiting.length && inFlight === 0 && done.size === 0) {
          closed = true;
          subscriber.complete();
        }
      };

      const subscription = source.subscribe({
        next: (input) => {
          waiting.push({ input, index: received });
          received += 1;
          pump();
        },
        error: (error: unknown) => {
          closed = true;
          subscriber.error(error);
        },
        complete: () => {
          sourceDone = true;
          pump();
        },
      });

      return () => {
        closed = true;
        waiting = [];
        head = 0;
        done.clear();
        subscription.unsubscribe();
      };
    });
}
