import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPage, launchChromium } from '../testing/browser.js';
import { sampleReportData } from '../testing/report-data.js';
import { writeReport } from './write-report.js';

describe('report.html in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxr-report-browser-'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens with no console errors, and every plot and image is loaded and visible', async () => {
    const data = await sampleReportData({ hostile: true });
    const files = await writeReport(dir, data);
    const { problems, images, title, scripts } = await inspectPage(browser, files.html);
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

  it('the same check catches a broken image and a console error (it can fail)', async () => {
    const file = join(dir, 'broken.html');
    await writeFile(file, '<!DOCTYPE html><html><head><title>x</title></head><body><img alt="broken" src="data:image/png;base64,AAAA"><script>console.error("boom")</script></body></html>');
    const { problems, images } = await inspectPage(browser, file);
    expect(problems.join('\n')).toMatch(/console error: boom/);
    expect(images[0]?.naturalWidth).toBe(0);
  });
});
