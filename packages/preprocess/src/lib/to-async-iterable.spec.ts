import { describe, expect, it } from 'vitest';
import { concat, finalize, from, interval, map, NEVER, of, Subject, take, throwError } from 'rxjs';
import { toAsyncIterable } from './to-async-iterable.js';

describe('toAsyncIterable', () => {
  it('yields every value in order, then ends', async () => {
    const got: number[] = [];
    for await (const v of toAsyncIterable(interval(1).pipe(take(5)))) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('subscribes lazily, on the first next()', async () => {
    let subscribed = 0;
    const source = new Subject<number>();
    const it = toAsyncIterable(
      concat(of(1), source).pipe(
        map((v) => {
          subscribed++;
          return v;
        }),
      ),
    );
    expect(subscribed).toBe(0);
    expect(await it.next()).toEqual({ value: 1, done: false });
    source.complete();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers values pushed before an error, then rejects once, then ends', async () => {
    const it = toAsyncIterable(concat(of(1, 2), throwError(() => new Error('boom'))));
    expect((await it.next()).value).toBe(1);
    expect((await it.next()).value).toBe(2);
    await expect(it.next()).rejects.toThrow('boom');
    expect((await it.next()).done).toBe(true);
  });

  it('unsubscribes on return() and resolves waiting calls', async () => {
    let finalized = false;
    const it = toAsyncIterable(NEVER.pipe(finalize(() => (finalized = true))));
    const pending = it.next();
    await it.return?.();
    expect(finalized).toBe(true);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect((await it.next()).done).toBe(true);
  });

  it('is its own async iterable and unsubscribes on throw()', async () => {
    let finalized = false;
    const it = toAsyncIterable(from([1, 2, 3]).pipe(finalize(() => (finalized = true))));
    expect(it[Symbol.asyncIterator]()).toBe(it);
    await it.next();
    await expect(it.throw?.(new Error('stop'))).rejects.toThrow('stop');
    expect(finalized).toBe(true);
  });
});
