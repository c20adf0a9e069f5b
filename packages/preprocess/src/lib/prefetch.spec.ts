import { describe, expect, it } from 'vitest';
import { finalize, from, map, Observable, pipe, range, throwError, toArray, firstValueFrom, concatMap, of } from 'rxjs';
import { countingDecode, makeRecord, type DecodeCounter } from '../testing/index.js';
import { batch } from './batch.js';
import { prefetch } from './prefetch.js';
import { toAsyncIterable } from './to-async-iterable.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const records = (n: number) => Array.from({ length: n }, (_, i) => makeRecord({ id: `r${i}`, label: (i % 2) as 0 | 1 }));

function epoch(n: number, counter: DecodeCounter, bufferSize: number, size = 4) {
  return from(records(n)).pipe(
    prefetch({ bufferSize, chunkSize: size, work: pipe(countingDecode(counter, { delayMs: 1, concurrency: 3 }), batch({ size })) }),
  );
}

describe('prefetch', () => {
  it('delivers every batch in order through toAsyncIterable', async () => {
    const counter = { started: 0, finished: 0 };
    const ids: string[] = [];
    for await (const b of toAsyncIterable(epoch(10, counter, 2))) ids.push(...b.ids);
    expect(ids).toEqual(records(10).map((r) => r.path));
    expect(counter.started).toBe(10);
  });

  it('works as a plain operator when subscribed directly (push mode)', async () => {
    const counter = { started: 0, finished: 0 };
    const batches = await firstValueFrom(epoch(9, counter, 2).pipe(toArray()));
    expect(batches.map((b) => b.shape[0])).toEqual([4, 4, 1]);
  });

  it('decodes no more than bufferSize batches ahead of a slow consumer', async () => {
    const counter = { started: 0, finished: 0 };
    const it = toAsyncIterable(epoch(40, counter, 2));
    const first = await it.next();
    expect(first.done).toBe(false);
    // It fills its buffer (polled: the machine may be busy) and then goes no further.
    for (let waited = 0; counter.started < 4 + 2 * 4 && waited < 5000; waited += 5) await sleep(5);
    await sleep(40); // time to run ahead if it could
    expect(counter.started).toBe(4 + 2 * 4);
    await it.return?.();
  });

  it('stops upstream work when the consumer leaves early', async () => {
    const counter = { started: 0, finished: 0 };
    let tornDown = false;
    const source = from(records(100)).pipe(finalize(() => (tornDown = true)));
    const epoch$ = source.pipe(prefetch({ bufferSize: 1, chunkSize: 5, work: pipe(countingDecode(counter, { delayMs: 1 }), batch({ size: 5 })) }));
    for await (const b of toAsyncIterable(epoch$)) {
      expect(b.shape[0]).toBe(5);
      break;
    }
    const startedAtExit = counter.started;
    await sleep(20);
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
    const dropped = range(0, 10).pipe(prefetch({ bufferSize: 1 }), (s) => new Observable<number>((sub) => s.subscribe({
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
  });
});
