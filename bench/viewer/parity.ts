/**
 * Viewer parity: how far the viewer page (browser decoder + the loader's recipe in JavaScript,
 * TensorFlow.js in Chromium) is from `cxr predict` (sharp + tfjs in Node) on the same X-rays.
 * Runs the real commands as a user would: `cxr view --model DIR` (served to headless Chromium, the
 * files given through the page's file input) and `cxr predict --model DIR --json`; the model's
 * input pixels are compared with the loader's `decodeImage` of each file.
 *
 *   npx tsx --conditions=@cxr/source bench/viewer/parity.ts --model RUN/model
 *     [--images ../shared/datasets/chest-xray/test] [--limit N] [--engine wasm|webgl]
 *
 * Prints the figures (labels that differ, probability gaps, pixel gaps) and the worst images.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '@cxr/loader';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    images: { type: 'string', default: resolve(root, '../shared/datasets/chest-xray/test') },
    limit: { type: 'string' },
    engine: { type: 'string', default: 'wasm' },
  },
});
if (args.model === undefined) throw new Error('--model DIR is required (the model/ folder of a cxr train run)');
const modelDir = resolve(args.model);
const cxr = join(root, 'apps/pipeline/bin/cxr.js');

function listImages(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return listImages(path);
      return /\.(jpe?g|png)$/i.test(name) ? [path] : [];
    });
}
let files = listImages(resolve(args.images));
if (args.limit !== undefined) files = files.slice(0, Number(args.limit));

const metadata = (JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { userDefinedMetadata: { imageSize: number; decode?: { fit?: 'fill' | 'contain' }; threshold: number } }).userDefinedMetadata;
const size = metadata.imageSize;
const fit = metadata.decode?.fit ?? 'fill';

console.log(`cxr predict on ${files.length} images...`);
const predicted = JSON.parse(execFileSync(process.execPath, [cxr, 'predict', '--model', modelDir, ...files, '--json'], { maxBuffer: 1 << 28, encoding: 'utf8' })) as {
  predictions: { file: string; probability: number; label: string }[];
};
const byFile = new Map(predicted.predictions.map((p) => [p.file, p]));

console.log('cxr view + Chromium...');
const server = spawn(process.execPath, [cxr, 'view', '--model', modelDir], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolveUrl, reject) => {
  let out = '';
  server.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
    if (match) resolveUrl(match[0]);
  });
  server.on('exit', () => reject(new Error(`cxr view ended: ${out}`)));
});
const browser = await chromium.launch({ executablePath: process.env['CXR_CHROMIUM'] ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
interface Row {
  file: string;
  probability?: number;
  label?: string;
  error?: string;
  square?: number[];
}
const rows: Row[] = [];
let engine = '';
try {
  const page = await browser.newPage();
  await page.goto(`${url}?engine=${args.engine}`);
  await page.evaluate(() => (globalThis as unknown as { cxrViewer: { ready: Promise<void> } }).cxrViewer.ready);
  engine = (await page.locator('#engine').textContent()) ?? '';
  const started = Date.now();
  // In chunks, the pixels of each chunk read back before the next.
  for (let i = 0; i < files.length; i += 50) {
    const chunk = files.slice(i, i + 50);
    await page.setInputFiles('#files', chunk);
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('tr[data-state="running"]').length === 0, undefined, { timeout: 0 });
    const all = await page.evaluate(() => (globalThis as unknown as { cxrViewer: { results(o: { pixels: boolean }): Row[] } }).cxrViewer.results({ pixels: true }));
    rows.push(...all.slice(i, i + chunk.length));
  }
  console.log(`page: ${files.length} images in ${((Date.now() - started) / 1000).toFixed(1)} s (${engine})`);
} finally {
  await browser.close();
  server.kill('SIGINT');
}

let labelsDiffer = 0;
let rejected = 0;
const probabilityGaps: { file: string; gap: number; page: number; cli: number }[] = [];
let worstPixel = 0;
let pixelSum = 0;
let pixelCount = 0;
let pixelsEqual = 0;
for (const [i, file] of files.entries()) {
  const row = rows[i] as Row;
  const cli = byFile.get(file);
  if (row.error !== undefined || cli === undefined) {
    rejected += 1;
    console.log(`not compared: ${file}: ${row.error ?? 'no cxr predict row'}`);
    continue;
  }
  if (row.label !== cli.label) labelsDiffer += 1;
  probabilityGaps.push({ file, gap: Math.abs((row.probability as number) - cli.probability), page: row.probability as number, cli: cli.probability });
  const loader = await decodeImage(file, { size, fit });
  for (const [j, v] of (row.square ?? []).entries()) {
    const gap = Math.abs(v - (loader.pixels[j] as number));
    worstPixel = Math.max(worstPixel, gap);
    pixelSum += gap;
    pixelCount += 1;
    if (gap === 0) pixelsEqual += 1;
  }
}
const gaps = probabilityGaps.map((g) => g.gap).sort((a, b) => a - b);
const quantile = (q: number): number => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))] ?? Number.NaN;
console.log('');
console.log(`model ${modelDir} (${size} px, ${fit}, threshold ${metadata.threshold.toFixed(4)}); ${files.length} images from ${args.images}; page engine: ${engine}`);
console.log(`labels that differ from cxr predict: ${labelsDiffer} of ${gaps.length}${rejected ? ` (${rejected} not compared)` : ''}`);
console.log(`probability gap: max ${quantile(1).toFixed(5)}, 99th percentile ${quantile(0.99).toFixed(5)}, median ${quantile(0.5).toFixed(5)}; above 0.01: ${gaps.filter((g) => g > 0.01).length}`);
console.log(`model-input pixels vs the loader's: max gap ${worstPixel} grey levels, mean ${(pixelSum / Math.max(1, pixelCount)).toFixed(4)}, identical ${((100 * pixelsEqual) / Math.max(1, pixelCount)).toFixed(2)}%`);
console.log('largest probability gaps:');
for (const g of [...probabilityGaps].sort((a, b) => b.gap - a.gap).slice(0, 5)) console.log(`  ${g.file}: page ${g.page.toFixed(5)}, cxr predict ${g.cli.toFixed(5)} (gap ${g.gap.toFixed(5)})`);
