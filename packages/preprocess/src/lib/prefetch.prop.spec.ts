import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { from, pipe } from 'rxjs';
import type { Batch } from './types.js';
import { countingDecode, makeRecord, type DecodeCounter } from '../testing/index.js';
import { batch } from './batch.js';
import { prefetch } from './prefetch.js';
import { toAsyncIterable } from './to-async-iterable.js';

interface Model {
  consumedBatches: number;
  readonly batches: number;
}

interface Real {
  readonly it: AsyncIterableIterator<Batch>;
  readonly counter: DecodeCounter;
  consumedSamples: number;
  readonly expected: string[][];
  readonly bufferSize: number;
  readonly batchSize: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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

class Wait implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    await sleep(this.ms);
    checkBound(r);
  }
  toString = (): string => `wait(${this.ms})`;
}

test.prop(
  [
    fc.integer({ min: 0, max: 30 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 4 }),
    fc.commands([fc.constant(new Pull()), fc.integer({ min: 0, max: 4 }).map((ms) => new Wait(ms))], { maxCommands: 14 }),
  ],
  { numRuns: 30 },
)('prefetch never holds more than bufferSize batches decoded but unconsumed', async (n, batchSize, bufferSize, decodeConcurrency, commands) => {
  const records = Array.from({ length: n }, (_, i) => makeRecord({ id: `r${i}` }));
  const counter: DecodeCounter = { started: 0, finished: 0 };
  const epoch$ = from(records).pipe(
    prefetch({ bufferSize, chunkSize: batchSize, work: pipe(countingDecode(counter, { delayMs: 1, concurrency: decodeConcurrency }), batch({ size: batchSize })) }),
  );
  const expected: string[][] = [];
  for (let i = 0; i < n; i += batchSize) expected.push(records.slice(i, i + batchSize).map((r) => r.path));
  const real: Real = { it: toAsyncIterable(epoch$), counter, consumedSamples: 0, expected, bufferSize, batchSize };
  try {
    await fc.asyncModelRun(() => ({ model: { consumedBatches: 0, batches: expected.length }, real }), commands);
  } finally {
    await real.it.return?.();
  }
});
