/**
 * The demand channel between a pulling consumer ({@link toAsyncIterable}) and {@link prefetch}.
 *
 * RxJS has no way to ask upstream for "one more". The consumer therefore subscribes inside
 * `subscribeWithDemand`, which makes a {@link Demand} visible while the subscription chain is being
 * built (subscription is synchronous from the last operator up to the first). The first `prefetch`
 * met on the way up claims it: from then on it emits only while the consumer is waiting, and it
 * starts new work only while its buffer has room. Demand is level-based (is the consumer waiting
 * now?), so an operator between prefetch and the consumer that drops or adds items cannot deadlock.
 */
export interface Demand {
  /** True while the consumer waits for a value that has not been delivered yet. */
  wanted(): boolean;
  /** Calls `listener` whenever demand may have grown; returns the function that removes it. */
  listen(listener: () => void): () => void;
}

let current: Demand | undefined;

/** Runs `subscribe` with `demand` visible to the prefetch stages it subscribes. */
export function subscribeWithDemand<T>(demand: Demand, subscribe: () => T): T {
  const previous = current;
  current = demand;
  try {
    return subscribe();
  } finally {
    current = previous;
  }
}

/** Takes the demand of the subscription being built, if any; later (inner) claimers get none. */
export function claimDemand(): Demand | undefined {
  const demand = current;
  current = undefined;
  return demand;
}
