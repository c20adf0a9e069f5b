import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { scanAndAudit, type Sample } from '@cxr/loader';
import { writeTinyDataset } from '@cxr/loader/testing';
import { randomFlipLayer, randomRotationLayer, randomZoomLayer, rescaleLayer, standardizeLayer } from '@cxr/preprocess';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { augmentationGridSection } from './augmentation-grid-section.js';
import { htmlPage } from './internal/html.js';
import { pixelHistogramSection } from './pixel-histogram-section.js';
import { writeAuditReport } from './write-audit-report.js';

/** Debian's package (`apt-get install -y chromium`); CI installs it. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let work: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH).`);
  work = await mkdtemp(join(tmpdir(), 'cxr-views-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

interface PageCheck {
  readonly errors: readonly string[];
  readonly failedRequests: readonly string[];
  readonly images: readonly { readonly alt: string; readonly ok: boolean; readonly visible: boolean }[];
}

/** Opens a page from disk, waits for it to load, and reports console errors, failed requests and each image's state. */
async function openPage(file: string): Promise<PageCheck> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const failedRequests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => failedRequests.push(r.url().slice(0, 120)));
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const images = await page.$$eval('img', (els) =>
      els.map((el) => {
        const img = el as unknown as { alt: string; complete: boolean; naturalWidth: number; getBoundingClientRect(): { width: number; height: number } };
        const box = img.getBoundingClientRect();
        return { alt: img.alt, ok: img.complete && img.naturalWidth > 0, visible: box.width > 0 && box.height > 0 };
      }),
    );
    return { errors, failedRequests, images };
  } finally {
    await page.close();
  }
}

function sample(name: string, size: number, k: number): Sample {
  const pixels = Uint8Array.from({ length: size * size }, (_, i) => ((i % size) * (k + 3) + Math.floor(i / size) * 5) % 256);
  return { record: { path: `/data/train/NORMAL/${name}`, split: 'train', label: 0, className: 'NORMAL', groupId: name }, pixels, height: size, width: size };
}

describe('data views in a real browser', () => {
  it('audit.html opens with no console error and every image loaded and visible', async () => {
    const data = await writeTinyDataset(join(work, 'data'), { perClass: 3, size: 20, corrupt: true, seed: 5 });
    const audit = await scanAndAudit(data.root, { size: 20 });
    const result = await writeAuditReport(join(work, 'out'), { audit, seed: 3, examplesPerClass: 2 });
    const check = await openPage(result.htmlPath);
    expect(check.errors).toEqual([]);
    expect(check.failedRequests).toEqual([]);
    // 5 charts + 2 examples for each of 6 split/class cells.
    expect(check.images).toHaveLength(5 + 12);
    expect(check.images.filter((i) => !i.ok || !i.visible)).toEqual([]);
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
    const check = await openPage(file);
    expect(check.errors).toEqual([]);
    expect(check.failedRequests).toEqual([]);
    // 3 thumbnails + 1 chart; the original + 5 draws.
    expect(check.images).toHaveLength(3 + 1 + 6);
    expect(check.images.filter((i) => !i.ok || !i.visible)).toEqual([]);
  });
});
