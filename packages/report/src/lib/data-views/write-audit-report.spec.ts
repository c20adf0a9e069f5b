import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { scanAndAudit, type DatasetAudit, type ImageRecord, type ScanAndAuditOptions } from '@cxr/loader';
import { encodeDicom, writeTinyDataset, type TinyDataset } from '@cxr/loader/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeAuditReport } from './write-audit-report.js';
import { escapeHtml } from '../internal/html.js';

let work: string;
let data: TinyDataset;
let audit: DatasetAudit;
let records: readonly ImageRecord[];
let leaked: string;
const ODD = `77_<b>&"x'`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cxr-audit-'));
  data = await writeTinyDataset(join(work, 'data'), { perClass: 4, size: 24, corrupt: true, seed: 3 });
  // A patient whose image was copied into test: an exact duplicate across splits and a shared group.
  const source = data.images.find((f) => f.split === 'train' && f.className === 'PNEUMONIA');
  if (source === undefined) throw new Error('no train PNEUMONIA image');
  leaked = join(data.root, 'test', 'PNEUMONIA', basename(source.path).replace(/_(\d+)\.jpeg$/, '_99$1.jpeg'));
  await copyFile(source.path, leaked);
  // A file name full of markup characters must come out escaped.
  await copyFile(source.path, join(data.root, 'val', 'PNEUMONIA', `person${ODD}.jpeg`));
  ({ audit, records } = await auditWithRecords(data.root, { size: 24 }));
});

/** The audit and the records its scan found, as `cxr scan` gets them: one scan. */
async function auditWithRecords(root: string, options: ScanAndAuditOptions = {}): Promise<{ audit: DatasetAudit; records: readonly ImageRecord[] }> {
  let found: readonly ImageRecord[] = [];
  const result = await scanAndAudit(root, { ...options, onRecords: (r) => (found = r) });
  return { audit: result, records: found };
}

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const imgSources = (html: string): string[] => [...html.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1] as string);

describe('writeAuditReport', () => {
  it('writes a self-contained audit.html and the PNGs', async () => {
    const out = join(work, 'out1');
    const result = await writeAuditReport(out, { audit, records, seed: 1, examplesPerClass: 2 });
    expect(result.htmlPath).toBe(join(out, 'audit.html'));
    const html = await readFile(result.htmlPath, 'utf8');
    expect(result.htmlBytes).toBe(Buffer.byteLength(html));
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(/<script|<link|src="(?!data:)|url\(/i.test(html)).toBe(false);
    for (const src of imgSources(html)) expect(src).toMatch(/^data:image\/(jpeg|png|svg\+xml);base64,/);

    const names = (await readdir(join(out, 'audit'))).sort();
    expect(names).toEqual(
      [
        'aspect-by-class.png',
        'channel-mode-by-class.png',
        'common-sizes-by-class.png',
        'counts-by-split.png',
        'examples-test-NORMAL.png',
        'examples-test-PNEUMONIA.png',
        'examples-train-NORMAL.png',
        'examples-train-PNEUMONIA.png',
        'examples-val-NORMAL.png',
        'examples-val-PNEUMONIA.png',
        'size-by-class.png',
      ].sort(),
    );
    expect(result.pngPaths.map((p) => basename(p)).sort()).toEqual(names);
    for (const p of result.pngPaths) expect((await sharp(p).metadata()).format).toBe('png');
    // Nothing half-written is left behind.
    expect((await readdir(out)).sort()).toEqual(['audit', 'audit.html']);
  });

  it('shows seeded examples per split and class with their file names, never a rejected file', async () => {
    const out = join(work, 'out2');
    const result = await writeAuditReport(out, { audit, records, seed: 7, examplesPerClass: 3 });
    const html = await readFile(result.htmlPath, 'utf8');
    const rejected = new Set(audit.rejected.map((r) => r.path));
    expect(Object.keys(result.examples).sort()).toEqual(['test/NORMAL', 'test/PNEUMONIA', 'train/NORMAL', 'train/PNEUMONIA', 'val/NORMAL', 'val/PNEUMONIA']);
    for (const [cell, paths] of Object.entries(result.examples)) {
      expect(paths).toHaveLength(3);
      const [split, className] = cell.split('/');
      for (const p of paths) {
        expect(rejected.has(p)).toBe(false);
        expect(p).toContain(join(String(split), String(className)));
        expect(html.includes(`<figcaption>${escapeHtml(basename(p))}<br>24×24</figcaption>`)).toBe(true);
      }
    }
    expect(html.includes('train / PNEUMONIA: 3 of 4 images (seed 7)')).toBe(true);
    // Same seed, same page; the example choice depends on the seed.
    const again = await writeAuditReport(join(work, 'out2b'), { audit, records, seed: 7, examplesPerClass: 3 });
    expect((await readFile(again.htmlPath, 'utf8')) === html).toBe(true);
    const other = await writeAuditReport(join(work, 'out2c'), { audit, records, seed: 8, examplesPerClass: 3 });
    expect(other.examples).not.toEqual(result.examples);
  });

  it('lists duplicates, patients shared between splits and rejected files in tables', async () => {
    const result = await writeAuditReport(join(work, 'out3'), { audit, records, seed: 1, examplesPerClass: 0 });
    const html = await readFile(result.htmlPath, 'utf8');
    expect(audit.duplicates.groups.length).toBeGreaterThan(0);
    expect(html.includes(`test / PNEUMONIA / test/PNEUMONIA/${basename(leaked)}`)).toBe(true);
    const shared = audit.sharedGroups[0];
    expect(shared).toBeDefined();
    expect(html.includes(`<td>${shared?.groupId}</td><td>train, test</td>`)).toBe(true);
    for (const bad of data.corrupt) expect(html.includes(`<td>train/${bad.className}/${basename(bad.path)}</td>`), bad.path).toBe(true);
    expect(html.includes('Examples left out.')).toBe(true);
    expect(result.pngPaths.some((p) => basename(p).startsWith('examples-'))).toBe(false);
  });

  it('escapes file names', async () => {
    const result = await writeAuditReport(join(work, 'out7'), { audit, records, seed: 1, examplesPerClass: 8 });
    const html = await readFile(result.htmlPath, 'utf8');
    expect(html.includes('<b>')).toBe(false);
    expect(html.includes('person77_&lt;b&gt;&amp;&quot;x&#39;.jpeg')).toBe(true);
  });

  it('uses the records it is given instead of scanning again', async () => {
    const given = data.images
      .filter((f) => f.split === 'val')
      .map((f) => ({ path: f.path, split: f.split, label: f.label, className: f.className, groupId: basename(f.path) }));
    const result = await writeAuditReport(join(work, 'out4'), { audit, seed: 1, records: given, examplesPerClass: 8 });
    expect(Object.keys(result.examples).sort()).toEqual(['val/NORMAL', 'val/PNEUMONIA']);
    expect(result.examples['val/NORMAL']).toHaveLength(4);
  });

  it('handles a folder of class folders without splits', async () => {
    const flat = join(work, 'flat');
    for (const f of data.images.filter((i) => i.split === 'val')) {
      await mkdir(join(flat, f.className), { recursive: true });
      await copyFile(f.path, join(flat, f.className, basename(f.path)));
    }
    const scanned = await auditWithRecords(flat, { size: 24 });
    expect(scanned.audit.layout).toBe('classes');
    const result = await writeAuditReport(join(work, 'out8'), { audit: scanned.audit, records: scanned.records, seed: 1, examplesPerClass: 2 });
    expect(Object.keys(result.examples).sort()).toEqual(['train/NORMAL', 'train/PNEUMONIA']);
    expect((await readFile(result.htmlPath, 'utf8')).includes('(class folders only, one split)')).toBe(true);
  });

  it('never scans the folder: without records the page says it has no image list, even when the folder exists', async () => {
    const result = await writeAuditReport(join(work, 'out5'), { audit, seed: 1 });
    const html = await readFile(result.htmlPath, 'utf8');
    expect(html).toContain('No image list to choose examples from.');
    expect(result.examples).toEqual({});
    expect(result.pngPaths.some((p) => basename(p).startsWith('examples-'))).toBe(false);
    // The tables still come from the audit alone; the shared group lists no file.
    expect(html.includes(`<td>${audit.sharedGroups[0]?.groupId}</td><td>train, test</td><td class="num">`)).toBe(true);
  });

  it('names an example the loader cannot decode, with the loader\'s reason', async () => {
    const bad = join(work, 'vanished.jpeg');
    const given: ImageRecord[] = [{ path: bad, split: 'val', label: 0, className: 'NORMAL', groupId: 'vanished' }];
    const result = await writeAuditReport(join(work, 'out9'), { audit, seed: 1, records: given, examplesPerClass: 1 });
    const html = await readFile(result.htmlPath, 'utf8');
    expect(html).toContain('Could not show: vanished.jpeg (file not found)');
  });

  it('shows the DICOM attributes per class, with a note on a lateral view and on another modality', async () => {
    const root = join(work, 'dicom');
    const values = Array.from({ length: 64 }, (_, i) => i * 60);
    const files: [string, string, Parameters<typeof encodeDicom>[0]][] = [
      ['NORMAL', 'n1', { width: 8, height: 8, values, bitsStored: 12, viewPosition: 'PA', modality: 'DX', window: { center: 2000, width: 4000 } }],
      ['NORMAL', 'n2.dcm', { width: 8, height: 8, values, bitsStored: 12, viewPosition: 'PA', modality: 'DX', syntax: 'rle', photometric: 'MONOCHROME1' }],
      ['PNEUMONIA', 'p1', { width: 8, height: 8, values, bitsStored: 12, viewPosition: 'AP', modality: 'CR' }],
      ['PNEUMONIA', 'p2.dcm', { width: 8, height: 8, values, bitsStored: 16, viewPosition: 'LL', modality: 'CR' }],
    ];
    for (const [cls, name, spec] of files) {
      await mkdir(join(root, 'train', cls), { recursive: true });
      await writeFile(join(root, 'train', cls, name), await encodeDicom(spec));
    }
    const scanned = await auditWithRecords(root, { size: 8 });
    const result = await writeAuditReport(join(work, 'out10'), { audit: scanned.audit, records: scanned.records, seed: 1, examplesPerClass: 2 });
    const html = await readFile(result.htmlPath, 'utf8');
    expect(html).toContain('<h3>DICOM attributes per class</h3>');
    const dicom = html.slice(html.indexOf('<h3>DICOM attributes per class</h3>'));
    const row = (cls: string): string => {
      const start = dicom.indexOf(`<tr><td>${cls}</td><td class="num">2</td><td>`);
      return start < 0 ? '' : dicom.slice(start, dicom.indexOf('</tr>', start));
    };
    expect(row('NORMAL')).toContain('<td>DX 2 (100.0%)</td><td>PA 2 (100.0%)</td><td>MONOCHROME1 1 (50.0%), MONOCHROME2 1 (50.0%)</td><td>12 2 (100.0%)</td>');
    expect(row('PNEUMONIA')).toContain('<td>CR 2 (100.0%)</td><td>AP 1 (50.0%), LL 1 (50.0%)</td>');
    expect(html).toContain('PNEUMONIA has 1 lateral view (LL 1) among its 2 DICOM files (50.0%); NORMAL has none.');
    expect(html).toContain('The modality differs by class: NORMAL DX 2 (100.0%); PNEUMONIA CR 2 (100.0%).');
    // The examples are decoded by the loader: DICOM files show like JPEGs.
    expect(Object.values(result.examples).flat()).toHaveLength(4);
    expect(html).not.toContain('Could not show');
    // A JPEG dataset has no DICOM part.
    const jpeg = await readFile((await writeAuditReport(join(work, 'out11'), { audit, records, seed: 1, examplesPerClass: 0 })).htmlPath, 'utf8');
    expect(jpeg).not.toContain('DICOM attributes per class');
  });

  it('rejects invalid options, naming the value', async () => {
    const out = join(work, 'out6');
    await expect(writeAuditReport(out, { audit, seed: Number.NaN })).rejects.toThrow(/seed must be a safe integer/);
    await expect(writeAuditReport(out, { audit: {} as DatasetAudit, seed: 1 })).rejects.toThrow(/audit must be the DatasetAudit/);
    await expect(writeAuditReport(out, { audit, seed: 1, examplesPerClass: 65 })).rejects.toThrow(RangeError);
    await expect(writeAuditReport(out, { audit, seed: 1, pngFolder: '../x' })).rejects.toThrow(/pngFolder must be a plain folder name/);
    await expect(writeAuditReport('', { audit, seed: 1 })).rejects.toThrow(/dir must be a non-empty string/);
  });
});
