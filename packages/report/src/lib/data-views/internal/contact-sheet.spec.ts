import { fc, test } from '@fast-check/vitest';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { contactSheet, wrapLine } from './contact-sheet.js';
import { thumbnailFromGrey } from './thumbnail.js';

describe('wrapLine', () => {
  it('breaks long file names after separators', () => {
    expect(wrapLine('person1689_bacteria_4474.jpeg', 19)).toEqual(['person1689_', 'bacteria_4474.jpeg']);
  });

  test.prop([fc.string({ maxLength: 120 }), fc.integer({ min: 1, max: 40 })])(
    'never exceeds the width and loses no non-space character',
    (line, width) => {
      const pieces = wrapLine(line, width);
      for (const p of pieces) expect(p.length).toBeLessThanOrEqual(width);
      expect(pieces.join('').replace(/\s/g, '')).toBe(line.replace(/\s/g, ''));
    },
  );
});

describe('contactSheet', () => {
  it('lays out tiles in rows under a title, as a PNG', async () => {
    const pixels = new Uint8Array(20 * 10).map((_, i) => i % 256);
    const image = await thumbnailFromGrey(pixels, 20, 10, { size: 16, format: 'png' });
    expect([image.width, image.height]).toEqual([16, 8]);
    const tiles = Array.from({ length: 5 }, (_, i) => ({ image, caption: [`file_${i}.png`] }));
    const png = await contactSheet(tiles, { title: 'five tiles', tileSize: 64, columns: 3 });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    // 3 columns of 64 + gaps; 2 rows.
    expect(meta.width).toBeGreaterThanOrEqual(3 * 64);
    expect(meta.height).toBeGreaterThan(2 * 64);
  });
});
