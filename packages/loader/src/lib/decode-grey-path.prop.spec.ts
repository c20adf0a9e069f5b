import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, isEightBitGrey } from './decode-image.js';

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-greypath-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const put = async (ext: string, data: Uint8Array): Promise<string> => {
  counter += 1;
  const path = join(dir, `g${counter}.${ext}`);
  await writeFile(path, data);
  return path;
};

/** Encodes raw pixels (`channels` interleaved) as PNG or JPEG. */
const encode = (pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4, format: 'png' | 'jpeg') => {
  const raw = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  const image = channels <= 2 ? raw.toColourspace('b-w') : raw; // sharp writes sRGB unless told otherwise
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 95 }).toBuffer();
};

describe('the 8-bit grey fast path', () => {
  it('recognises 8-bit grey JPEG and PNG headers, and nothing else', async () => {
    const grey = new Uint8Array(6 * 5).map((_, i) => i * 7);
    const rgb = new Uint8Array(6 * 5 * 3).map((_, i) => i * 5);
    expect(isEightBitGrey(await encode(grey, 6, 5, 1, 'jpeg'))).toBe(true);
    expect(isEightBitGrey(await encode(grey, 6, 5, 1, 'png'))).toBe(true);
    expect(isEightBitGrey(await encode(new Uint8Array(60), 6, 5, 2, 'png'))).toBe(true);
    expect(isEightBitGrey(await encode(rgb, 6, 5, 3, 'jpeg'))).toBe(false);
    expect(isEightBitGrey(await encode(rgb, 6, 5, 3, 'png'))).toBe(false);
    expect(isEightBitGrey(await sharp(Buffer.from(grey), { raw: { width: 6, height: 5, channels: 1 } }).toColourspace('grey16').png().toBuffer())).toBe(false);
    expect(isEightBitGrey(await sharp(Buffer.from(grey), { raw: { width: 6, height: 5, channels: 1 } }).toColourspace('grey16').png({ palette: true }).toBuffer())).toBe(false);
    expect(isEightBitGrey(new Uint8Array([0xff, 0xd8, 0xff]))).toBe(false); // truncated before any frame header
    expect(isEightBitGrey(new TextEncoder().encode('not an image at all'))).toBe(false);
    expect(isEightBitGrey(new Uint8Array(0))).toBe(false);
  });

  test.prop(
    [
      fc.integer({ min: 1, max: 24 }),
      fc.integer({ min: 1, max: 24 }),
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.integer({ min: 1, max: 32 }),
      fc.constantFrom('fill' as const, 'contain' as const),
      fc.constantFrom('png' as const, 'jpeg' as const),
    ],
    { numRuns: 40 },
  )('decodes a grey file to the pixels of the general path (sRGB output, then Rec. 601 luma)', async (width, height, seed, size, fit, format) => {
    const grey = new Uint8Array(width * height);
    let s = seed;
    for (let i = 0; i < grey.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      grey[i] = s >>> 24;
    }
    const file = await encode(grey, width, height, 1, format);
    expect(isEightBitGrey(file)).toBe(true);
    const path = await put(format, file);
    // The general path, spelled out: sharp's default sRGB output, then luma of each pixel.
    const rgb = await sharp(path, { failOn: 'warning', ignoreIcc: true, autoOrient: true })
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .resize(size, size, { fit, background: { r: 0, g: 0, b: 0, alpha: 1 } })
      .raw()
      .toBuffer();
    expect(rgb.length).toBe(size * size * 3);
    const expected = Array.from({ length: size * size }, (_, i) => (rgb[3 * i]! * 19595 + rgb[3 * i + 1]! * 38470 + rgb[3 * i + 2]! * 7471 + 0x8000) >>> 16);
    const decoded = await decodeImage(path, { size, fit });
    expect(Array.from(decoded.pixels)).toEqual(expected);
  });
});
