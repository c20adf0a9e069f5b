/**
 * A consumer's demand signal: whether it is waiting for a value now, and a way to hear when that
 * may have changed. RxJS pushes and has no way to ask upstream for "one more"; a pulling consumer
 * (the trainer's `for await`) makes one and hands it to the stream it pulls from, where a
 * {@link prefetch} stage takes it in its options. {@link toAsyncIterable} makes one per iteration
 * and passes it to its source function:
 *
 * ```ts
 * for await (const b of toAsyncIterable((demand) => records$.pipe(loadBatches({ decode, size: 32, demand })))) await step(b);
 * ```
 *
 * It is a plain object with two functions, so a stream built by one copy of this package honours
 * the signal of another, and any consumer can drive prefetch with its own. Demand is level-based
 * (is the consumer waiting now?), so an operator between prefetch and the consumer that drops or
 * adds items cannot deadlock it.
 */
export interface Demand {
  /** True while the consumer waits for a value that has not been delivered yet. */
  wanted(): boolean;
  /** Calls `listener` whenever demand may have grown; returns the function that removes it. */
  listen(listener: () => void): () => void;
}

/** Checks that `demand` is a {@link Demand} (at the creation of `stage`). */
export function requireDemand(stage: string, demand: unknown): Demand {
  const d = demand as Partial<Demand> | null;
  if (typeof d !== 'object' || d === null || typeof d.wanted !== 'function' || typeof d.listen !== 'function') {
    throw new TypeError(`${stage}: demand must be an object with wanted() and listen(listener), as toAsyncIterable passes to its source function; got ${d === null ? 'null' : typeof d}.`);
  }
  return d as Demand;
}
