import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { from, type Observable } from 'rxjs';
import type { Demand } from './demand.js';
import type { Batch } from './types.js';
import { countingDecode, makeRecord } from '../testing/index.js';
import { loadBatches } from './load-batches.js';
import { toAsyncIterable } from './to-async-iterable.js';

test.prop([fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.option(fc.integer(), { nil: undefined })], { numRuns: 25 })(
  'loaded batches re-joined are a permutation of the records, all but the last full, never more than bufferSize ahead',
  async (n, size, bufferSize, seed) => {
    const records = Array.from({ length: n }, (_, i) => makeRecord({ id: `r${i}` }));
    const counter = { started: 0, finished: 0 };
    const ids: string[] = [];
    const sizes: number[] = [];
    const decode = countingDecode(counter, { delayMs: 1 });
    const epoch = (demand: Demand): Observable<Batch> => from(records).pipe(loadBatches({ decode, size, bufferSize, demand, ...(seed === undefined ? {} : { seed }) }));
    for await (const b of toAsyncIterable(epoch)) {
      ids.push(...b.ids);
      sizes.push(b.shape[0]);
      expect(counter.started - ids.length).toBeLessThanOrEqual(bufferSize * size);
    }
    expect([...ids].sort()).toEqual(records.map((r) => r.path).sort());
    if (seed === undefined) expect(ids).toEqual(records.map((r) => r.path));
    sizes.slice(0, -1).forEach((s) => expect(s).toBe(size));
  },
);
