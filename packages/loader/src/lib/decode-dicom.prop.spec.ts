import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { decodeImage, decodeImageAtSourceSize } from '../index.js';
import { encodeDicom, type DicomSpec, type DicomSyntax } from '../testing/index.js';

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-dicomprop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const put = async (spec: DicomSpec): Promise<string> => {
  counter += 1;
  const path = join(dir, `f${counter}.dcm`);
  await writeFile(path, await encodeDicom(spec));
  return path;
};
const grey = async (spec: DicomSpec): Promise<Uint8Array> => (await decodeImageAtSourceSize(await put(spec))).pixels;

/** A small image of stored values of `bits` significant bits, signed or not. */
const arbStored = (minBits = 2) =>
  fc
    .record({ width: fc.integer({ min: 1, max: 12 }), height: fc.integer({ min: 1, max: 9 }), bits: fc.integer({ min: minBits, max: 16 }), signed: fc.boolean() })
    .chain(({ width, height, bits, signed }) => {
      const min = signed ? -(2 ** (bits - 1)) : 0;
      const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
      return fc.record({
        width: fc.constant(width),
        height: fc.constant(height),
        bits: fc.constant(bits),
        signed: fc.constant(signed),
        min: fc.constant(min),
        max: fc.constant(max),
        values: fc.array(fc.integer({ min, max }), { minLength: width * height, maxLength: width * height }),
      });
    });

const LOSSLESS: readonly DicomSyntax[] = ['implicit', 'explicit', 'deflate', 'big-endian', 'rle', 'jpeg-lossless', 'jpeg-ls', 'jpeg-2000'];

describe('DICOM pixel pipeline properties', () => {
  test.prop([arbStored(), fc.boolean(), fc.constantFrom<DicomSyntax>('explicit', 'rle', 'jpeg-ls')], {
    numRuns: 40,
    // Found by fast-check: a one-value image (blank) must decode the same, black, in both.
    examples: [[{ width: 1, height: 1, bits: 2, signed: false, min: 0, max: 3, values: [0] }, false, 'explicit']],
  })(
    'a MONOCHROME1 file of inverted pixels decodes to the same image as the MONOCHROME2 original',
    async (img, windowed, syntax) => {
      // Inverting stored values within their range: v -> min + max - v.
      const inverted = img.values.map((v) => img.min + img.max - v);
      const center = Math.round((img.min + img.max) / 2);
      const width = Math.max(1, Math.round((img.max - img.min) / 2));
      const base = { width: img.width, height: img.height, bitsStored: img.bits, signed: img.signed, syntax };
      const mono2 = await grey({ ...base, values: img.values, ...(windowed ? { window: { center, width } } : {}) });
      // The inverted window: the same values, mirrored about the middle of the range.
      const mono1 = await grey({ ...base, values: inverted, photometric: 'MONOCHROME1', ...(windowed ? { window: { center: img.min + img.max - center + 1, width } } : {}) });
      expect([...mono1]).toEqual([...mono2]);
    },
  );

  test.prop([arbStored(), fc.integer({ min: 0, max: 2 ** 16 }), fc.integer({ min: 1, max: 2 ** 16 })], { numRuns: 60 })(
    'window center/width maps the window to 0..255 exactly: its low end to 0, its high end to 255, linearly between, clipped outside',
    async (img, a, b) => {
      const span = img.max - img.min;
      const lo = img.min + (a % (span + 1));
      const hi = Math.min(img.max, lo + 1 + (b % Math.max(1, span)));
      fc.pre(hi > lo);
      // PS3.3 C.11.2.1.2.1: the window [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] is [lo, hi] for these c and w.
      const values = [lo, hi, ...img.values];
      const pixels = await grey({ width: values.length, height: 1, values, bitsStored: img.bits, signed: img.signed, window: { center: (lo + hi + 1) / 2, width: hi - lo + 1 } });
      expect(pixels[0]).toBe(0);
      expect(pixels[1]).toBe(255);
      values.forEach((v, i) => {
        const expected = v <= lo ? 0 : v >= hi ? 255 : Math.round(((v - lo) * 255) / (hi - lo));
        expect(Math.abs(pixels[i]! - expected)).toBeLessThanOrEqual(v <= lo || v >= hi ? 0 : 1e-9 + (Number.isInteger(((v - lo) * 255) / (hi - lo) - 0.5) ? 1 : 0));
      });
    },
  );

  test.prop([arbStored(), fc.constantFrom(...LOSSLESS), fc.constantFrom('MONOCHROME1' as const, 'MONOCHROME2' as const)], {
    numRuns: 40,
    examples: [
      // Found by fast-check: the lossless JPEG decoder lost the last pixel when its code ended the data.
      [
        {
          width: 6,
          height: 6,
          bits: 9,
          signed: true,
          min: -256,
          max: 255,
          values: [134, -33, -1, -190, -237, 148, -1, 241, 0, 4, -1, 0, -133, -1, -33, 141, 2, -255, -1, 33, 0, -1, 4, 0, 134, -1, -33, 0, -1, 0, 6, 0, 212, 0, -4, -4],
        },
        'jpeg-lossless',
        'MONOCHROME1',
      ],
    ],
  })(
    'every lossless transfer syntax decodes to the same pixels as explicit VR little endian, 2 to 16 bits, signed or not',
    async (img, syntax, photometric) => {
      // The OpenJPEG build's encoder clamps signed 8-bit samples, so no such file can be made here.
      fc.pre(!(syntax === 'jpeg-2000' && img.signed && img.bits <= 8));
      const base = { width: img.width, height: img.height, values: img.values, bitsStored: img.bits, signed: img.signed, photometric };
      expect([...(await grey({ ...base, syntax }))]).toEqual([...(await grey({ ...base, syntax: 'explicit' }))]);
    },
  );

  test.prop([arbStored(), fc.integer({ min: 1, max: 4 }), fc.boolean()], { numRuns: 30 })(
    'rescale slope/intercept is applied before the window: signed values with an intercept equal the shifted unsigned values',
    async (img, slope, windowed) => {
      fc.pre(img.signed && img.bits < 16);
      const half = 2 ** (img.bits - 1);
      const unsigned = img.values.map((v) => v + half);
      const base = { width: img.width, height: img.height, bitsStored: img.bits };
      const window = { center: slope * half + 7, width: slope * half };
      const a = await grey({ ...base, values: img.values, signed: true, rescale: { slope, intercept: slope * half }, ...(windowed ? { window } : {}) });
      const b = await grey({ ...base, values: unsigned, signed: false, rescale: { slope, intercept: 0 }, ...(windowed ? { window } : {}) });
      expect([...a]).toEqual([...b]);
    },
  );

  test.prop([arbStored(), fc.array(fc.boolean(), { minLength: 108, maxLength: 108 }), fc.boolean()], { numRuns: 40 })(
    'PixelPaddingValue pixels are black and left out of the min-max fallback (MONOCHROME1 too)',
    async (img, mask, mono1) => {
      const count = img.width * img.height;
      const padded = img.values.map((v, i) => (mask[i] === true ? img.max : v));
      const kept = padded.filter((_, i) => mask[i] !== true);
      fc.pre(kept.length > 0 && kept.every((v) => v !== img.max));
      // The same image with the padded pixels replaced by a kept value: the same value range.
      const filled = padded.map((v, i) => (mask[i] === true ? kept[0]! : v));
      const base = { width: img.width, height: img.height, bitsStored: img.bits, signed: img.signed, photometric: mono1 ? ('MONOCHROME1' as const) : ('MONOCHROME2' as const) };
      const withPadding = await grey({ ...base, values: padded, padding: { value: img.max } });
      const reference = await grey({ ...base, values: filled });
      for (let i = 0; i < count; i += 1) expect(withPadding[i]).toBe(mask[i] === true ? 0 : reference[i]);
    },
  );

  test.prop([arbStored(), fc.integer({ min: 1, max: 40 }), fc.constantFrom('fill' as const, 'contain' as const), fc.constantFrom<DicomSyntax>('explicit', 'jpeg-2000')], { numRuns: 25 })(
    'decode always yields size x size x 1 in [0, 255] for DICOM too',
    async (img, size, fit, syntax) => {
      const path = await put({ width: img.width, height: img.height, values: img.values, bitsStored: img.bits, signed: img.signed, syntax });
      const out = await decodeImage(path, { size, fit });
      expect([out.width, out.height, out.pixels.length]).toEqual([size, size, size * size]);
    },
  );

  test.prop(
    [
      fc.constantFrom<DicomSyntax>(...LOSSLESS, 'jpeg-baseline'),
      fc.oneof(
        fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
        fc.record({ kind: fc.constant('flip' as const), edits: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
      ),
    ],
    { numRuns: 120 },
  )('a damaged DICOM file (cut short, bytes changed) decodes or is rejected with a one-line reason: never a crash, never a hang', async (syntax, damage) => {
    const bytes = await encodeDicom({ width: 24, height: 16, values: Array.from({ length: 384 }, (_, i) => (i * 37) % 256), bitsStored: 8, syntax });
    let damaged: Buffer;
    if (damage.kind === 'cut') damaged = bytes.subarray(0, Math.floor(damage.at * bytes.length));
    else {
      damaged = Buffer.from(bytes);
      // Keep the DICM marker, so the file still goes down the DICOM path.
      for (const [where, value] of damage.edits) damaged[132 + Math.floor(where * (damaged.length - 132))] = value;
    }
    counter += 1;
    const path = join(dir, `damaged${counter}.dcm`);
    await writeFile(path, damaged);
    try {
      const out = await decodeImage(path, { size: 16 });
      expect(out.pixels).toHaveLength(256);
    } catch (error) {
      expect(error).toMatchObject({ code: 'CXR_USAGE', path });
      const reason = (error as { reason: string }).reason;
      expect(reason).not.toMatch(/\n/);
      expect(reason.length).toBeLessThan(250);
    }
  }, 20_000);
});
