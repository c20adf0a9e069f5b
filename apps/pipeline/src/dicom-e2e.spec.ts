import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDicomDataset } from '@cxr/loader/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, copySubset } from './testing/cli.js';

// A folder of DICOM files in the usual layout (copies of a small real subset: six DICOM variants,
// half of them without an extension) goes through scan, train, evaluate and predict as JPEGs do.
const work = mkdtempSync(join(tmpdir(), 'cxr-dicom-e2e-'));
const data = join(work, 'dicom');
const run = join(work, 'run');

beforeAll(async () => {
  expect(await writeDicomDataset(copySubset(8), data)).toBe(48);
}, 240_000);

describe('a DICOM dataset through cxr', () => {
  it('scan --json counts it like JPEGs and reports the DICOM attributes per class', async () => {
    const result = await cli(['scan', data, '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const audit = JSON.parse(result.stdout) as {
      splits: Record<string, Record<string, number>>;
      rejected: unknown[];
      perClass: Record<string, { formats: Record<string, number>; dicom: { files: number; transferSyntaxes: Record<string, number>; viewPositions: Record<string, number> } }>;
    };
    expect(audit.splits).toEqual({ train: { NORMAL: 8, PNEUMONIA: 8 }, val: { NORMAL: 8, PNEUMONIA: 8 }, test: { NORMAL: 8, PNEUMONIA: 8 } });
    expect(audit.rejected).toEqual([]);
    expect(audit.perClass['NORMAL']!.formats).toEqual({ dicom: 24 });
    expect(audit.perClass['NORMAL']!.dicom.files).toBe(24);
    expect(Object.keys(audit.perClass['PNEUMONIA']!.dicom.transferSyntaxes)).toHaveLength(6);
    const text = await cli(['scan', data], { cwd: work });
    expect(text.stdout).toContain('DICOM files per class');
  }, 240_000);

  it('scan --out writes the data page with the DICOM attributes per class and DICOM examples', async () => {
    const out = join(work, 'audit');
    const result = await cli(['scan', data, '--out', out], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const html = readFileSync(join(out, 'audit.html'), 'utf8');
    expect(html).toContain('<h3>DICOM attributes per class</h3>');
    expect(html).toMatch(/<tr><td>PNEUMONIA<\/td><td class="num">24<\/td><td>/);
    // Eight examples per split and class, every one decoded by the loader (no file it could not show).
    expect(html.match(/<figure style="--tile:128px"><img /g)).toHaveLength(48);
    expect(html).not.toContain('Could not show');
  }, 240_000);

  it('trains one epoch', async () => {
    const trained = await cli(['train', '--data', data, '--out', run, '--epochs', '1', '--image-size', '64', '--batch-size', '16', '--seed', '5', '--json', '--external', 'none'], { cwd: work });
    expect(trained.code, trained.stderr).toBe(0);
    const summary = JSON.parse(trained.stdout) as { test: { n: number; auc: number | null } };
    expect(summary.test.n).toBe(16);
    expect(typeof summary.test.auc).toBe('number');
  }, 240_000);

  it('evaluates the model on the DICOM test split', async () => {
    const evaluated = await cli(['evaluate', '--model', join(run, 'model'), '--data', data, '--split', 'test', '--json'], { cwd: work });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect((JSON.parse(evaluated.stdout) as { n: number }).n).toBe(16);
  }, 240_000);

  it('predicts a folder of DICOM files, with and without an extension', async () => {
    const folder = join(data, 'test', 'PNEUMONIA');
    const predicted = await cli(['predict', '--model', join(run, 'model'), folder, '--json'], { cwd: work });
    expect(predicted.code, predicted.stderr).toBe(0);
    const rows = (JSON.parse(predicted.stdout) as { predictions: { file: string; probability: number }[] }).predictions;
    expect(rows.map((r) => r.file.split('/').pop()).sort()).toEqual(readdirSync(folder).sort());
    for (const r of rows) expect(r.probability).toBeGreaterThanOrEqual(0);
  }, 240_000);
});
