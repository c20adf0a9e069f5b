import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluatePredictions } from '@cxr/eval';
import { samplePredictions } from '@cxr/eval/testing';
import { sampleReportData } from '../testing/report-data.js';
import { writeReport } from './write-report.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-report-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeReport', () => {
  it('writes report.html, report.json and plots/ (SVG + PNG), with the test AUC and threshold at top-level paths', async () => {
    const data = await sampleReportData();
    const files = await writeReport(dir, data);
    expect(files.html).toBe(join(dir, 'report.html'));
    const json = JSON.parse(await readFile(files.json, 'utf8'));
    expect(json.schemaVersion).toBe(1);
    expect(json.splits.test.auc).toBe(data.splits['test']!.auc);
    expect(typeof json.splits.test.auc).toBe('number');
    expect(json.threshold).toBe(data.threshold.threshold);
    expect(json.thresholdChoice.method).toBe('youden');
    expect(json.splits.test.operatingPoints.map((p: { name: string }) => p.name)).toEqual(['default 0.5', 'notebook 0.75', 'chosen']);
    expect(json.splits.test.roc[0].threshold).toBeNull(); // Infinity in JSON
    expect(json.cams.length).toBeGreaterThan(0);
    const plots = (await readdir(join(dir, 'plots'))).sort();
    for (const name of ['confusion-test', 'roc-test', 'pr-test', 'calibration-test', 'confusion-val', 'training-curves']) {
      expect(plots).toContain(`${name}.svg`);
      expect(plots).toContain(`${name}.png`);
    }
    expect(plots.some((p) => p.includes('.tmp-'))).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(['plots', 'report.html', 'report.json']);
    const png = await sharp(join(dir, 'plots', 'roc-test.png')).metadata();
    expect(png.width).toBeGreaterThan(300);
    const html = await readFile(files.html, 'utf8');
    expect(html).toMatch(/<h2>Split: test<\/h2>/);
    expect(html).toContain('notebook 0.75');
    expect(html).not.toContain('seed 0.75');
    expect(html).toContain('Data audit');
    expect(html).toContain('truncated JPEG');
    expect(html).not.toMatch(/<(script|link)\b|src="(?!data:)/); // self-contained
  });

  it('escapes every piece of text that comes from data', async () => {
    const data = await sampleReportData({ hostile: true });
    await writeReport(dir, data);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('Report &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
    expect(html).toContain('&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;');
  });

  it('a one-class split shows "undefined" with its reason, and null in JSON', async () => {
    const base = await sampleReportData();
    const only = evaluatePredictions(
      [
        { id: 'a', probability: 0.9, label: 1 },
        { id: 'b', probability: 0.2, label: 1 },
      ],
      { threshold: 0.5, split: 'tiny' },
    );
    await writeReport(dir, { ...base, splits: { tiny: only } });
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(json.splits.tiny.auc).toBeNull();
    expect(json.splits.tiny.undefinedReasons.auc).toMatch(/no NORMAL image/);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('class="undef"');
    expect(html).toContain('the split has no NORMAL image (only 2 PNEUMONIA)');
  });

  it('writes extra sections and their files, and rejects file names with folders', async () => {
    const base = await sampleReportData();
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).png().toBuffer();
    await writeReport(dir, { ...base, sections: [{ id: 'extra', title: 'Extra', html: '<section id="extra"><h2>Extra</h2><p>hi</p></section>', files: [{ name: 'extra.png', data: png }] }] });
    expect(await readdir(join(dir, 'plots'))).toContain('extra.png');
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('<section id="extra">');
    await expect(writeReport(dir, { ...base, sections: [{ id: 'x', title: 'x', html: '', files: [{ name: '../evil.png', data: png }] }] })).rejects.toThrow(/plain file name/);
  });

  it('shows an external set with its note, headline cards, the calibration, the threshold rule in words and Grad-CAM per split', async () => {
    const base = await sampleReportData();
    const withLogits = (split: string, seed: number) =>
      samplePredictions(60, seed, split).map((p) => ({ ...p, logit: Math.log(p.probability / (1 - p.probability)) }));
    const test = evaluatePredictions(withLogits('test', 3), { threshold: 0.6, split: 'test', temperature: 2 });
    const external = evaluatePredictions(withLogits('ext', 4), { threshold: 0.6, split: 'external', temperature: 2 });
    const note = 'External set from /data/other <hospital>: never used to train, to pick a checkpoint, or to choose the threshold.';
    const cams = [...(base.cams ?? []), ...(base.cams ?? []).slice(0, 2).map((c) => ({ ...c, split: 'external' }))];
    await writeReport(dir, {
      ...base,
      threshold: { threshold: 0.6, method: 'sensitivity', target: 0.95, sensitivity: 0.96, specificity: 0.7, youdenJ: 0.66, n: 80, chosenOn: 'val' },
      splits: { val: base.splits['val']!, test, external },
      splitNotes: { external: note },
      calibration: { method: 'temperature', temperature: 2, fittedOn: 'val', valNllBefore: 0.5, valNllAfter: 0.4 },
      cams,
    });
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(json.calibration).toEqual({ method: 'temperature', temperature: 2, fittedOn: 'val', valNllBefore: 0.5, valNllAfter: 0.4 });
    expect(json.splits.external.note).toBe(note);
    expect(json.splits.external.temperature).toBe(2);
    expect(json.splits.external.ece).toBe(external.ece);
    expect(json.splits.external.eceBins).toBe(15);
    expect(json.splits.external.uncalibrated).toEqual(external.uncalibrated);
    expect(json.splits.test.note).toBeUndefined();
    const camFiles = json.cams.map((c: { file: string }) => c.file);
    expect(camFiles).toContain('plots/cam-external-tp-1.png');
    expect(camFiles).toContain('plots/cam-test-tp-1.png');
    expect(new Set(camFiles).size).toBe(camFiles.length);
    const plots = await readdir(join(dir, 'plots'));
    expect(plots).toContain('roc-external.svg');
    expect(plots).toContain('cam-external-tp-1.png');
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('External set from /data/other &lt;hospital&gt;: never used to train, to pick a checkpoint, or to choose the threshold.');
    expect(html).toMatch(/<div class="label">AUC \(external\)<\/div>/);
    expect(html).toMatch(/<div class="label">AUC \(test\)<\/div>/);
    expect(html).toContain('chosen on validation as the most specific point that keeps sensitivity &gt;= 95%');
    expect(html).toContain('<h2>Calibration</h2>');
    expect(html).toContain('sigmoid(logit / T) with the temperature T = 2.0000');
    expect(html).toContain('<h3>Does the promise hold?</h3>');
    const missed = (r: { metrics: { sensitivity: number | null } }) => (r.metrics.sensitivity as number) < 0.95;
    expect(html.includes('missed by')).toBe([base.splits['val']!, test, external].some(missed));
    expect(html).toMatch(/<h3>Split: external<\/h3>/);
    expect(html).toContain('before calibration the Brier score was');
  });

  it('rejects data without a threshold', async () => {
    await expect(writeReport(dir, { splits: {} } as never)).rejects.toThrow(/data.threshold must hold a finite threshold/);
  });
});
