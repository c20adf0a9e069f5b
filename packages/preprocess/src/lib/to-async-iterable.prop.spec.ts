import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { concatMap, from, of, timer, map } from 'rxjs';
import { toAsyncIterable } from './to-async-iterable.js';

test.prop([fc.array(fc.tuple(fc.integer(), fc.integer({ min: 0, max: 2 })), { maxLength: 15 }), fc.nat(15)], { numRuns: 30 })(
  'toAsyncIterable yields exactly the source values in order, and stops where the consumer leaves',
  async (items, stopAt) => {
    const source = from(items).pipe(concatMap(([v, ms]) => (ms === 0 ? of(v) : timer(ms).pipe(map(() => v)))));
    const got: number[] = [];
    for await (const v of toAsyncIterable(source)) {
      if (got.length === stopAt) break;
      got.push(v);
    }
    expect(got).toEqual(items.slice(0, stopAt).map(([v]) => v));
  },
);
