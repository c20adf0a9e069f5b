import { fc, test } from '@fast-check/vitest';
import { from, lastValueFrom } from 'rxjs';
import { describe, expect } from 'vitest';
import { auditDataset, SPLITS, type Rejection, type Sample } from '../index.js';

const item = fc.oneof(
  fc.record({
    kind: fc.constant('sample' as const),
    name: fc.integer({ min: 0, max: 30 }),
    split: fc.constantFrom(...SPLITS),
    label: fc.constantFrom(0 as const, 1 as const),
    value: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ kind: fc.constant('rejection' as const), name: fc.integer({ min: 0, max: 5 }) }),
);

describe('auditDataset properties', () => {
  test.prop([fc.array(item, { maxLength: 40 })])(
    'counts add up to the samples, duplicate groups are exactly the equal-pixel samples, each rejected path is listed once',
    async (items) => {
      const seen = new Set<string>();
      const stream: (Sample | Rejection)[] = [];
      for (const it of items) {
        if (it.kind === 'rejection') {
          stream.push({ path: `/bad/${it.name}.png`, reason: 'corrupt image data (x)' });
          continue;
        }
        const path = `/d/${it.split}/${it.label}/${it.name}.png`;
        if (seen.has(path)) continue;
        seen.add(path);
        const className = it.label === 0 ? 'NORMAL' : 'PNEUMONIA';
        stream.push({ record: { path, split: it.split, label: it.label, className, groupId: String(it.name) }, pixels: new Uint8Array([it.value]), width: 1, height: 1 });
      }
      const samples = stream.filter((s): s is Sample => 'pixels' in s);
      const audit = await lastValueFrom(from(stream).pipe(auditDataset()));
      const counted = Object.values(audit.splits).flatMap((row) => Object.values(row ?? {}));
      expect(counted.reduce((a, b) => a + b, 0)).toBe(samples.length);
      expect(audit.totals.images).toBe(samples.length);
      const byValue = new Map<number, number>();
      for (const s of samples) byValue.set(s.pixels[0]!, (byValue.get(s.pixels[0]!) ?? 0) + 1);
      expect(audit.duplicates.groups.map((g) => g.files.length).sort()).toEqual([...byValue.values()].filter((n) => n > 1).sort());
      expect(audit.rejected.map((r) => r.path)).toEqual([...new Set(stream.filter((s): s is Rejection => !('pixels' in s)).map((s) => s.path))].sort());
      for (const g of audit.sharedGroups) expect(g.splits.length).toBeGreaterThan(1);
    },
  );
});
