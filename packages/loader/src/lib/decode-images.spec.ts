import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, toArray } from 'rxjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, decodeImages, scanDataset, type ImageRecord, type Rejection } from '../index.js';
import { writeTinyDataset } from '../testing/index.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const fullres = resolve(repoRoot, '../shared/datasets/chest-xray-fullres');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-decode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (path: string): ImageRecord => ({ path, split: 'train', label: 0, className: 'NORMAL', groupId: 'g' });
const put = async (name: string, data: Buffer): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
};
const solid = (width: number, height: number, channels: 3 | 4, colour: number[]) =>
  sharp(Buffer.from(Array.from({ length: width * height }, () => colour).flat()), { raw: { width, height, channels } });
const distinct = (pixels: Uint8Array): number[] => [...new Set(pixels)].sort((a, b) => a - b);

describe('decodeImages', () => {
  it('decodes to size x size grey uint8 samples that keep their records, in input order', async () => {
    const ds = await writeTinyDataset(join(dir, 'tiny'), { perClass: 2, size: 20 });
    const samples = await lastValueFrom(scanDataset(ds.root).pipe(decodeImages({ size: 12, concurrency: 3 }), toArray()));
    expect(samples.map((s) => s.record.path)).toEqual(ds.images.map((f) => f.path));
    for (const s of samples) {
      expect([s.width, s.height, s.pixels.length]).toEqual([12, 12, 144]);
      expect(s.pixels).toBeInstanceOf(Uint8Array);
      expect(s.source).toBeUndefined();
    }
  });

  it('reduces colour to Rec. 601 luma (as PIL and libjpeg do) for RGB, RGBA, palette and 16-bit input', async () => {
    const luma = (200 * 19595 + 10 * 38470 + 30 * 7471 + 0x8000) >>> 16; // 69
    const inputs = {
      rgb: await solid(8, 6, 3, [200, 10, 30]).png().toBuffer(),
      rgba: await solid(8, 6, 4, [200, 10, 30, 255]).png().toBuffer(),
      palette: await solid(8, 6, 3, [200, 10, 30]).png({ palette: true }).toBuffer(),
    };
    for (const [mode, data] of Object.entries(inputs)) {
      const { pixels } = await decodeImage(await put(`colour-${mode}.png`, data), { size: 4, metadata: true });
      expect({ mode, values: distinct(pixels) }).toEqual({ mode, values: [luma] });
    }
    // 16-bit samples go through libvips' 16 -> 8 bit conversion: within one grey level.
    const rgb16 = await decodeImage(await put('rgb16.png', await solid(8, 6, 3, [200, 10, 30]).toColourspace('rgb16').png().toBuffer()), { size: 4 });
    expect(distinct(rgb16.pixels).length).toBe(1);
    expect(Math.abs(rgb16.pixels[0]! - luma)).toBeLessThanOrEqual(1);
    const grey16 = await decodeImage(await put('grey16.png', await solid(8, 6, 3, [77, 77, 77]).toColourspace('grey16').png().toBuffer()), { size: 4 });
    expect(distinct(grey16.pixels)).toEqual([77]);
    // Transparency is flattened onto black.
    const half = await decodeImage(await put('half.png', await solid(8, 6, 4, [200, 200, 200, 128]).png().toBuffer()), { size: 4 });
    expect(distinct(half.pixels)).toEqual([Math.round((200 * 128) / 255)]);
    const clear = await decodeImage(await put('clear.png', await solid(8, 6, 4, [200, 10, 30, 0]).png().toBuffer()), { size: 4 });
    expect(distinct(clear.pixels)).toEqual([0]);
    // CMYK goes through a colour-managed conversion (a generic CMYK profile): greys stay close and in order.
    const cmyk = async (v: number) =>
      (await decodeImage(await put(`cmyk-${v}.jpeg`, await solid(8, 6, 3, [v, v, v]).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer()), { size: 4 })).pixels;
    const dark = await cmyk(60);
    const light = await cmyk(200);
    for (const v of dark) expect(Math.abs(v - 60)).toBeLessThanOrEqual(20);
    for (const v of light) expect(Math.abs(v - 200)).toBeLessThanOrEqual(20);
  });

  it('reports the source mode, size, format, ICC and orientation when asked', async () => {
    const path = await put('meta.png', await solid(10, 4, 4, [1, 2, 3, 255]).png().toBuffer());
    const { source } = await decodeImage(path, { size: 4, metadata: true });
    expect(source).toEqual({ format: 'png', width: 10, height: 4, mode: 'rgba', hasIccProfile: false, orientation: 1 });
    const grey16 = await put('meta16.png', await solid(3, 5, 3, [9, 9, 9]).toColourspace('grey16').png().toBuffer());
    expect((await decodeImage(grey16, { metadata: true })).source?.mode).toBe('grey16');
  });

  it('applies the EXIF orientation', async () => {
    // 16 x 8: left half black, right half white. Orientation 6 shows it turned 90° clockwise: black on top.
    const raw = Buffer.alloc(16 * 8 * 3);
    for (let y = 0; y < 8; y += 1) for (let x = 8; x < 16; x += 1) raw.fill(255, (y * 16 + x) * 3, (y * 16 + x) * 3 + 3);
    const plain = await sharp(raw, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
    const rotated = await sharp(plain).withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toBuffer();
    const row = (p: Uint8Array, y: number) => [...p.subarray(y * 16, y * 16 + 16)];
    const a = await decodeImage(await put('plain.jpeg', plain), { size: 16 });
    expect(row(a.pixels, 2).slice(0, 6).every((v) => v < 40) && row(a.pixels, 2).slice(10).every((v) => v > 215)).toBe(true);
    const b = await decodeImage(await put('rotated.jpeg', rotated), { size: 16 });
    expect(row(b.pixels, 2).every((v) => v < 40)).toBe(true);
    expect(row(b.pixels, 13).every((v) => v > 215)).toBe(true);
  });

  it("fit 'contain' keeps the aspect ratio and pads with black; 'fill' stretches", async () => {
    const path = await put('wide.png', await solid(32, 16, 3, [255, 255, 255]).png().toBuffer());
    const contain = await decodeImage(path, { size: 16, fit: 'contain' });
    const rows = Array.from({ length: 16 }, (_, y) => distinct(contain.pixels.subarray(y * 16, y * 16 + 16)));
    expect(rows.slice(0, 4).every((r) => r.length === 1 && r[0] === 0)).toBe(true);
    expect(rows.slice(5, 11).every((r) => r.length === 1 && r[0] === 255)).toBe(true);
    expect(rows.slice(12).every((r) => r.length === 1 && r[0] === 0)).toBe(true);
    expect(distinct((await decodeImage(path, { size: 16, fit: 'fill' })).pixels)).toEqual([255]);
  });

  it('ignores embedded ICC profiles: a real Photoshop-profiled X-ray decodes as the same file without its profile', async () => {
    const original = await readFile(join(fullres, 'NORMAL', 'IM-0176-0001.jpeg'));
    expect((await sharp(original).metadata()).hasProfile).toBe(true);
    const stripped = stripIcc(original);
    expect(stripped.length).toBeLessThan(original.length);
    expect((await sharp(stripped).metadata()).hasProfile).toBe(false);
    const a = await decodeImage(await put('with-icc.jpeg', original), { size: 64 });
    const b = await decodeImage(await put('without-icc.jpeg', stripped), { size: 64 });
    expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
    // Applying the profile would have changed the grey levels.
    const applied = await sharp(original).resize(64, 64, { fit: 'fill' }).greyscale().raw().toBuffer();
    expect(Buffer.from(a.pixels).equals(applied)).toBe(false);
  });

  it('rejects every bad file once, in input order, and goes on', async () => {
    const ds = await writeTinyDataset(join(dir, 'bad'), { perClass: 1, splits: ['train'], corrupt: true });
    const rejected: Rejection[] = [];
    const samples = await lastValueFrom(scanDataset(ds.root).pipe(decodeImages({ size: 8, concurrency: 2, onReject: (r) => rejected.push(r) }), toArray()));
    expect(samples.map((s) => s.record.path)).toEqual(ds.images.map((f) => f.path));
    expect(rejected.map((r) => r.path)).toEqual(ds.corrupt.map((c) => c.path));
    const reasons = Object.fromEntries(rejected.filter((r) => r.record?.className === 'NORMAL').map((r) => [r.path.replace(/^.*\//, ''), r.reason]));
    expect(reasons).toEqual({
      'bad-empty.jpeg': 'empty file (0 bytes)',
      'bad-garbled.jpeg': expect.stringMatching(/^corrupt image header \(.+\)$/),
      'bad-random.png': 'not an image (unsupported or unrecognised format)',
      'bad-text.JPEG': 'not an image (unsupported or unrecognised format)',
      // libvips sometimes reports only that a warning was raised, without the decoder's words.
      'bad-truncated.jpg': expect.stringMatching(/^(truncated image data \(.+\)|corrupt or truncated image data)/),
    });
    for (const r of rejected) expect(r.reason).not.toContain('\n');
  });

  it('rejects missing files, folders, broken links and images over the pixel limit', async () => {
    const good = await put('good.png', await solid(20, 20, 3, [5, 5, 5]).png().toBuffer());
    await mkdir(join(dir, 'folder.jpeg'), { recursive: true });
    await symlink(join(dir, 'nowhere.png'), join(dir, 'broken.png'));
    const paths = [join(dir, 'missing.png'), join(dir, 'folder.jpeg'), join(dir, 'broken.png'), good];
    const rejected: Rejection[] = [];
    const samples = await lastValueFrom(from(paths.map(record)).pipe(decodeImages({ maxPixels: 399, onReject: (r) => rejected.push(r) }), toArray()));
    expect(samples).toEqual([]);
    expect(rejected.map((r) => [r.path, r.reason])).toEqual([
      [paths[0], 'file not found'],
      [paths[1], 'not a regular file'],
      [paths[2], 'file not found'],
      [good, 'too many pixels (more than the limit of 399)'],
    ]);
    expect(await lastValueFrom(from([record(good)]).pipe(decodeImages({ maxPixels: 400 }), toArray()))).toHaveLength(1);
  });

  it('strict mode errors at the first bad file with one sentence naming it, after the samples before it', async () => {
    const good = await put('s-good.png', await solid(4, 4, 3, [1, 1, 1]).png().toBuffer());
    const bad = await put('s-bad.jpeg', Buffer.from('nope'));
    const seen: string[] = [];
    const run = new Promise((resolve, reject) => {
      from([good, bad, good].map(record))
        .pipe(decodeImages({ strict: true, concurrency: 3 }))
        .subscribe({ next: (s) => seen.push(s.record.path), error: reject, complete: () => resolve('completed') });
    });
    await expect(run).rejects.toMatchObject({
      code: 'CXR_USAGE',
      path: bad,
      reason: 'not an image (unsupported or unrecognised format)',
      message: `Cannot use image ${bad}: not an image (unsupported or unrecognised format).`,
    });
    expect(seen).toEqual([good]);
  });

  it('turns an exception thrown by onReject into a stream error', async () => {
    const bad = await put('cb-bad.png', Buffer.alloc(0));
    const boom = new Error('callback failed');
    await expect(
      lastValueFrom(from([record(bad)]).pipe(decodeImages({ onReject: () => { throw boom; } }), toArray())),
    ).rejects.toBe(boom);
  });

  it('decodeImage throws a CXR_USAGE DecodeError for a bad file', async () => {
    const bad = await put('one-bad.png', Buffer.from([1, 2, 3]));
    await expect(decodeImage(bad)).rejects.toMatchObject({ code: 'CXR_USAGE', path: bad });
  });

  it('validates options at creation, naming the stage and the value', () => {
    expect(() => decodeImages({ size: 0 })).toThrow(/decodeImages: size must be between 1 and 4096, got 0/);
    expect(() => decodeImages({ size: 2.5 })).toThrow(TypeError);
    expect(() => decodeImages({ fit: 'cover' as 'fill' })).toThrow(/decodeImages: fit must be one of 'fill', 'contain', got "cover"/);
    expect(() => decodeImages({ concurrency: 0 })).toThrow(RangeError);
    expect(() => decodeImages({ maxPixels: -1 })).toThrow(RangeError);
    expect(() => decodeImages({ strict: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => decodeImages({ onReject: 3 as unknown as () => void })).toThrow(/onReject must be a function/);
  });
});

/** Removes the APP2 ICC_PROFILE segments of a JPEG, leaving everything else byte for byte. */
function stripIcc(jpeg: Buffer): Buffer {
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
  let i = 2;
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1]!;
    if (marker === 0xda) break; // start of scan: the rest is image data
    const length = jpeg.readUInt16BE(i + 2);
    const segment = jpeg.subarray(i, i + 2 + length);
    const isIcc = marker === 0xe2 && segment.subarray(4, 15).toString('latin1') === 'ICC_PROFILE';
    if (!isIcc) parts.push(segment);
    i += 2 + length;
  }
  parts.push(jpeg.subarray(i));
  return Buffer.concat(parts);
}
