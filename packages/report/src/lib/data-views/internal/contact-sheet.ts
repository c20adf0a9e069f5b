import sharp, { type OverlayOptions } from 'sharp';

import { escapeHtml } from '../../internal/html.js';
import type { Thumbnail } from './thumbnail.js';

/** One cell of a contact sheet: an image and the lines of text printed under it. */
export interface SheetTile {
  readonly image: Thumbnail;
  readonly caption: readonly string[];
}

/** Layout of a contact sheet. */
export interface SheetOptions {
  /** Printed above the tiles. */
  readonly title: string;
  /** Width and height reserved for each image, in pixels. */
  readonly tileSize: number;
  /** Tiles per row. */
  readonly columns: number;
  /** Most text lines printed under a tile (each caption line is wrapped to the tile width). */
  readonly maxCaptionLines?: number;
}

const FONT_SIZE = 11;
const LINE_HEIGHT = 14;
const CHAR_WIDTH = 6.7; // DejaVu Sans at 11 px, a conservative average
const GAP = 10;
const TITLE_HEIGHT = 28;

/** Splits a line into pieces that fit `maxChars`, breaking after `_`, `-`, `.` or a space when possible. */
export function wrapLine(line: string, maxChars: number): string[] {
  const limit = Math.max(1, maxChars);
  const out: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const breakAt = Math.max(window.lastIndexOf('_'), window.lastIndexOf('-'), window.lastIndexOf('.'), window.lastIndexOf(' '));
    const cut = breakAt >= limit / 2 ? breakAt + 1 : limit;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || out.length === 0) out.push(rest);
  return out;
}

function captionLines(caption: readonly string[], maxChars: number, maxLines: number): string[] {
  const lines = caption.flatMap((line) => wrapLine(line, maxChars));
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1] ?? '';
  kept[maxLines - 1] = `${last.slice(0, Math.max(0, maxChars - 1))}…`;
  return kept;
}

/**
 * Lays thumbnails out on a white PNG, each centred in its cell with its caption under it, and a
 * title on top. Text is drawn by librsvg with the DejaVu fonts.
 */
export async function contactSheet(tiles: readonly SheetTile[], options: SheetOptions): Promise<Buffer> {
  const { tileSize, title } = options;
  const columns = Math.max(1, Math.min(options.columns, tiles.length || 1));
  const maxChars = Math.floor(tileSize / CHAR_WIDTH);
  const maxLines = options.maxCaptionLines ?? 3;
  const wrapped = tiles.map((t) => captionLines(t.caption, maxChars, maxLines));
  const captionHeight = Math.max(1, ...wrapped.map((l) => l.length)) * LINE_HEIGHT + 4;
  const rows = Math.max(1, Math.ceil(tiles.length / columns));
  const cellWidth = tileSize + GAP;
  const cellHeight = tileSize + captionHeight + GAP;
  const width = Math.max(GAP + columns * cellWidth, Math.ceil(title.length * 7.6) + 2 * GAP);
  const height = TITLE_HEIGHT + GAP + rows * cellHeight;

  const texts: string[] = [
    `<text x="${GAP}" y="${TITLE_HEIGHT - 8}" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`,
  ];
  const composites: OverlayOptions[] = [];
  tiles.forEach((tile, i) => {
    const col = i % columns;
    const row = Math.floor(i / columns);
    const x0 = GAP + col * cellWidth;
    const y0 = TITLE_HEIGHT + GAP + row * cellHeight;
    composites.push({
      input: tile.image.data,
      left: x0 + Math.floor((tileSize - tile.image.width) / 2),
      top: y0 + Math.floor((tileSize - tile.image.height) / 2),
    });
    (wrapped[i] ?? []).forEach((line, j) => {
      const y = y0 + tileSize + LINE_HEIGHT * (j + 1);
      texts.push(`<text x="${x0 + tileSize / 2}" y="${y}" font-size="${FONT_SIZE}" text-anchor="middle">${escapeHtml(line)}</text>`);
    });
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="DejaVu Sans" fill="#1b1b1b">${texts.join('')}</g></svg>`;
  composites.push({ input: Buffer.from(svg), left: 0, top: 0 });

  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(composites)
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
}
