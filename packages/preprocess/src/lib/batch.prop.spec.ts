import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { makeRecord, makeSample } from '../testing/index.js';
import { batch } from './batch.js';

test.prop([fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.boolean()], { numRuns: 50 })(
  'batches re-joined equal the input in order, all but the last full',
  async (n, size, dropRemainder) => {
    const input = Array.from({ length: n }, (_, i) => makeSample(makeRecord({ id: `s${i}`, label: (i % 2) as 0 | 1 }), 2, 2, i + 1));
    const batches = await firstValueFrom(from(input).pipe(batch({ size, dropRemainder }), toArray()));
    const kept = dropRemainder ? input.slice(0, n - (n % size)) : input;
    expect(batches.flatMap((b) => b.ids)).toEqual(kept.map((s) => s.record.path));
    expect(batches.flatMap((b) => Array.from(b.x))).toEqual(kept.flatMap((s) => Array.from(s.pixels)));
    expect(batches.flatMap((b) => Array.from(b.y))).toEqual(kept.map((s) => s.record.label));
    batches.slice(0, -1).forEach((b) => expect(b.shape[0]).toBe(size));
    if (dropRemainder) batches.forEach((b) => expect(b.shape[0]).toBe(size));
  },
);
