import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's `chromium` package (CI installs it in `.ci/run`); `CXR_CHROMIUM` points elsewhere. */
export const CHROMIUM_PATH = process.env['CXR_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags for a headless, offline Chromium started as root (no background connections to refuse). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts headless Chromium; a missing browser fails with the install command rather than skipping the check. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (or set CXR_CHROMIUM).`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The state of one `<img>` after the page loaded. */
export interface ImageState {
  readonly alt: string;
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly width: number;
  readonly height: number;
  readonly display: string;
  readonly visibility: string;
}

/** What a page did wrong while loading, and the state of every image on it. */
export interface PageInspection {
  /** Console errors and warnings, page errors, failed requests, dialogs (a script ran). */
  readonly problems: readonly string[];
  readonly images: readonly ImageState[];
  readonly title: string;
  readonly scripts: number;
}

/**
 * The list that collects, from now on, what goes wrong on `page`: console errors and warnings,
 * page errors and failed requests, one line each.
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url().slice(0, 120)}`));
  return problems;
}

/** Opens a file in the browser, waits for `load`, and reports problems and image states. */
export async function inspectPage(browser: Browser, file: string): Promise<PageInspection> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPage(page);
  page.on('dialog', (d) => {
    problems.push(`dialog opened (script ran): ${d.message()}`);
    void d.dismiss();
  });
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const images = await page.$$eval('img', (imgs) =>
      imgs.map((img) => {
        const box = img.getBoundingClientRect();
        const style = img.ownerDocument.defaultView?.getComputedStyle(img);
        return { alt: img.alt, complete: img.complete, naturalWidth: img.naturalWidth, width: box.width, height: box.height, display: style?.display ?? '', visibility: style?.visibility ?? '' };
      }),
    );
    return { problems, images, title: await page.title(), scripts: await page.$$eval('script', (s) => s.length) };
  } finally {
    await page.close();
  }
}

/** True when an image decoded and takes up space on the page. */
export function imageShown(img: ImageState): boolean {
  return img.complete && img.naturalWidth > 0 && img.width > 0 && img.height > 0 && img.visibility !== 'hidden' && img.display !== 'none';
}
