import { decodeImageAtSourceSize, type ImageRecord } from '@cxr/loader';

import { contactSheet } from './contact-sheet.js';
import { escapeHtml } from '../../internal/html.js';
import { deriveSeed, pickSeeded } from './seeded-random.js';
import { dataUri, thumbnailFromGrey, type Thumbnail } from './thumbnail.js';

/** Settings of the example grids. */
export interface ExampleGridSettings {
  readonly seed: number;
  /** Images per split and class. */
  readonly perCell: number;
  readonly thumbnailSize: number;
  readonly columns: number;
  /** Paths not to pick (files the scan or decode rejected). */
  readonly exclude: ReadonlySet<string>;
}

/** One split-and-class grid: its HTML, its PNG and the files it could not show. */
export interface ExampleGrid {
  readonly split: string;
  readonly className: string;
  /** Usable images of the split and class (rejected files left out). */
  readonly total: number;
  readonly shown: readonly string[];
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
  readonly html: string;
  readonly pngName: string;
  readonly png: Buffer;
}

const SPLIT_ORDER: readonly string[] = ['train', 'val', 'test'];

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_');
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping input order in the result. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * For every split and class present in `records` (splits in train/val/test order, classes by
 * label then name), chooses `perCell` images at random from a seed derived from the root seed, the
 * split and the class (so one cell's choice does not depend on the others), and renders them as
 * thumbnails with their file names: an HTML grid and a PNG contact sheet. Each image is decoded by
 * `@cxr/loader` (`decodeImageAtSourceSize`, the recipe training uses, DICOM included); a file it
 * rejects is listed with its reason instead.
 */
export async function exampleGrids(records: readonly ImageRecord[], settings: ExampleGridSettings): Promise<ExampleGrid[]> {
  const cells = new Map<string, { split: string; className: string; label: number; records: ImageRecord[] }>();
  for (const r of records) {
    const key = `${r.split}\u0000${r.className}`;
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { split: r.split, className: r.className, label: r.label, records: [] };
      cells.set(key, cell);
    }
    cell.records.push(r);
  }
  const ordered = [...cells.values()].sort(
    (a, b) =>
      SPLIT_ORDER.indexOf(a.split) - SPLIT_ORDER.indexOf(b.split) ||
      a.label - b.label ||
      a.className.localeCompare(b.className),
  );

  const grids: ExampleGrid[] = [];
  for (const cell of ordered) {
    const candidates = cell.records.filter((r) => !settings.exclude.has(r.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const picked = pickSeeded(candidates, settings.perCell, deriveSeed(settings.seed, 'examples', cell.split, cell.className));
    const decoded = await mapLimited(picked, 4, async (r) => {
      try {
        // Decoded by the loader, as training decodes it (DICOM included), at the file's own size.
        const decoded = await decodeImageAtSourceSize(r.path);
        const thumb = await thumbnailFromGrey(decoded.pixels, decoded.width, decoded.height, { size: settings.thumbnailSize, format: 'jpeg' });
        const image: Thumbnail = { ...thumb, source: { width: decoded.width, height: decoded.height } };
        return { record: r, image };
      } catch (error) {
        const reason = (error as { reason?: unknown }).reason;
        return { record: r, reason: typeof reason === 'string' ? reason : error instanceof Error ? error.message : String(error) };
      }
    });
    const ok = decoded.filter((d): d is { record: ImageRecord; image: Thumbnail } => 'image' in d);
    const failed = decoded.filter((d): d is { record: ImageRecord; reason: string } => 'reason' in d).map((d) => ({ path: d.record.path, reason: d.reason }));
    const title = `${cell.split} / ${cell.className}: ${ok.length} of ${candidates.length.toLocaleString('en-US')} images (seed ${settings.seed})`;
    const png = await contactSheet(
      ok.map((d) => ({ image: d.image, caption: d.image.source ? [baseName(d.record.path), `${d.image.source.width}×${d.image.source.height}`] : [baseName(d.record.path)] })),
      { title, tileSize: settings.thumbnailSize, columns: settings.columns },
    );
    const figures = ok
      .map((d) => {
        const name = baseName(d.record.path);
        return `<figure style="--tile:${settings.thumbnailSize}px"><img alt="${escapeHtml(name)}" title="${escapeHtml(d.record.path)}" width="${d.image.width}" height="${d.image.height}" src="${dataUri(d.image)}"><figcaption>${escapeHtml(name)}${d.image.source ? `<br>${d.image.source.width}×${d.image.source.height}` : ''}</figcaption></figure>`;
      })
      .join('');
    const failedHtml = failed.length
      ? `<p class="note">Could not show: ${failed.map((f) => `${escapeHtml(baseName(f.path))} (${escapeHtml(f.reason)})`).join('; ')}</p>`
      : '';
    grids.push({
      split: cell.split,
      className: cell.className,
      total: candidates.length,
      shown: ok.map((d) => d.record.path),
      failed,
      html: `<h3>${escapeHtml(title)}</h3><div class="grid">${figures}</div>${failedHtml}`,
      pngName: `examples-${safeName(cell.split)}-${safeName(cell.className)}.png`,
      png,
    });
  }
  return grids;
}
