import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { imageShown, launchChromium, watchPage, type ImageState } from '@cxr/report/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, copySubset, isOneSentence } from './testing/cli.js';

// The pages a user opens, made by the `cxr` command itself on a small real subset of
// ../shared/datasets/chest-xray, then opened in headless Chromium: what each page must show, every
// image loaded and visible, and nothing on the console.
const PER_CLASS = 12;
const work = mkdtempSync(join(tmpdir(), 'cxr-pages-'));
let data = '';
let browser: Browser;

beforeAll(async () => {
  data = copySubset(PER_CLASS); // val has only 8 per class
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const dir of [work, data]) if (dir) rmSync(dir, { recursive: true, force: true });
});

interface SectionView {
  readonly heading: string;
  readonly images: readonly ImageState[];
  /** Text of each table: header cells, then the cells of each row. */
  readonly tables: readonly { readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] }[];
  readonly text: string;
}

/** The parts of a DOM element the page checks read (the tests compile without the DOM library). */
interface PageElement {
  readonly id: string;
  readonly textContent: string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}

/** The parts of an `<img>` the page checks read. */
interface PageImage extends PageElement {
  readonly alt: string;
  readonly complete: boolean;
  readonly naturalWidth: number;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
  readonly ownerDocument: { readonly defaultView: { getComputedStyle(e: PageImage): { readonly display: string; readonly visibility: string } } | null };
}

interface PageView {
  readonly problems: readonly string[];
  readonly images: readonly ImageState[];
  /** Sections by element id. */
  readonly sections: Readonly<Record<string, SectionView>>;
}

/** Opens a page from disk and reads what a person would see: sections, their images and tables, and any console error. */
async function openPage(file: string): Promise<PageView> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPage(page);
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // Runs in the page: every section with its images (their load state), tables and text.
    const sections = await page.$$eval('body, section[id]', (nodes) => {
      const state = (img: PageImage): ImageState => {
        const box = img.getBoundingClientRect();
        const style = img.ownerDocument.defaultView?.getComputedStyle(img);
        return { alt: img.alt, complete: img.complete, naturalWidth: img.naturalWidth, width: box.width, height: box.height, display: style?.display ?? '', visibility: style?.visibility ?? '' };
      };
      const text = (e: PageElement): string => e.textContent?.trim() ?? '';
      return nodes.map((node) => {
        const s = node as unknown as PageElement;
        return {
          id: s.id,
          heading: s.querySelector('h2') ? text(s.querySelector('h2') as PageElement) : '',
          images: Array.from(s.querySelectorAll('img') as ArrayLike<PageImage>).map(state),
          tables: Array.from(s.querySelectorAll('table')).map((t) => ({
            head: Array.from(t.querySelectorAll('thead th')).map(text),
            rows: Array.from(t.querySelectorAll('tbody tr')).map((r) => Array.from(r.querySelectorAll('td, th')).map(text)),
          })),
          text: text(s),
        };
      });
    });
    const [body, ...rest] = sections;
    return { problems, images: body?.images ?? [], sections: Object.fromEntries(rest.map(({ id, ...view }) => [id, view])) };
  } finally {
    await page.close();
  }
}

function hidden(images: readonly ImageState[]): readonly ImageState[] {
  return images.filter((i) => !imageShown(i));
}

function column(table: SectionView['tables'][number] | undefined, name: string): number[] {
  const index = table?.head.indexOf(name) ?? -1;
  expect(index, `column "${name}" in ${JSON.stringify(table?.head)}`).toBeGreaterThanOrEqual(0);
  return (table?.rows ?? []).map((r) => Number(r[index]));
}

describe('cxr scan --out: the data page', () => {
  it('writes audit.json, audit.html and its PNGs; the page shows counts, charts and seeded examples of every split and class', async () => {
    const out = join(work, 'scan');
    const result = await cli(['scan', data, '--out', out], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(join(out, 'audit.html'));
    const audit = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')) as { splits: Record<string, Record<string, number>> };
    expect(audit.splits['train']).toEqual({ NORMAL: PER_CLASS, PNEUMONIA: PER_CLASS });

    const page = await openPage(join(out, 'audit.html'));
    expect(page.problems).toEqual([]);
    expect(hidden(page.images)).toEqual([]);
    const section = page.sections['data-audit'];
    expect(section, `sections: ${Object.keys(page.sections).join(', ')}`).toBeDefined();
    // Every split/class cell has its seeded examples (8 by default), named by file, from that folder.
    for (const split of ['train', 'val', 'test']) {
      for (const cls of ['NORMAL', 'PNEUMONIA']) {
        const shown = section!.images.filter((i) => readdirSync(join(data, split, cls)).includes(i.alt));
        expect(shown.length, `${split}/${cls} examples`).toBe(Math.min(8, audit.splits[split]![cls]!));
      }
    }
    // Charts: counts, sizes, aspect ratios, common sizes, channel modes.
    expect(section!.images.map((i) => i.alt)).toEqual(
      expect.arrayContaining(['Images per split and class', 'Source width and height per class', 'Source aspect ratio per class', 'Most common source sizes per class', 'Channel mode per class']),
    );
    const pngs = readdirSync(join(out, 'audit'));
    expect(pngs).toEqual(expect.arrayContaining(['counts-by-split.png', 'examples-train-NORMAL.png', 'examples-test-PNEUMONIA.png']));

    // Same seed, same page; another seed shows other examples.
    const again = await cli(['scan', data, '--out', join(work, 'scan-again')], { cwd: work });
    expect(again.code).toBe(0);
    expect(readFileSync(join(work, 'scan-again', 'audit.html'), 'utf8')).toBe(readFileSync(join(out, 'audit.html'), 'utf8'));
    const other = await cli(['scan', data, '--out', join(work, 'scan-other'), '--seed', '7'], { cwd: work });
    expect(other.code).toBe(0);
    expect(readFileSync(join(work, 'scan-other', 'audit.html'), 'utf8')).not.toBe(readFileSync(join(out, 'audit.html'), 'utf8'));
  });

  it('--out naming a file stops with one sentence and exit 2, before scanning', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const result = await cli(['scan', data, '--out', file], { cwd: work });
    expect(result.code).toBe(2);
    expect(isOneSentence(result.stderr), result.stderr).toBe(true);
    expect(result.stderr).toContain('--out');
  });
});

describe('cxr train: report.html', () => {
  const run = join(work, 'run');

  beforeAll(async () => {
    const result = await cli(['train', '--data', data, '--out', run, '--epochs', '1', '--image-size', '64', '--batch-size', '16', '--seed', '5', '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
  }, 600_000);

  it('shows pixel histograms of training images before and after the model’s standardization, and the augmentation grid, with every image loaded', async () => {
    const page = await openPage(join(run, 'report.html'));
    expect(page.problems).toEqual([]);
    expect(hidden(page.images)).toEqual([]);

    const histograms = page.sections['pixel-histograms'];
    expect(histograms, `sections: ${Object.keys(page.sections).join(', ')}`).toBeDefined();
    expect(histograms!.heading).toBe('Pixel values before and after standardization');
    // 4 training thumbnails and the chart.
    expect(histograms!.images).toHaveLength(4 + 1);
    const trainFiles = new Set(['NORMAL', 'PNEUMONIA'].flatMap((c) => [...readdirSync(join(data, 'train', c)), ...readdirSync(join(data, 'val', c))]));
    for (const thumb of histograms!.images.slice(0, 4)) expect(trainFiles.has(thumb.alt), thumb.alt).toBe(true);
    // After the model's own layer, each image has mean 0 and std 1 (what training feeds the network).
    const stats = histograms!.tables[0];
    for (const mean of column(stats, 'mean after')) expect(Math.abs(mean)).toBeLessThan(0.01);
    for (const std of column(stats, 'std after')) expect(std).toBeCloseTo(1, 2);
    for (const max of column(stats, 'max before')) expect(max).toBeGreaterThan(1);

    const grid = page.sections['augmentation-grid'];
    expect(grid, `sections: ${Object.keys(page.sections).join(', ')}`).toBeDefined();
    expect(grid!.heading).toBe('Augmentation: one image, several draws');
    // The original and 9 draws, each with its parameters, drawn from the model's own layers.
    expect(grid!.images).toHaveLength(1 + 9);
    const draws = grid!.tables[0];
    expect(draws?.rows).toHaveLength(9);
    expect(draws?.head.slice(0, 2)).toEqual(['draw', 'seed']);
    expect(draws!.head.length).toBeGreaterThan(2);
    expect(grid!.text).toMatch(/layer “[^”]+”, CxrRandom\w+/);
    for (const angle of column(draws, 'angle (degrees)')) expect(Math.abs(angle)).toBeLessThanOrEqual(180);

    for (const png of ['pixel-histograms.png', 'augmentation-grid.png']) expect(existsSync(join(run, 'plots', png)), png).toBe(true);
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as { sections: { id: string }[] };
    expect(report.sections.map((s) => s.id)).toEqual(expect.arrayContaining(['data-audit', 'pixel-histograms', 'augmentation-grid']));
  });

  it('predict follows symlinked folders, each folder once (a symlink cycle does not loop)', async () => {
    const links = join(work, 'links');
    mkdirSync(links);
    symlinkSync(join(data, 'test', 'NORMAL'), join(links, 'normal'));
    symlinkSync(join(data, 'test', 'PNEUMONIA'), join(links, 'pneumonia'));
    symlinkSync(links, join(links, 'loop'));
    const result = await cli(['predict', '--model', join(run, 'model'), links, '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { predictions: { file: string }[] };
    expect(out.predictions).toHaveLength(2 * PER_CLASS);
    expect(new Set(out.predictions.map((p) => p.file)).size).toBe(2 * PER_CLASS);
  });
});
