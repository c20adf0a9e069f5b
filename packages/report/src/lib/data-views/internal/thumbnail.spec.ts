import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { thumbnailFromGrey } from './thumbnail.js';

describe('thumbnailFromGrey', () => {
  it('keeps the aspect ratio and one grey channel, in JPEG and PNG', async () => {
    const pixels = Uint8Array.from({ length: 60 * 30 }, (_, i) => (i * 7) % 256);
    for (const format of ['jpeg', 'png'] as const) {
      const t = await thumbnailFromGrey(pixels, 60, 30, { size: 20, format });
      expect([t.width, t.height]).toEqual([20, 10]);
      const meta = await sharp(t.data).metadata();
      expect([meta.format, meta.channels, meta.width, meta.height]).toEqual([format, 1, 20, 10]);
    }
  });
});
