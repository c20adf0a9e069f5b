import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { scanDataset, type ImageRecord } from '@cxr/loader';
import { makeRecord } from '../testing/index.js';
import { resplit, resplitRecords, type ResplitReport } from './resplit.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const dataset = path.resolve(repoRoot, '../shared/datasets/chest-xray');

function pool(): ImageRecord[] {
  const out: ImageRecord[] = [];
  for (let i = 0; i < 40; i++) out.push(makeRecord({ id: `n${i}`, label: 0, split: i < 36 ? 'train' : 'val' }));
  for (let p = 0; p < 20; p++) for (let k = 0; k < 3; k++) out.push(makeRecord({ id: `p${p}_${k}`, groupId: `person${p}`, label: 1, split: 'train' }));
  for (let i = 0; i < 5; i++) out.push(makeRecord({ id: `t${i}`, groupId: i === 0 ? 'person3' : `t${i}`, label: 1, split: 'test' }));
  return out;
}

describe('resplit', () => {
  it('moves 20% of each label to val, whole groups only, test untouched', () => {
    const input = pool();
    const { records, report } = resplitRecords(input, { seed: 1 });
    expect(records).toHaveLength(input.length);
    expect(records.map((r) => r.path)).toEqual(input.map((r) => r.path));
    expect(report.counts.val.negatives).toBe(8);
    expect(report.counts.val.positives).toBe(12);
    expect(report.counts.train).toMatchObject({ negatives: 32, positives: 48, total: 80, byClass: { NORMAL: 32, PNEUMONIA: 48 } });
    expect(report.counts.test.total).toBe(5);
    input.forEach((r, i) => {
      if (r.split === 'test') expect(records[i]).toBe(r);
    });
    const sides = new Map<string, Set<string>>();
    for (const r of records) if (r.split !== 'test') sides.set(r.groupId, (sides.get(r.groupId) ?? new Set()).add(r.split));
    for (const [id, s] of sides) expect(s.size, id).toBe(1);
    expect(report.crossingTest).toEqual(['person3']);
    expect(report.groups.val + report.groups.train).toBe(40 + 20);
  });

  it('is reproducible, independent of input order, and seed-dependent', () => {
    const input = pool();
    const a = resplitRecords(input, { seed: 5 });
    const b = resplitRecords([...input].reverse(), { seed: 5 });
    const valOf = (rs: ImageRecord[]) => rs.filter((r) => r.split === 'val').map((r) => r.path).sort();
    expect(valOf(b.records)).toEqual(valOf(a.records));
    expect(valOf(resplitRecords(input, { seed: 6 }).records)).not.toEqual(valOf(a.records));
  });

  it('emits the new records and reports once per subscription', async () => {
    const reports: ResplitReport[] = [];
    const op = from(pool()).pipe(resplit({ seed: 2, valFraction: 0.25, onReport: (r) => reports.push(r) }), toArray());
    const first = await firstValueFrom(op);
    const second = await firstValueFrom(op);
    expect(second).toEqual(first);
    expect(reports).toHaveLength(2);
    expect(reports[0]?.target).toEqual({ negatives: 10, positives: 15 });
    expect(reports[0]?.valFraction).toBe(0.25);
  });

  it('rejects bad options at creation', () => {
    expect(() => resplit({ seed: 1, valFraction: 0 })).toThrow(/resplit: valFraction/);
    expect(() => resplit({ seed: 1, valFraction: 1.2 })).toThrow(RangeError);
    expect(() => resplit({ seed: Number.NaN })).toThrow(TypeError);
    expect(() => resplit({ seed: 1, onReport: 3 as never })).toThrow(TypeError);
  });

  it.skipIf(!existsSync(dataset))('splits the real chest X-ray data and reports exactly the patients that cross into test', async () => {
    const scanned = await firstValueFrom(scanDataset(dataset).pipe(toArray()));
    const { records, report } = resplitRecords(scanned, { seed: 42 });
    const pooled = scanned.filter((r) => r.split !== 'test');
    const pooledPos = pooled.filter((r) => r.label === 1).length;
    expect(report.counts.val.positives).toBe(Math.round(0.2 * pooledPos));
    expect(report.counts.val.negatives).toBe(Math.round(0.2 * (pooled.length - pooledPos)));
    expect(report.counts.test.total).toBe(scanned.filter((r) => r.split === 'test').length);
    const trainGroups = new Set(records.filter((r) => r.split === 'train').map((r) => r.groupId));
    expect(records.some((r) => r.split === 'val' && trainGroups.has(r.groupId))).toBe(false);
    const testGroups = new Set(scanned.filter((r) => r.split === 'test').map((r) => r.groupId));
    expect(report.crossingTest).toEqual([...new Set(pooled.map((r) => r.groupId))].filter((g) => testGroups.has(g)).sort());
  });
});
