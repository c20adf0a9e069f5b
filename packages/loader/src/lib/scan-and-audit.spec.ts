import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAudit, scanAndAudit } from '../index.js';
import { encodeDicom, writeTinyDataset } from '../testing/index.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const datasets = resolve(repoRoot, '../shared/datasets');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanAndAudit', () => {
  it('reports the exact counts of the shared chest-xray README, with nothing rejected', async () => {
    const audit = await scanAndAudit(join(datasets, 'chest-xray'), { size: 16 }); // small output: JPEG shrink-on-load keeps it quick
    expect(audit.splits).toEqual({
      train: { NORMAL: 1204, PNEUMONIA: 3459 },
      val: { NORMAL: 8, PNEUMONIA: 8 },
      test: { NORMAL: 136, PNEUMONIA: 391 },
    });
    expect(audit.rejected).toEqual([]);
    expect(audit.totals).toEqual({ files: 5206, images: 5206, rejected: 0 });
    expect(audit.layout).toBe('splits');
    // The README: test/ is patient-disjoint from train/ and val/ ids occur in neither.
    expect(audit.sharedGroups.filter((g) => g.groupId.startsWith('person'))).toEqual([]);
    expect(audit.perClass.NORMAL?.modes).toEqual({ grey: 1348 });
    expect(audit.perClass.PNEUMONIA?.commonSizes[0]).toEqual({ size: '224x224', count: 2697 });
    const json = JSON.parse(JSON.stringify(audit)) as typeof audit;
    expect(json.splits.train?.PNEUMONIA).toBe(3459);
  }, 120_000);

  it('profiles the full-resolution set: ICC profiles and RGB files differ by class', async () => {
    const audit = await scanAndAudit(join(datasets, 'chest-xray-fullres'), { size: 16 });
    expect(audit.layout).toBe('classes');
    expect(audit.splits).toEqual({ train: { NORMAL: 32, PNEUMONIA: 48 } });
    expect(audit.perClass.NORMAL).toMatchObject({ iccProfiles: 32, modes: { grey: 32 } });
    expect(audit.perClass.PNEUMONIA).toMatchObject({ iccProfiles: 0, modes: { grey: 38, rgb: 10 } });
    expect(audit.findings.some((f) => f.startsWith('Channel mode rgb differs by class'))).toBe(true);
  });

  it('counts the DICOM attributes per class and finds a view position or modality that differs by class', async () => {
    const root = join(dir, 'dicom');
    const values = Array.from({ length: 64 }, (_, i) => i * 60);
    const files: [string, string, Parameters<typeof encodeDicom>[0]][] = [
      ['NORMAL', 'n1', { width: 8, height: 8, values, bitsStored: 12, viewPosition: 'PA', modality: 'DX', window: { center: 2000, width: 4000 } }],
      ['NORMAL', 'n2.dcm', { width: 8, height: 8, values, bitsStored: 12, viewPosition: 'PA', modality: 'DX', syntax: 'jpeg-2000', photometric: 'MONOCHROME1' }],
      ['PNEUMONIA', 'p1', { width: 8, height: 8, values, bitsStored: 12, viewPosition: 'AP', modality: 'CR', syntax: 'rle' }],
      ['PNEUMONIA', 'p2.dcm', { width: 8, height: 8, values, bitsStored: 16, viewPosition: 'LL', modality: 'CR' }],
    ];
    for (const [cls, name, spec] of files) {
      await mkdir(join(root, 'train', cls), { recursive: true });
      await writeFile(join(root, 'train', cls, name), await encodeDicom(spec));
    }
    const audit = await scanAndAudit(root, { size: 8 });
    expect(audit.splits.train).toEqual({ NORMAL: 2, PNEUMONIA: 2 });
    expect(audit.perClass.NORMAL).toMatchObject({ formats: { dicom: 2 }, modes: { grey16: 2 } });
    expect(audit.perClass.NORMAL?.dicom).toEqual({
      files: 2,
      modalities: { DX: 2 },
      photometricInterpretations: { MONOCHROME1: 1, MONOCHROME2: 1 },
      bitsStored: { '12': 2 },
      transferSyntaxes: { 'explicit-vr-little-endian': 1, 'jpeg-2000-lossless': 1 },
      viewPositions: { PA: 2 },
      voi: { 'min-max': 1, window: 1 },
    });
    expect(audit.perClass.PNEUMONIA?.dicom).toMatchObject({ modalities: { CR: 2 }, viewPositions: { AP: 1, LL: 1 }, bitsStored: { '12': 1, '16': 1 } });
    expect(audit.findings).toContain('DICOM view position LL differs by class: NORMAL 0%, PNEUMONIA 50% (a shortcut a model can learn).');
    expect(audit.findings).toContain('DICOM modality CR differs by class: NORMAL 0%, PNEUMONIA 100% (a shortcut a model can learn).');
    const text = formatAudit(audit);
    expect(text).toContain('DICOM files per class');
    expect(text).toMatch(/PNEUMONIA\s+2\s+CR 2\s+AP 1, LL 1/);
  });

  it('scans a folder with corrupt files to the end and lists every bad file once', async () => {
    const ds = await writeTinyDataset(join(dir, 'corrupt'), { perClass: 2, corrupt: true, clutter: true });
    const progress: number[] = [];
    const listed: (readonly string[])[] = [];
    const audit = await scanAndAudit(ds.root, { size: 8, onProgress: (done, total) => progress.push(done, total), onRecords: (records) => listed.push(records.map((r) => r.path)) });
    expect(audit.splits).toEqual({ train: { NORMAL: 2, PNEUMONIA: 2 }, val: { NORMAL: 2, PNEUMONIA: 2 }, test: { NORMAL: 2, PNEUMONIA: 2 } });
    expect(audit.rejected.map((r) => r.path)).toEqual(ds.corrupt.map((c) => c.path));
    expect(new Set(audit.rejected.map((r) => r.path)).size).toBe(audit.rejected.length);
    expect(audit.rejected[0]).toEqual({ path: ds.corrupt[0]!.path, reason: 'empty file (0 bytes)', split: 'train', className: 'NORMAL' });
    expect(audit.totals).toEqual({ files: 12 + 10, images: 12, rejected: 10 });
    const total = 22;
    expect(progress.slice(-2)).toEqual([total, total]);
    // The records are handed over once, before any decode: every image file found, bad ones included.
    expect(listed).toHaveLength(1);
    expect([...(listed[0] ?? [])].sort()).toEqual([...ds.images.map((f) => f.path), ...ds.corrupt.map((c) => c.path)].sort());
    expect(formatAudit(audit)).toContain('train/NORMAL/bad-empty.jpeg: empty file (0 bytes)');
  });

  it('finds exact duplicates within and across splits and groups shared between splits', async () => {
    const ds = await writeTinyDataset(join(dir, 'dups'), { perClass: 2, splits: ['train', 'test'] });
    const [first, second] = ds.images as [(typeof ds.images)[0], (typeof ds.images)[0]];
    await copyFile(first.path, join(ds.root, 'train', 'NORMAL', 'copy-of-first.jpeg'));
    await copyFile(first.path, join(ds.root, 'test', 'NORMAL', 'copy-of-first.jpeg'));
    await mkdir(join(ds.root, 'test', 'PNEUMONIA'), { recursive: true });
    await copyFile(second.path, join(ds.root, 'test', 'PNEUMONIA', 'person3_virus_9.jpeg'));
    const audit = await scanAndAudit(ds.root, { size: 8 });
    expect(audit.duplicates.groups.map((g) => g.files.map((f) => f.path.slice(ds.root.length + 1)))).toEqual([
      ['train/NORMAL/IM-0001-0001.jpeg', 'train/NORMAL/copy-of-first.jpeg', 'test/NORMAL/copy-of-first.jpeg'],
      ['train/NORMAL/IM-0002-0001.jpeg', 'test/PNEUMONIA/person3_virus_9.jpeg'],
    ]);
    expect(audit.duplicates).toMatchObject({ extraCopies: 3, acrossSplits: 2, conflictingLabels: 1 });
    // person3 has images in train and test; copy-of-first's stem is in both splits too.
    expect(audit.sharedGroups).toEqual([
      { groupId: 'copy-of-first', splits: ['train', 'test'], images: 2 },
      { groupId: 'person3', splits: ['train', 'test'], images: 2 },
    ]);
    expect(audit.findings).toContain('2 group(s) of identical images (3 extra copies); 2 span more than one split, 1 carry both labels.');
  });

  it('fails with a CXR_USAGE error for a missing folder or one without the layout', async () => {
    await expect(scanAndAudit(join(dir, 'missing'))).rejects.toMatchObject({ code: 'CXR_USAGE', message: expect.stringContaining('does not exist') });
    await mkdir(join(dir, 'empty'));
    await expect(scanAndAudit(join(dir, 'empty'))).rejects.toMatchObject({ code: 'CXR_USAGE', message: expect.stringContaining('No recognisable dataset layout') });
  });
});
