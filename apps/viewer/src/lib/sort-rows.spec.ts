import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { nextSort, sortRows, type SortableRow } from './sort-rows.js';

const arbRows = fc.array(fc.record({ file: fc.string({ maxLength: 6 }), probability: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }) }), { maxLength: 30 }).map((rows) =>
  rows.map((r, i): SortableRow => ({ order: i + 1, file: r.file, probability: r.probability })),
);

describe('sortRows', () => {
  test.prop([arbRows, fc.constantFrom('order' as const, 'file' as const, 'probability' as const), fc.boolean()])('is a permutation of the rows', (rows, key, descending) => {
    const sorted = sortRows(rows, { key, descending });
    expect([...sorted].sort((a, b) => a.order - b.order)).toEqual(rows);
  });

  test.prop([arbRows, fc.boolean()])('by probability: ordered in the direction asked, ties in drop order, rows without a probability last in drop order', (rows, descending) => {
    const sorted = sortRows(rows, { key: 'probability', descending });
    const scored = sorted.filter((r) => r.probability !== undefined);
    const unscored = sorted.filter((r) => r.probability === undefined);
    expect(sorted).toEqual([...scored, ...unscored]);
    for (let i = 1; i < scored.length; i++) {
      const [a, b] = [scored[i - 1] as SortableRow, scored[i] as SortableRow];
      const d = (b.probability as number) - (a.probability as number);
      expect(descending ? d <= 0 : d >= 0).toBe(true);
      if (d === 0) expect(a.order).toBeLessThan(b.order);
    }
    expect(unscored.map((r) => r.order)).toEqual([...unscored.map((r) => r.order)].sort((a, b) => a - b));
  });

  it('nextSort: the same column flips; a new one starts descending for probability, ascending otherwise', () => {
    expect(nextSort({ key: 'order', descending: false }, 'probability')).toEqual({ key: 'probability', descending: true });
    expect(nextSort({ key: 'probability', descending: true }, 'probability')).toEqual({ key: 'probability', descending: false });
    expect(nextSort({ key: 'probability', descending: true }, 'file')).toEqual({ key: 'file', descending: false });
  });
});
