import { from, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { auditDataset, formatAudit, type ImageRecord, type Rejection, type Sample, type SourceInfo, type Split } from '../index.js';

const rec = (name: string, split: Split, className: 'NORMAL' | 'PNEUMONIA', groupId = name): ImageRecord => ({
  path: `/data/${split}/${className}/${name}.jpeg`,
  split,
  className,
  label: className === 'NORMAL' ? 0 : 1,
  groupId,
});
const sample = (record: ImageRecord, value: number, source?: SourceInfo): Sample => ({
  record,
  pixels: new Uint8Array(4).fill(value),
  height: 2,
  width: 2,
  ...(source ? { source } : {}),
});
const info = (width: number, height: number, mode = 'grey', hasIccProfile = false, orientation = 1): SourceInfo => ({
  format: 'jpeg',
  width,
  height,
  mode,
  hasIccProfile,
  orientation,
});

describe('auditDataset', () => {
  it('counts usable images per split and class, with a zero for every known class of every listed split', async () => {
    const audit = await lastValueFrom(
      from([sample(rec('a', 'train', 'NORMAL'), 1), sample(rec('b', 'test', 'PNEUMONIA'), 2)]).pipe(auditDataset({ splits: ['train', 'val', 'test'] })),
    );
    expect(audit.splits).toEqual({ train: { NORMAL: 1, PNEUMONIA: 0 }, val: { NORMAL: 0, PNEUMONIA: 0 }, test: { NORMAL: 0, PNEUMONIA: 1 } });
    expect(audit.findings).toContain('train/PNEUMONIA has no usable images.');
    expect(audit.findings).toContain('val/NORMAL has no usable images.');
  });

  it('profiles each class from file metadata, turning sizes by the EXIF orientation', async () => {
    const audit = await lastValueFrom(
      from([
        sample(rec('a', 'train', 'NORMAL'), 1, info(300, 200, 'grey', true)),
        sample(rec('b', 'train', 'NORMAL'), 2, info(200, 300, 'grey', true, 6)),
        sample(rec('c', 'train', 'NORMAL'), 3, info(100, 100, 'grey', true)),
        sample(rec('d', 'train', 'PNEUMONIA'), 4, info(224, 224, 'rgb')),
        sample(rec('e', 'train', 'PNEUMONIA'), 5),
      ]).pipe(auditDataset()),
    );
    expect(audit.perClass.NORMAL).toEqual({
      images: 3,
      profiled: 3,
      formats: { jpeg: 3 },
      modes: { grey: 3 },
      iccProfiles: 3,
      width: { min: 100, median: 300, max: 300, mean: 233.3333 },
      height: { min: 100, median: 200, max: 200, mean: 166.6667 },
      aspectRatio: { min: 1, median: 1.5, max: 1.5, mean: 1.3333 },
      commonSizes: [
        { size: '300x200', count: 2 },
        { size: '100x100', count: 1 },
      ],
    });
    expect(audit.perClass.PNEUMONIA).toMatchObject({ images: 2, profiled: 1, modes: { rgb: 1 } });
    expect(audit.findings).toEqual(
      expect.arrayContaining([
        'Channel mode rgb differs by class: NORMAL 0%, PNEUMONIA 100% (a shortcut a model can learn).',
        'Embedded ICC profiles differ by class: NORMAL 100%, PNEUMONIA 0% (ignored when decoding).',
        'Median aspect ratio (w/h) differs by class: NORMAL 1.5, PNEUMONIA 1.',
      ]),
    );
  });

  it('lists a rejected path once, sorted, with its split and class when known', async () => {
    const bad = rec('bad', 'val', 'PNEUMONIA');
    const items: (Sample | Rejection)[] = [
      { path: bad.path, reason: 'empty file (0 bytes)', record: bad },
      { path: '/data/locked', reason: 'cannot read folder (permission denied)' },
      { path: bad.path, reason: 'empty file (0 bytes)', record: bad },
    ];
    const audit = await lastValueFrom(from(items).pipe(auditDataset({ root: '/data', layout: 'splits' })));
    expect(audit.rejected).toEqual([
      { path: '/data/locked', reason: 'cannot read folder (permission denied)' },
      { path: bad.path, reason: 'empty file (0 bytes)', split: 'val', className: 'PNEUMONIA' },
    ]);
    expect(audit.totals).toEqual({ files: 1, images: 0, rejected: 2 });
    expect(formatAudit(audit)).toContain('  val/PNEUMONIA/bad.jpeg: empty file (0 bytes)');
  });

  it('starts afresh for each subscription', async () => {
    const stage = auditDataset();
    const input = from([sample(rec('a', 'train', 'NORMAL'), 1)]);
    const first = await lastValueFrom(input.pipe(stage));
    const second = await lastValueFrom(input.pipe(stage));
    expect(second).toEqual(first);
    expect(second.totals.images).toBe(1);
  });

  it('validates options at creation', () => {
    expect(() => auditDataset({ layout: 'flat' as 'splits' })).toThrow(/auditDataset: layout/);
    expect(() => auditDataset({ splits: ['dev' as Split] })).toThrow(TypeError);
    expect(() => auditDataset({ root: 3 as unknown as string })).toThrow(TypeError);
  });
});

describe('formatAudit', () => {
  it('prints the counts table, the class profile, duplicates, shared groups, rejections and findings', async () => {
    const audit = await lastValueFrom(
      from([
        sample(rec('a', 'train', 'NORMAL', 'person1'), 7, info(10, 10)),
        sample(rec('b', 'test', 'NORMAL', 'person1'), 7, info(10, 10)),
        sample(rec('c', 'train', 'PNEUMONIA'), 9, info(20, 10, 'rgb')),
      ]).pipe(auditDataset({ root: '/data', layout: 'splits', splits: ['train', 'val', 'test'] })),
    );
    const text = formatAudit(audit);
    expect(text).toContain(['split  NORMAL  PNEUMONIA  total', 'train       1          1      2', 'val         0          0      0', 'test        1          0      1', 'all         2          1      3'].join('\n'));
    expect(text).toContain('Exact duplicates (same decoded pixels): 1 group(s), 1 extra copy, 1 across splits, 0 with both labels');
    expect(text).toContain('  train/NORMAL/a.jpeg  =  test/NORMAL/b.jpeg  [across splits]');
    expect(text).toContain('  person1: train, test (2 images)');
    expect(text).toContain('Rejected: 0');
    expect(text).toMatch(/NORMAL\s+2\s+jpeg 2\s+grey 2\s+0\s+10\/10\/10/);
    expect(text.endsWith('\n')).toBe(true);
  });
});
