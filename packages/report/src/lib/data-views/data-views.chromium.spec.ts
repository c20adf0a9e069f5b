import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { scanAndAudit, type ImageRecord, type Sample } from '@cxr/loader';
import { writeTinyDataset } from '@cxr/loader/testing';
import { randomFlipLayer, randomRotationLayer, randomZoomLayer, rescaleLayer, standardizeLayer } from '@cxr/preprocess';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageShown, inspectPage, launchChromium } from '../../testing/browser.js';
import { augmentationGridSection } from './augmentation-grid-section.js';
import { htmlPage } from './internal/html.js';
import { pixelHistogramSection } from './pixel-histogram-section.js';
import { writeAuditReport } from './write-audit-report.js';

let work: string;
let browser: Browser;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cxr-views-'));
  browser = await launchChromium();
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function sample(name: string, size: number, k: number): Sample {
  const pixels = Uint8Array.from({ length: size * size }, (_, i) => ((i % size) * (k + 3) + Math.floor(i / size) * 5) % 256);
  return { record: { path: `/data/train/NORMAL/${name}`, split: 'train', label: 0, className: 'NORMAL', groupId: name }, pixels, height: size, width: size };
}

describe('data views in a real browser', () => {
  it('audit.html opens with no console error and every image loaded and visible', async () => {
    const data = await writeTinyDataset(join(work, 'data'), { perClass: 3, size: 20, corrupt: true, seed: 5 });
    let records: readonly ImageRecord[] = [];
    const audit = await scanAndAudit(data.root, { size: 20, onRecords: (r) => (records = r) });
    const result = await writeAuditReport(join(work, 'out'), { audit, records, seed: 3, examplesPerClass: 2 });
    const check = await inspectPage(browser, result.htmlPath);
    expect(check.problems).toEqual([]);
    // 5 charts + 2 examples for each of 6 split/class cells.
    expect(check.images).toHaveLength(5 + 12);
    expect(check.images.filter((i) => !imageShown(i))).toEqual([]);
  });

  it('the training-report sections open with no console error and every image loaded and visible', async () => {
    const input = tf.input({ shape: [24, 24, 1] });
    let y = input;
    for (const layer of [rescaleLayer(), randomFlipLayer({ seed: 1 }), randomRotationLayer({ seed: 2 }), randomZoomLayer({ seed: 3 }), standardizeLayer()]) {
      y = layer.apply(y) as tf.SymbolicTensor;
    }
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(y)) as tf.SymbolicTensor });
    const images = Array.from({ length: 6 }, (_, k) => sample(`img_${k}.png`, 24, k));
    const histograms = await pixelHistogramSection(model, images, { seed: 1, count: 3 });
    const augmentation = await augmentationGridSection(model, images[0] as Sample, { seed: 2, count: 5 });
    model.dispose();
    const file = join(work, 'sections.html');
    await writeFile(file, htmlPage('sections', `${histograms.html}\n${augmentation.html}`));
    const check = await inspectPage(browser, file);
    expect(check.problems).toEqual([]);
    // 3 thumbnails + 1 chart; the original + 5 draws.
    expect(check.images).toHaveLength(3 + 1 + 6);
    expect(check.images.filter((i) => !imageShown(i))).toEqual([]);
  });
});
