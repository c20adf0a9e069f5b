import { describe, expect, it } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { countingDecode, makeRecord, waitableCounter } from '../testing/index.js';
import { loadBatches } from './load-batches.js';
import { toAsyncIterable } from './to-async-iterable.js';

const records = Array.from({ length: 23 }, (_, i) => makeRecord({ id: `r${i}` }));
/** One turn of the event loop: whatever a finished decode sets off synchronously has happened by then. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('loadBatches', () => {
  it('keeps input order without a seed and shuffles per epoch with one', async () => {
    const counter = { started: 0, finished: 0 };
    const decode = countingDecode(counter);
    const ids = async (o: Parameters<typeof loadBatches>[0]) =>
      (await firstValueFrom(from(records).pipe(loadBatches(o), toArray()))).flatMap((b) => b.ids);
    expect(await ids({ decode, size: 5 })).toEqual(records.map((r) => r.path));
    const e0 = await ids({ decode, size: 5, seed: 1, epoch: 0 });
    expect(await ids({ decode, size: 5, seed: 1, epoch: 0 })).toEqual(e0);
    expect(await ids({ decode, size: 5, seed: 1, epoch: 1 })).not.toEqual(e0);
    expect([...e0].sort()).toEqual(records.map((r) => r.path).sort());
    expect(await ids({ decode, size: 5, dropRemainder: true })).toHaveLength(20);
  });

  it('decodes at most bufferSize batches ahead and stops when the loop leaves', async () => {
    const { counter, until, settled } = waitableCounter();
    const it = toAsyncIterable((demand) => from(records).pipe(loadBatches({ decode: countingDecode(counter, { delayMs: 1 }), size: 3, bufferSize: 2, demand })));
    await it.next();
    // The batch handed over plus two more decoded; once those decodes have finished, nothing may start.
    await until((c) => c.finished >= 3 + 2 * 3);
    await turn();
    expect(counter.started).toBe(3 + 2 * 3);
    await it.return?.();
    await settled();
    await turn();
    expect(counter.started).toBe(9);
  });

  it('rejects bad options at creation', () => {
    const decode = countingDecode({ started: 0, finished: 0 });
    expect(() => loadBatches({ decode, size: 0 })).toThrow(/loadBatches: size/);
    expect(() => loadBatches({ decode, size: 2, bufferSize: 1, concurrency: 2 })).toThrow(RangeError);
    expect(() => loadBatches({ size: 2 } as never)).toThrow(TypeError);
    expect(() => loadBatches({ decode, size: 2, seed: 0.5 })).toThrow(RangeError);
  });
});
