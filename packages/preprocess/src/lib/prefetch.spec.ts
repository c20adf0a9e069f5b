import { describe, expect, it } from 'vitest';
import { finalize, from, map, Observable, pipe, range, throwError, toArray, firstValueFrom, concatMap, of } from 'rxjs';
import { countingDecode, makeRecord, waitableCounter, type DecodeCounter } from '../testing/index.js';
import { batch } from './batch.js';
import type { Demand } from './demand.js';
import type { Batch } from './types.js';
import { prefetch } from './prefetch.js';
import { toAsyncIterable } from './to-async-iterable.js';

/** One turn of the event loop: whatever a finished decode sets off synchronously has happened by then. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const records = (n: number) => Array.from({ length: n }, (_, i) => makeRecord({ id: `r${i}`, label: (i % 2) as 0 | 1 }));

function epoch(n: number, counter: DecodeCounter, bufferSize: number, demand?: Demand, size = 4): Observable<Batch> {
  const work = pipe(countingDecode(counter, { delayMs: 1, concurrency: 3 }), batch({ size }));
  return from(records(n)).pipe(prefetch({ bufferSize, chunkSize: size, work, ...(demand === undefined ? {} : { demand }) }));
}

describe('prefetch', () => {
  it('delivers every batch in order through toAsyncIterable', async () => {
    const counter = { started: 0, finished: 0 };
    const ids: string[] = [];
    for await (const b of toAsyncIterable((demand) => epoch(10, counter, 2, demand))) ids.push(...b.ids);
    expect(ids).toEqual(records(10).map((r) => r.path));
    expect(counter.started).toBe(10);
  });

  it('works as a plain operator when subscribed directly (push mode)', async () => {
    const counter = { started: 0, finished: 0 };
    const batches = await firstValueFrom(epoch(9, counter, 2).pipe(toArray()));
    expect(batches.map((b) => b.shape[0])).toEqual([4, 4, 1]);
  });

  it('decodes no more than bufferSize batches ahead of a slow consumer', async () => {
    const { counter, until } = waitableCounter();
    const it = toAsyncIterable((demand) => epoch(40, counter, 2, demand));
    const first = await it.next();
    expect(first.done).toBe(false);
    // It fills its buffer: the batch handed over plus two more decoded. Each finished decode is
    // where it could start more work; once all twelve have finished, it must have stopped.
    await until((c) => c.finished >= 4 + 2 * 4);
    await turn();
    expect(counter.started).toBe(4 + 2 * 4);
    await it.return?.();
  });

  it('stops upstream work when the consumer leaves early', async () => {
    const { counter, settled } = waitableCounter();
    let tornDown = false;
    const source = from(records(100)).pipe(finalize(() => (tornDown = true)));
    const epoch$ = (demand: Demand): Observable<Batch> => source.pipe(prefetch({ bufferSize: 1, chunkSize: 5, demand, work: pipe(countingDecode(counter, { delayMs: 1 }), batch({ size: 5 })) }));
    for await (const b of toAsyncIterable(epoch$)) {
      expect(b.shape[0]).toBe(5);
      break;
    }
    const startedAtExit = counter.started;
    // Every decode still running was dropped or has ended: none of them can set off new work.
    await settled();
    await turn();
    expect(tornDown).toBe(true);
    expect(counter.started).toBe(startedAtExit);
    expect(startedAtExit).toBeLessThanOrEqual(10);
  });

  it('passes upstream and work errors on', async () => {
    const bad = throwError(() => new Error('scan failed')).pipe(prefetch({ bufferSize: 2 }));
    await expect(toAsyncIterable(bad).next()).rejects.toThrow('scan failed');
    const failingWork = range(0, 5).pipe(
      prefetch({ bufferSize: 2, work: concatMap((v: number) => (v === 3 ? throwError(() => new Error('decode failed')) : of(v))) }),
    );
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of toAsyncIterable(failingWork)) seen.push(v);
      })(),
    ).rejects.toThrow('decode failed');
    expect(seen).toEqual([0, 1, 2]);
  });

  it('completes on an empty source and keeps a short last chunk', async () => {
    expect(await firstValueFrom(from([] as number[]).pipe(prefetch({ bufferSize: 3 }), toArray()))).toEqual([]);
    const chunks = await firstValueFrom(range(0, 7).pipe(prefetch({ chunkSize: 3, work: toArray() }), toArray()));
    expect(chunks).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('runs synchronous work and keeps order with concurrency', async () => {
    const out = await firstValueFrom(range(0, 20).pipe(prefetch({ bufferSize: 4, concurrency: 3, work: map((v: number) => v * 2) }), toArray()));
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('does not deadlock when an operator after it drops values', async () => {
    const dropped = (demand: Demand): Observable<number> => range(0, 10).pipe(prefetch({ bufferSize: 1, demand }), (s) => new Observable<number>((sub) => s.subscribe({
      next: (v) => (v % 2 === 0 ? sub.next(v) : undefined),
      complete: () => sub.complete(),
    })));
    const got: number[] = [];
    for await (const v of toAsyncIterable(dropped)) got.push(v);
    expect(got).toEqual([0, 2, 4, 6, 8]);
  });

  it('rejects bad options at creation, naming the stage', () => {
    expect(() => prefetch({ bufferSize: 0 })).toThrow(RangeError);
    expect(() => prefetch({ bufferSize: 0 })).toThrow(/prefetch: bufferSize/);
    expect(() => prefetch({ chunkSize: 1.5 })).toThrow(RangeError);
    expect(() => prefetch({ bufferSize: 2, concurrency: 3 })).toThrow(/concurrency/);
    expect(() => prefetch({ work: 'decode' as never })).toThrow(TypeError);
    expect(() => prefetch({ bufferSize: '2' as never })).toThrow(TypeError);
    expect(() => prefetch({ demand: { wanted: () => true } as never })).toThrow(/prefetch: demand must be an object with wanted\(\) and listen/);
  });
});
