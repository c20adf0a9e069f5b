import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { scanAndAudit, type DatasetAudit } from '@cxr/loader';
import { writeTinyDataset, type TinyDataset } from '@cxr/loader/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeAuditReport } from './write-audit-report.js';
import { escapeHtml } from './internal/html.js';

let work: string;
let data: TinyDataset;
let audit: DatasetAudit;
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
  audit = await scanAndAudit(data.root, { size: 24 });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const imgSources = (html: string): string[] => [...html.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1] as string);

describe('writeAuditReport', () => {
  it('writes a self-contained audit.html and the PNGs', async () => {
    const out = join(work, 'out1');
    const result = await writeAuditReport(out, { audit, seed: 1, examplesPerClass: 2 });
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
    const result = await writeAuditReport(out, { audit, seed: 7, examplesPerClass: 3 });
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
    const again = await writeAuditReport(join(work, 'out2b'), { audit, seed: 7, examplesPerClass: 3 });
    expect((await readFile(again.htmlPath, 'utf8')) === html).toBe(true);
    const other = await writeAuditReport(join(work, 'out2c'), { audit, seed: 8, examplesPerClass: 3 });
    expect(other.examples).not.toEqual(result.examples);
  });

  it('lists duplicates, patients shared between splits and rejected files in tables', async () => {
    const result = await writeAuditReport(join(work, 'out3'), { audit, seed: 1, examplesPerClass: 0 });
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
    const result = await writeAuditReport(join(work, 'out7'), { audit, seed: 1, examplesPerClass: 8 });
    const html = await readFile(result.htmlPath, 'utf8');
    expect(html.includes('<b>')).toBe(false);
    expect(html.includes('person77_&lt;b&gt;&amp;&quot;x&#39;.jpeg')).toBe(true);
  });

  it('uses the records it is given instead of scanning again', async () => {
    const records = data.images
      .filter((f) => f.split === 'val')
      .map((f) => ({ path: f.path, split: f.split, label: f.label, className: f.className, groupId: basename(f.path) }));
    const result = await writeAuditReport(join(work, 'out4'), { audit, seed: 1, records, examplesPerClass: 8 });
    expect(Object.keys(result.examples).sort()).toEqual(['val/NORMAL', 'val/PNEUMONIA']);
    expect(result.examples['val/NORMAL']).toHaveLength(4);
  });

  it('handles a folder of class folders without splits', async () => {
    const flat = join(work, 'flat');
    for (const f of data.images.filter((i) => i.split === 'val')) {
      await mkdir(join(flat, f.className), { recursive: true });
      await copyFile(f.path, join(flat, f.className, basename(f.path)));
    }
    const flatAudit = await scanAndAudit(flat, { size: 24 });
    expect(flatAudit.layout).toBe('classes');
    const result = await writeAuditReport(join(work, 'out8'), { audit: flatAudit, seed: 1, examplesPerClass: 2 });
    expect(Object.keys(result.examples).sort()).toEqual(['train/NORMAL', 'train/PNEUMONIA']);
    expect((await readFile(result.htmlPath, 'utf8')).includes('(class folders only, one split)')).toBe(true);
  });

  it('says clearly when the audited folder is gone and the records must be scanned', async () => {
    const gone = { ...audit, root: join(work, 'no-such-folder') };
    await expect(writeAuditReport(join(work, 'out5'), { audit: gone, seed: 1 })).rejects.toMatchObject({ code: 'CXR_USAGE' });
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
