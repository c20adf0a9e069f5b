import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeImage, decodeImageAtSourceSize } from './decode-image.js';
import { fitBox, greyFromRgba, jpegShrinkOnLoad, lumaRec601, resizedBox, resizeGrey } from './resize-grey.js';

const SHARED = resolve(fileURLToPath(new URL('../../../../', import.meta.url)), '../shared/datasets/chest-xray/test');

describe('resizeGrey: the decode recipe in plain JavaScript, against sharp on real X-rays', () => {
  // Five of each class from the shared test split: 224x224 copies and originals with a shorter side
  // of 256, so every path runs (no shrink, JPEG shrink-on-load, Lanczos3 at factors 1.75-6).
  const files = existsSync(SHARED) ? ['NORMAL', 'PNEUMONIA'].flatMap((c) => readdirSync(join(SHARED, c)).sort().slice(0, 5).map((f) => join(SHARED, c, f))) : [];

  for (const [size, fit, maxGap, meanGap] of [
    [64, 'fill', 3, 0.6],
    [128, 'fill', 2, 0.1],
    [128, 'contain', 3, 0.2],
    [224, 'fill', 2, 0.05],
  ] as const) {
    it(`size ${size}, ${fit}: every pixel within ${maxGap} grey levels of decodeImage, mean gap below ${meanGap}`, async () => {
      expect(files.length).toBe(10);
      let worst = 0;
      let sum = 0;
      let count = 0;
      for (const file of files) {
        const reference = await decodeImage(file, { size, fit });
        const source = await decodeImageAtSourceSize(file);
        const mine = resizeGrey(source.pixels, source.width, source.height, size, fit, { jpeg: true });
        for (let i = 0; i < mine.length; i++) {
          const gap = Math.abs((mine[i] as number) - (reference.pixels[i] as number));
          worst = Math.max(worst, gap);
          sum += gap;
          count += 1;
        }
      }
      expect(worst).toBeLessThanOrEqual(maxGap);
      expect(sum / count).toBeLessThan(meanGap);
    });
  }
});

describe('resizeGrey: invariants', () => {
  const side = fc.integer({ min: 1, max: 300 });
  test.prop([fc.integer({ min: 1, max: 160 }), fc.integer({ min: 1, max: 160 }), fc.integer({ min: 8, max: 64 }), fc.constantFrom('fill' as const, 'contain' as const), fc.integer({ min: 0, max: 255 }), fc.boolean()], { numRuns: 40 })(
    'a constant image stays that constant (within 3: the 12-bit coefficients are truncated, as libvips\' are, in each pass) inside its box, black outside it, size x size',
    (width, height, size, fit, value, jpeg) => {
      const out = resizeGrey(new Uint8Array(width * height).fill(value), width, height, size, fit, { jpeg });
      expect(out).toHaveLength(size * size);
      const box = resizedBox(width, height, size, fit, { jpeg });
      if (!jpeg) expect(box).toEqual(fitBox(width, height, size, fit));
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inside = x >= box.left && x < box.left + box.width && y >= box.top && y < box.top + box.height;
          if (inside) expect(Math.abs((out[y * size + x] as number) - value)).toBeLessThanOrEqual(3);
          else expect(out[y * size + x]).toBe(0);
        }
      }
    },
  );

  test.prop([side, side, fc.integer({ min: 8, max: 96 })], { numRuns: 40 })('values stay in 0-255 for any pixels (Lanczos3 over- and undershoots are clipped)', (width, height, size) => {
    const pixels = Uint8Array.from({ length: width * height }, (_, i) => ((i * 7919) % 2 === 0 ? 0 : 255));
    const out = resizeGrey(pixels, width, height, size, 'fill');
    expect(out.every((v) => v >= 0 && v <= 255)).toBe(true);
  });

  test.prop([side, side, fc.integer({ min: 1, max: 512 })], { numRuns: 100 })('fitBox: fill takes the square; contain keeps the aspect ratio, the long side at size, centred', (width, height, size) => {
    expect(fitBox(width, height, size, 'fill')).toEqual({ width: size, height: size, left: 0, top: 0 });
    const box = fitBox(width, height, size, 'contain');
    expect(Math.max(box.width, box.height)).toBe(size);
    expect(box.left + box.width).toBeLessThanOrEqual(size);
    expect(box.top + box.height).toBeLessThanOrEqual(size);
    expect(Math.abs(size - box.width - 2 * box.left)).toBeLessThanOrEqual(1);
    expect(Math.abs(size - box.height - 2 * box.top)).toBeLessThanOrEqual(1);
  });

  it('jpegShrinkOnLoad: sharp\'s choice (none below 3x, halved when the whole part equals it)', () => {
    expect(jpegShrinkOnLoad(224, 224, 128, 'fill')).toBe(1); // 1.75
    expect(jpegShrinkOnLoad(256, 340, 64, 'fill')).toBe(2); // 4: 4 halved
    expect(jpegShrinkOnLoad(224, 224, 64, 'fill')).toBe(2); // 3.5
    expect(jpegShrinkOnLoad(1600, 1400, 128, 'fill')).toBe(8); // 10.9
    expect(jpegShrinkOnLoad(1024, 1024, 128, 'fill')).toBe(4); // 8: 8 halved
  });

  test.prop([fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })])('greyFromRgba: an opaque pixel is its Rec. 601 luma; equal channels stay as they are', (r, g, b) => {
    expect(Array.from(greyFromRgba(Uint8Array.of(r, g, b, 255, r, r, r, 255)))).toEqual([lumaRec601(r, g, b), r]);
    expect(Array.from(greyFromRgba(Uint8Array.of(r, g, b, 0)))).toEqual([0]); // transparent: flattened on black
  });

  it('rejects sizes that are not positive whole numbers and pixels of the wrong length', () => {
    expect(() => resizeGrey(new Uint8Array(4), 2, 2, 0)).toThrow(RangeError);
    expect(() => resizeGrey(new Uint8Array(3), 2, 2, 8)).toThrow(/3 pixels for 2x2/);
    expect(() => greyFromRgba(new Uint8Array(5))).toThrow(RangeError);
  });
});
