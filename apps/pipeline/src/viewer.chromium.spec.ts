import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, watchPage } from '@cxr/report/testing';
import { gradCam } from '@cxr/report';
import { decodeImage, decodeImageAtSourceSize } from '@cxr/loader';
import { dicomVariant, encodeDicom, type DicomSpec } from '@cxr/loader/testing';
import { loadModel } from '@cxr/model';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, copySubset, isOneSentence, spawnCxr, type CxrProcess } from './testing/cli.js';

// The viewer page as a user gets it: a model trained here by `cxr train`, served by `cxr view`
// (a real process), opened in headless Chromium; what it says about shared test X-rays is compared
// with `cxr predict` on the same files: same labels, probabilities within PROBABILITY_TOLERANCE,
// the model's input within PIXEL_TOLERANCE grey levels of the loader's.
const PER_CLASS = 40;
/** Largest accepted gap between the page's and `cxr predict`'s probability of one image. */
const PROBABILITY_TOLERANCE = 0.01;
/** Largest accepted gap between one pixel of the page's model input and the loader's (0-255). */
const PIXEL_TOLERANCE = 4;
/** Largest accepted gap between one value of the page's Grad-CAM heatmap (scaled to a peak of 1) and the one of the same function in Node. */
const CAM_TOLERANCE = 0.05;

const work = mkdtempSync(join(tmpdir(), 'cxr-viewer-'));
let data = '';
let run = '';
let browser: Browser;
let server: CxrProcess;
let url = '';

interface PageResult {
  readonly file: string;
  readonly probability?: number;
  readonly logit?: number;
  readonly label?: string;
  readonly error?: string;
  readonly square?: number[];
  readonly cam?: { values: number[]; height: number; width: number; peak: number };
}

interface PredictJson {
  readonly threshold: number;
  readonly predictions: readonly { file: string; probability: number; label: string }[];
}

/** Checks that the page gave each file `cxr predict`'s label and a probability within PROBABILITY_TOLERANCE; returns the largest gap. */
function expectSameAsPredict(files: readonly string[], results: readonly PageResult[], cliOut: PredictJson): number {
  let worst = 0;
  for (const [i, file] of files.entries()) {
    const mine = results[i] as PageResult;
    const theirs = cliOut.predictions.find((p) => p.file === file);
    expect(mine.error, file).toBeUndefined();
    expect(mine.label, file).toBe(theirs?.label);
    const gap = Math.abs((mine.probability ?? Number.NaN) - (theirs?.probability ?? Number.NaN));
    expect(gap, file).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
    worst = Math.max(worst, gap);
  }
  return worst;
}

/** The window of the page, as the checks read it (the tests compile without the DOM library). */
interface ViewerWindow {
  readonly cxrViewer: { ready: Promise<void>; results(options?: { pixels?: boolean }): PageResult[] };
}

/** Opens the served page and waits until its engine and model are ready; collects every console error or warning, page error and failed request. */
async function openViewer(query = ''): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems = watchPage(page);
  await page.goto(`${url}${query}`);
  await page.evaluate(() => (globalThis as unknown as ViewerWindow).cxrViewer.ready);
  return { page, problems };
}

/** Gives the page files through its file input, as a user picking them does, and waits until every row is done or rejected. */
async function drop(page: Page, files: Parameters<Page['setInputFiles']>[1]): Promise<void> {
  await page.setInputFiles('#files', files);
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('#results-table tbody tr[data-state="running"]').length === 0, undefined, {
    timeout: 120_000,
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePromise(port));
    });
  });
}

beforeAll(async () => {
  data = copySubset(PER_CLASS);
  run = join(work, 'run');
  const trained = await cli(['train', '--data', data, '--out', run, '--epochs', '2', '--image-size', '64', '--batch-size', '16', '--seed', '5', '--external', 'none', '--json'], { cwd: work });
  expect(trained.code, trained.stderr).toBe(0);
  server = spawnCxr(['view', '--model', join(run, 'model')], { cwd: work });
  await server.waitFor(/http:\/\/127\.0\.0\.1:\d+\//);
  url = /http:\/\/127\.0\.0\.1:\d+\//.exec(server.output().stdout)?.[0] ?? '';
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGINT');
  if (server) await server.exited;
  for (const dir of [work, data]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cxr view: the viewer page with a model trained by cxr train', () => {
  it('prints the address, then classifies shared test X-rays as cxr predict does: same labels, probabilities within 0.01, the same pixels within a few grey levels, a Grad-CAM drawn', async () => {
    expect(server.output().stdout).toContain(join(run, 'model'));
    const files = ['NORMAL', 'PNEUMONIA'].flatMap((c) => readdirSync(join(data, 'test', c)).sort().slice(0, 4).map((f) => join(data, 'test', c, f)));
    const predicted = await cli(['predict', '--model', join(run, 'model'), ...files, '--json'], { cwd: work });
    expect(predicted.code, predicted.stderr).toBe(0);
    const cliOut = JSON.parse(predicted.stdout) as PredictJson;

    const { page, problems } = await openViewer();
    // The engine, the model's settings and the run's validation figures are on the page.
    expect(await page.locator('#engine').textContent()).toMatch(/Engine: WebAssembly, SIMD/);
    expect(await page.locator('#model-settings dd[data-field="threshold"]').textContent()).toContain(cliOut.threshold.toFixed(4));
    expect(await page.locator('#model-settings dd[data-field="calibration"]').textContent()).toMatch(/temperature \d/);
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as { splits: { val: { auc: number } } };
    expect(await page.locator('#figures tr[data-split="val"]').textContent()).toContain(report.splits.val.auc.toFixed(3));

    await drop(page, files);
    const results = await page.evaluate(() => (globalThis as unknown as ViewerWindow).cxrViewer.results({ pixels: true }));
    expect(results.map((r) => r.file)).toEqual(files.map((f) => f.split('/').pop()));
    const worstProbability = expectSameAsPredict(files, results, cliOut);
    let worstPixel = 0;
    let worstCam = 0;
    // Grad-CAM in Node (the engine cxr runs; `cxr train` above started it in this process) on the loader's pixels.
    const { model } = await loadModel(join(run, 'model'));
    for (const [i, file] of files.entries()) {
      const mine = results[i] as PageResult;
      // The model's input against the loader's decode of the same file.
      const loader = await decodeImage(file, { size: 64, fit: 'fill' });
      expect(mine.square).toHaveLength(loader.pixels.length);
      for (const [j, v] of (mine.square ?? []).entries()) worstPixel = Math.max(worstPixel, Math.abs(v - (loader.pixels[j] as number)));
      const cam = await gradCam(model, { pixels: loader.pixels, height: 64, width: 64 });
      expect(mine.cam?.values, file).toHaveLength(cam.heatmap.values.length);
      for (const [j, v] of (mine.cam?.values ?? []).entries()) worstCam = Math.max(worstCam, Math.abs(v - (cam.heatmap.values[j] as number)));
    }
    model.dispose();
    expect(worstCam).toBeLessThanOrEqual(CAM_TOLERANCE);
    // Not a comparison of empty maps: some images have evidence for PNEUMONIA somewhere.
    expect(results.filter((r) => (r.cam?.peak ?? 0) > 0).length).toBeGreaterThan(0);
    expect(worstPixel).toBeLessThanOrEqual(PIXEL_TOLERANCE);
    process.stdout.write(`viewer vs cxr predict on ${files.length} images: largest probability gap ${worstProbability.toFixed(5)}, largest pixel gap ${worstPixel}, largest Grad-CAM gap ${worstCam.toFixed(4)}\n`);

    // Every row has its thumbnail and its Grad-CAM canvas, drawn (not blank).
    const canvases = await page.$$eval('#results-table tbody tr[data-state="done"] canvas', (nodes) =>
      nodes.map((node) => {
        const canvas = node as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
        const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
        let lit = 0;
        let coloured = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if ((pixels[i] as number) + (pixels[i + 1] as number) + (pixels[i + 2] as number) > 30) lit += 1;
          if (pixels[i] !== pixels[i + 1] || pixels[i + 1] !== pixels[i + 2]) coloured += 1;
        }
        return { cam: (node as unknown as { className: string }).className === 'cam', lit: lit / Math.max(1, pixels.length / 4), coloured };
      }),
    );
    expect(canvases).toHaveLength(2 * files.length);
    for (const c of canvases) expect(c.lit).toBeGreaterThan(0.2);
    // The thumbnails are grey; the overlays of the maps with a peak carry the colour scale's colours.
    expect(canvases.filter((c) => !c.cam).every((c) => c.coloured === 0)).toBe(true);
    expect(canvases.filter((c) => c.cam && c.coloured > 0).length).toBe(results.filter((r) => (r.cam?.peak ?? 0) > 0).length);

    // Sorting by probability, highest first.
    await page.click('button[data-sort="probability"]');
    const shown = await page.$$eval('#results-table tbody tr', (trs) => trs.map((tr) => Number((tr as unknown as { dataset: Record<string, string> }).dataset['probability'])));
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    if (process.env['CXR_VIEWER_SCREENSHOT']) await page.screenshot({ path: process.env['CXR_VIEWER_SCREENSHOT'], fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('classifies DICOM files of every transfer syntax as cxr predict does (same labels, probabilities within 0.01) and names a damaged one', async () => {
    // Eight shared test X-rays as DICOM: the six variants of the loader's DICOM test set (12-bit
    // windowed, MONOCHROME1 JPEG 2000, 16-bit JPEG-LS with a VOI LUT, RLE, rescaled implicit VR,
    // signed deflated), then JPEG baseline and lossless JPEG; half with .dcm, half without extension.
    const sources = ['NORMAL', 'PNEUMONIA'].flatMap((c) => readdirSync(join(data, 'test', c)).sort().slice(4, 8).map((f) => join(data, 'test', c, f)));
    const folder = join(work, 'dicom');
    mkdirSync(folder, { recursive: true });
    const files: string[] = [];
    for (const [k, source] of sources.entries()) {
      const image = await decodeImageAtSourceSize(source);
      const variant: Omit<DicomSpec, 'width' | 'height'> =
        k < 6 ? dicomVariant(image.pixels, k) : { values: image.pixels, bitsStored: 8, syntax: k === 6 ? 'jpeg-baseline' : 'jpeg-lossless', modality: 'CR', viewPosition: 'PA' };
      const file = join(folder, `xray-${k}${k % 2 === 0 ? '.dcm' : ''}`);
      writeFileSync(file, await encodeDicom({ width: image.width, height: image.height, patientId: `p${k}`, ...variant }));
      files.push(file);
    }
    const predicted = await cli(['predict', '--model', join(run, 'model'), ...files, '--json'], { cwd: work });
    expect(predicted.code, predicted.stderr).toBe(0);
    const cliOut = JSON.parse(predicted.stdout) as PredictJson;
    expect(cliOut.predictions).toHaveLength(files.length);

    const { page, problems } = await openViewer();
    const cut = readFileSync(files[0] as string);
    const payload = (name: string, buffer: Buffer): { name: string; mimeType: string; buffer: Buffer } => ({ name, mimeType: 'application/dicom', buffer });
    await drop(page, [...files.map((f) => payload(f.split('/').pop() as string, readFileSync(f))), payload('cut.dcm', cut.subarray(0, Math.floor(cut.length * 0.6)))]);
    const results = await page.evaluate(() => (globalThis as unknown as ViewerWindow).cxrViewer.results());
    const worst = expectSameAsPredict(files, results, cliOut);
    process.stdout.write(`viewer vs cxr predict on ${files.length} DICOM files: largest probability gap ${worst.toFixed(5)}\n`);
    const messages = await page.$$eval('#messages li', (items) => items.map((li) => (li as unknown as { textContent: string }).textContent));
    expect(messages).toEqual([expect.stringMatching(/^cut\.dcm cannot be used: truncated DICOM/)]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says which files it cannot use and why: not an image, too small for an X-ray, cut short; the others are still classified', async () => {
    const { page, problems } = await openViewer();
    const xray = readdirSync(join(data, 'test', 'NORMAL')).sort()[0] as string;
    const bytes = readFileSync(join(data, 'test', 'NORMAL', xray));
    const tiny = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#808080' } }).png().toBuffer();
    await drop(page, [
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an X-ray\n') },
      { name: 'icon.png', mimeType: 'image/png', buffer: tiny },
      { name: 'cut.jpeg', mimeType: 'image/jpeg', buffer: bytes.subarray(0, Math.floor(bytes.length / 2)) },
      { name: xray, mimeType: 'image/jpeg', buffer: bytes },
    ]);
    const messages = await page.$$eval('#messages li', (items) => items.map((li) => (li as unknown as { textContent: string }).textContent));
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/^notes\.txt cannot be used: it is not an image/);
    expect(messages[1]).toMatch(/^icon\.png cannot be used: 24x24 pixels is too small for an X-ray/);
    expect(messages[2]).toMatch(/^cut\.jpeg cannot be used: the JPEG data is cut short/);
    const results = await page.evaluate(() => (globalThis as unknown as ViewerWindow).cxrViewer.results());
    expect(results.map((r) => (r.error === undefined ? r.label : 'rejected'))).toEqual(['rejected', 'rejected', 'rejected', expect.stringMatching(/^(NORMAL|PNEUMONIA)$/)]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('works offline once loaded: a reload without network still classifies', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.evaluate(() => (globalThis as unknown as ViewerWindow).cxrViewer.ready);
    // The service worker keeps what the page fetched (page, script, engine binaries, model).
    await page.evaluate(async () => {
      const nav = (globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<unknown> } } }).navigator;
      await nav.serviceWorker.ready;
    });
    await page.reload();
    await page.evaluate(() => (globalThis as unknown as ViewerWindow).cxrViewer.ready);
    await context.setOffline(true);
    await page.reload();
    await page.evaluate(() => (globalThis as unknown as ViewerWindow).cxrViewer.ready);
    const xray = join(data, 'test', 'PNEUMONIA', readdirSync(join(data, 'test', 'PNEUMONIA')).sort()[0] as string);
    await drop(page, [xray]);
    const [result] = await page.evaluate(() => (globalThis as unknown as ViewerWindow).cxrViewer.results());
    expect(result?.label).toMatch(/^(NORMAL|PNEUMONIA)$/);
    await context.close();
  });
});

describe('cxr view: mistakes are one sentence, exit 2', () => {
  it('without --model, with a folder that is not a model, and with a port in use', async () => {
    const none = await cli(['view'], { cwd: work });
    expect(none.code).toBe(2);
    expect(isOneSentence(none.stderr), none.stderr).toBe(true);
    expect(none.stderr).toContain('--model');
    const empty = join(work, 'empty');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'notes.txt'), 'x');
    const notModel = await cli(['view', '--model', empty], { cwd: work });
    expect(notModel.code).toBe(2);
    expect(isOneSentence(notModel.stderr), notModel.stderr).toBe(true);
    expect(notModel.stderr).toContain('model.json');
    const busy = Number(/:(\d+)\//.exec(url)?.[1]);
    const taken = await cli(['view', '--model', join(run, 'model'), '--port', String(busy)], { cwd: work });
    expect(taken.code).toBe(2);
    expect(isOneSentence(taken.stderr), taken.stderr).toBe(true);
    expect(taken.stderr).toContain(`Port ${busy} is already in use`);
  });

  it('--port serves on the port given, until stopped', async () => {
    const port = await freePort();
    const stop = new AbortController();
    const serving = cli(['view', '--model', join(run, 'model'), '--port', String(port)], { cwd: work, signal: stop.signal });
    let response: Response | undefined;
    for (let attempt = 0; attempt < 300 && response === undefined; attempt++) {
      response = await fetch(`http://127.0.0.1:${port}/model/model.json`).catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)));
    }
    expect(response?.status).toBe(200);
    expect(response?.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    stop.abort();
    const ended = await serving;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`http://127.0.0.1:${port}/`);
    expect(ended.stdout).toContain('stopped');
  });
});
