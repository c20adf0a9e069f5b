import { fc, test } from '@fast-check/vitest';
import { beforeAll, expect, vi } from 'vitest';
import { from, pipe } from 'rxjs';
import type { Batch } from './types.js';
import { countingDecode, makeRecord, waitableCounter, type WaitableCounter } from '../testing/index.js';
import { batch } from './batch.js';
import { prefetch } from './prefetch.js';
import { toAsyncIterable } from './to-async-iterable.js';

// A second, separately loaded copy of the module, as when two copies of @cxr/preprocess end up in
// one program: the bound must hold whichever copy made the stream and whichever consumes it.
let otherPrefetch: typeof prefetch;
beforeAll(async () => {
  vi.resetModules();
  otherPrefetch = (await import('./prefetch.js')).prefetch;
  expect(otherPrefetch).not.toBe(prefetch);
});

interface Model {
  consumedBatches: number;
  readonly batches: number;
}

interface Real {
  readonly it: AsyncIterableIterator<Batch>;
  readonly counter: WaitableCounter['counter'];
  readonly settled: WaitableCounter['settled'];
  consumedSamples: number;
  readonly expected: string[][];
  readonly bufferSize: number;
  readonly batchSize: number;
}

function checkBound(r: Real): void {
  // Work begun but not yet handed to the consumer never exceeds bufferSize batches.
  expect(r.counter.started - r.consumedSamples).toBeLessThanOrEqual(r.bufferSize * r.batchSize);
  expect(Math.ceil((r.counter.finished - r.consumedSamples) / r.batchSize)).toBeLessThanOrEqual(r.bufferSize);
}

class Pull implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const next = await r.it.next();
    if (m.consumedBatches < m.batches) {
      expect(next.done).toBe(false);
      expect((next.value as Batch).ids).toEqual(r.expected[m.consumedBatches]);
      r.consumedSamples += (next.value as Batch).ids.length;
      m.consumedBatches++;
    } else {
      expect(next.done).toBe(true);
    }
    checkBound(r);
  }
  toString = (): string => 'pull';
}

/** Lets every decode begun run to its end, then one more turn of the event loop: as far ahead as prefetch can get. */
class Settle implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    await r.settled();
    await new Promise((resolve) => setImmediate(resolve));
    checkBound(r);
  }
  toString = (): string => 'settle';
}

test.prop(
  [
    fc.integer({ min: 0, max: 30 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 4 }),
    fc.commands([fc.constant(new Pull()), fc.constant(new Settle())], { maxCommands: 14 }),
    fc.boolean(),
  ],
  { numRuns: 30 },
)('prefetch never holds more than bufferSize batches decoded but unconsumed', async (n, batchSize, bufferSize, decodeConcurrency, commands, otherCopy) => {
  const records = Array.from({ length: n }, (_, i) => makeRecord({ id: `r${i}` }));
  const { counter, settled } = waitableCounter();
  const operator = otherCopy ? otherPrefetch : prefetch;
  const work = pipe(countingDecode(counter, { delayMs: 1, concurrency: decodeConcurrency }), batch({ size: batchSize }));
  const expected: string[][] = [];
  for (let i = 0; i < n; i += batchSize) expected.push(records.slice(i, i + batchSize).map((r) => r.path));
  const it = toAsyncIterable((demand) => from(records).pipe(operator({ bufferSize, chunkSize: batchSize, demand, work })));
  const real: Real = { it, counter, settled, consumedSamples: 0, expected, bufferSize, batchSize };
  try {
    await fc.asyncModelRun(() => ({ model: { consumedBatches: 0, batches: expected.length }, real }), commands);
  } finally {
    await real.it.return?.();
  }
});
