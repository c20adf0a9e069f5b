import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReportData } from '../testing/report-data.js';
import { writeReport } from './write-report.js';

const CHROMIUM = process.env['CXR_CHROMIUM'] ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface ImageState {
  alt: string;
  complete: boolean;
  naturalWidth: number;
  width: number;
  height: number;
  display: string;
  visibility: string;
}

/** Opens a page and returns what went wrong (console errors, page errors, failed requests, dialogs) and the state of every image. */
async function inspect(browser: Browser, file: string): Promise<{ problems: string[]; images: ImageState[]; title: string; scripts: number }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url().slice(0, 80)}`));
  page.on('dialog', (d) => {
    problems.push(`dialog opened (script ran): ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const images = await page.$$eval('img', (imgs) =>
    imgs.map((img) => {
      const box = img.getBoundingClientRect();
      const style = img.ownerDocument.defaultView?.getComputedStyle(img);
      return { alt: img.alt, complete: img.complete, naturalWidth: img.naturalWidth, width: box.width, height: box.height, display: style?.display ?? '', visibility: style?.visibility ?? '' };
    }),
  );
  const result = { problems, images, title: await page.title(), scripts: await page.$$eval('script', (s) => s.length) };
  await page.close();
  return result;
}

describe('report.html in headless Chromium', () => {
  let dir: string;
  let browser: Browser | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxr-report-browser-'));
    if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(hasChromium)(`SKIPPED: no Chromium at ${CHROMIUM} (install the Debian package "chromium", or set CXR_CHROMIUM)`, () => {
    expect(hasChromium).toBe(false);
  });

  it.runIf(hasChromium)('opens with no console errors, and every plot and image is loaded and visible', async () => {
    const data = await sampleReportData({ hostile: true });
    const files = await writeReport(dir, data);
    const { problems, images, title, scripts } = await inspect(browser as Browser, files.html);
    expect(problems).toEqual([]);
    const plots = images.filter((i) => /Confusion|ROC|Precision-recall|Calibration|Training/.test(i.alt));
    expect(plots).toHaveLength(4 * 2 + 1); // 4 plots for val and test, and the training curves
    expect(images.filter((i) => i.alt.startsWith('Grad-CAM'))).toHaveLength(data.cams?.length ?? 0);
    for (const img of images) {
      expect(img, img.alt).toMatchObject({ complete: true, display: 'inline', visibility: 'visible' });
      expect(img.naturalWidth, img.alt).toBeGreaterThan(0);
      expect(img.width, img.alt).toBeGreaterThan(50);
      expect(img.height, img.alt).toBeGreaterThan(50);
    }
    expect(title).toBe('Report <b>bold</b> & "quoted"');
    expect(scripts).toBe(0);
  });

  it.runIf(hasChromium)('the same check catches a broken image and a console error (it can fail)', async () => {
    const file = join(dir, 'broken.html');
    await writeFile(file, '<!DOCTYPE html><html><head><title>x</title></head><body><img alt="broken" src="data:image/png;base64,AAAA"><script>console.error("boom")</script></body></html>');
    const { problems, images } = await inspect(browser as Browser, file);
    expect(problems.join('\n')).toMatch(/console error: boom/);
    expect(images[0]?.naturalWidth).toBe(0);
  });
});
