import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, decodeImageAtSourceSize, decodeImages, decodeSettingsKey, findImageFiles, isDicom, scanDataset, type ImageRecord, type Rejection } from '../index.js';
import { encodeDicom, writeDicomDataset, type DicomSpec } from '../testing/index.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const shared = resolve(repoRoot, '../shared/datasets/chest-xray');

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-dicom-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const put = async (data: Uint8Array, name = `f${(counter += 1)}.dcm`): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
};
const record = (path: string): ImageRecord => ({ path, split: 'train', label: 0, className: 'NORMAL', groupId: 'g' });
const ramp = (n: number, max: number): number[] => Array.from({ length: n }, (_, i) => Math.round((i * max) / Math.max(1, n - 1)));
/** Replaces an ASCII string of the same length in a file. */
const patch = (bytes: Buffer, from: string, to: string): Buffer => {
  expect(to.length).toBe(from.length);
  const at = bytes.indexOf(Buffer.from(from, 'latin1'));
  expect(at).toBeGreaterThan(0);
  const out = Buffer.from(bytes);
  out.write(to, at, 'latin1');
  return out;
};

async function sharedJpegs(): Promise<string[]> {
  const folder = join(shared, 'train', 'NORMAL');
  const names = (await readdir(folder)).sort();
  return [join(folder, names[0]!), join(folder, names[1]!), join(shared, 'train', 'PNEUMONIA', (await readdir(join(shared, 'train', 'PNEUMONIA'))).sort()[0]!)];
}

describe('DICOM decoding', () => {
  it('a DICOM file made from a shared JPEG decodes to the same image as the JPEG, 8-bit or 12-bit, uncompressed or JPEG 2000, at every size and fit that resizes alike', async () => {
    for (const jpeg of await sharedJpegs()) {
      const source = await decodeImageAtSourceSize(jpeg);
      const values8 = [...source.pixels];
      const files = [
        // Window center 128 / width 256 is the identity on 8-bit values (PS3.3 C.11.2.1.2.1).
        await encodeDicom({ width: source.width, height: source.height, values: values8, bitsStored: 8, window: { center: 128, width: 256 } }),
        // 12-bit values 16v+8 with the window [8, 4088]: back to v exactly.
        await encodeDicom({ width: source.width, height: source.height, values: values8.map((v) => 16 * v + 8), bitsStored: 12, syntax: 'jpeg-2000', window: { center: 2048.5, width: 4081 } }),
        // MONOCHROME1 of inverted 16-bit values, JPEG-LS, windowed from a VOI LUT.
        await encodeDicom({
          width: source.width,
          height: source.height,
          values: values8.map((v) => 65535 - 256 * v),
          bitsStored: 16,
          photometric: 'MONOCHROME1',
          syntax: 'jpeg-ls',
          voiLut: { first: 0, bits: 16, data: Array.from({ length: 65536 }, (_, i) => Math.min(255, Math.floor(i / 256))) },
        }),
      ];
      for (const bytes of files) {
        const path = await put(bytes);
        expect([...(await decodeImageAtSourceSize(path)).pixels]).toEqual(values8);
        // Sizes that shrink these files less than 2x: beyond that, libjpeg shrinks the JPEG while decoding it
        // (shrink-on-load), which a DICOM file cannot do, and the two differ by rounding.
        for (const [size, fit] of [[224, 'fill'], [224, 'contain'], [160, 'fill'], [300, 'fill']] as const) {
          const a = await decodeImage(path, { size, fit });
          const b = await decodeImage(jpeg, { size, fit });
          expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels)), `${jpeg} at ${size} ${fit}`).toBe(true);
        }
      }
    }
  });

  it('reads every transfer syntax radiographs use: implicit/explicit VR little endian, deflate, big endian, RLE, JPEG baseline, lossless JPEG, JPEG-LS, JPEG 2000', async () => {
    const values = ramp(64 * 8, 255);
    const expected = await decodeImageAtSourceSize(await put(await encodeDicom({ width: 64, height: 8, values, bitsStored: 8 })));
    for (const syntax of ['implicit', 'explicit', 'deflate', 'big-endian', 'rle', 'jpeg-baseline', 'jpeg-lossless', 'jpeg-ls', 'jpeg-2000'] as const) {
      const path = await put(await encodeDicom({ width: 64, height: 8, values, bitsStored: 8, syntax }));
      const out = await decodeImageAtSourceSize(path);
      const worst = Math.max(...out.pixels.map((v, i) => Math.abs(v - expected.pixels[i]!)));
      expect(worst, syntax).toBeLessThanOrEqual(syntax === 'jpeg-baseline' ? 4 : 0);
    }
  });

  it('prefers the VOI LUT to the window, applies the window functions, and falls back to min-max', async () => {
    const values = [0, 100, 200, 300, 400];
    const base = { width: 5, height: 1, values, bitsStored: 12 } as const;
    const grey = async (spec: Partial<DicomSpec>): Promise<number[]> => [...(await decodeImageAtSourceSize(await put(await encodeDicom({ ...base, ...spec })))).pixels];
    // A decreasing 8-bit LUT over 0..400: output 255 - v*255/400, stretched from its own range.
    const lut = { first: 0, bits: 8 as const, data: Array.from({ length: 401 }, (_, i) => Math.round(255 - (i * 255) / 400)) };
    expect(await grey({ voiLut: lut, window: { center: 200, width: 100 } })).toEqual([255, 191, 128, 64, 0]);
    expect(await grey({ window: { center: 200, width: 200, function: 'LINEAR_EXACT' } })).toEqual([0, 0, 128, 255, 255]);
    expect(await grey({ window: { center: 200, width: 200, function: 'SIGMOID' } })).toEqual([5, 30, 128, 225, 250]);
    expect(await grey({})).toEqual([0, 64, 128, 191, 255]);
    // An unusable window (width 0) falls back to min-max too.
    expect(await grey({ window: { center: 200, width: 0 } })).toEqual([0, 64, 128, 191, 255]);
  });

  it('reports what the audit counts in sample.source.dicom', async () => {
    const path = await put(await encodeDicom({ width: 4, height: 2, values: ramp(8, 4095), bitsStored: 12, photometric: 'MONOCHROME1', modality: 'CR', viewPosition: 'AP', syntax: 'rle' }));
    const [sample] = await lastValueFrom(from([record(path)]).pipe(decodeImages({ size: 8, metadata: true }), toArray()));
    expect(sample!.source).toMatchObject({ format: 'dicom', width: 4, height: 2, mode: 'grey16' });
    expect(sample!.source!.dicom).toEqual({
      modality: 'CR',
      photometricInterpretation: 'MONOCHROME1',
      bitsAllocated: 16,
      bitsStored: 12,
      signed: false,
      transferSyntax: 'rle-lossless',
      transferSyntaxUid: '1.2.840.10008.1.2.5',
      viewPosition: 'AP',
      voi: 'min-max',
    });
    const bare = await put(await encodeDicom({ width: 2, height: 2, values: [0, 1, 2, 3], bitsStored: 8, modality: null, viewPosition: null }));
    const [other] = await lastValueFrom(from([record(bare)]).pipe(decodeImages({ size: 8, metadata: true }), toArray()));
    expect(other!.source!.dicom).toMatchObject({ modality: 'unknown', viewPosition: 'unknown' });
  });

  it('rejects bad DICOM with a one-line reason naming the problem, and the stream goes on', async () => {
    const good = await encodeDicom({ width: 16, height: 16, values: ramp(256, 4095), bitsStored: 12 });
    const j2k = await encodeDicom({ width: 16, height: 16, values: ramp(256, 4095), bitsStored: 12, syntax: 'jpeg-2000' });
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated', good.subarray(0, good.length - 100), /^truncated DICOM (file|pixel data)/],
      ['truncated header', good.subarray(0, 200), /^(truncated|corrupt) DICOM/],
      ['unsupported syntax', patch(good, '1.2.840.10008.1.2.1\0', '1.2.840.10008.1.2.9\0'), /^unsupported DICOM transfer syntax 1\.2\.840\.10008\.1\.2\.9$/],
      ['multi-frame', await encodeDicom({ width: 2, height: 2, values: [0, 1, 2, 3, 4, 5, 6, 7], bitsStored: 8, frames: 2 }), /^multi-frame DICOM \(2 frames\)/],
      ['no pixel data', await encodeDicom({ width: 2, height: 2, values: [], bitsStored: 8, noPixelData: true }), /^no pixel data/],
      ['report', await encodeDicom({ width: 2, height: 2, values: [], bitsStored: 8, noPixelData: true, modality: 'SR' }), /^not an image \(DICOM modality SR\)$/],
      ['palette', patch(good, 'MONOCHROME2 ', 'HSV         '), /^unsupported DICOM photometric interpretation HSV$/],
      ['size mismatch', j2k, /./], // replaced below
      ['not dicom', Buffer.from('this is not an X-ray, but it is named like one'), /^not a DICOM file/],
      ['garbage after DICM', Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from([2, 0, 0x10, 0, 0x55, 0x49, 0xff, 0xff, 1, 2, 3])]), /^(truncated|corrupt) DICOM/],
    ];
    // The JPEG 2000 code stream says 16x16; a header claiming 16 columns and 8 rows is caught before decoding.
    const rows = j2k.indexOf(Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]));
    const mismatch = Buffer.from(j2k);
    mismatch.writeUInt16LE(8, rows + 8);
    cases[7] = ['size mismatch', mismatch, /^the JPEG 2000 image is 16x16 but the DICOM header says 16x8$/];
    const paths: string[] = [];
    for (const [name, bytes] of cases) paths.push(await put(bytes, `${name.replace(/ /g, '-')}.dcm`));
    const okPath = await put(good);
    const rejected: Rejection[] = [];
    const samples = await lastValueFrom(from([...paths, okPath].map(record)).pipe(decodeImages({ size: 8, onReject: (r) => rejected.push(r) }), toArray()));
    expect(samples.map((s) => s.record.path)).toEqual([okPath]);
    expect(rejected.map((r) => r.path)).toEqual(paths);
    rejected.forEach((r, i) => {
      expect(r.reason, cases[i]![0]).toMatch(cases[i]![2]);
      expect(r.reason).not.toContain('\n');
    });
    await expect(decodeImage(paths[0]!)).rejects.toMatchObject({ code: 'CXR_USAGE', path: paths[0], message: expect.stringContaining(paths[0]!) });
  });

  it('decodes a JPEG 2000 frame much larger than the output at a lower resolution level, close to the full decode', async () => {
    const width = 600;
    const height = 520;
    const values = Array.from({ length: width * height }, (_, i) => Math.round(2047 + 2000 * Math.sin((i % width) / 40) * Math.cos(Math.floor(i / width) / 50)));
    const bytes = await encodeDicom({ width, height, values, bitsStored: 12, syntax: 'jpeg-2000', window: { center: 2048, width: 4096 } });
    const { j2kReduction } = await import('./internal/dicom-codecs.js');
    const frame = bytes.subarray(bytes.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51])));
    expect(j2kReduction(frame, width, height, 64)).toBe(2); // 150x130 keeps twice 64; 75x65 would not
    expect(j2kReduction(frame, width, height, 224)).toBe(0);
    const path = await put(bytes);
    const [sample] = await lastValueFrom(from([record(path)]).pipe(decodeImages({ size: 64, metadata: true }), toArray()));
    expect(sample!.source).toMatchObject({ width, height });
    // The reference: the full-resolution grey image, resized by the same recipe.
    const full = await decodeImageAtSourceSize(path);
    const reference = await encodeDicom({ width, height, values: [...full.pixels], bitsStored: 8, window: { center: 128, width: 256 } });
    const expected = await decodeImage(await put(reference), { size: 64 });
    const meanError = sample!.pixels.reduce((sum, v, i) => sum + Math.abs(v - expected.pixels[i]!), 0) / sample!.pixels.length;
    // The wavelet's low band sits a fraction of a pixel off the resize's sampling grid: a few grey levels on a
    // pattern this steep (about 3 levels per source pixel).
    expect(meanError).toBeLessThan(4);
  });

  it('applies the pixel limit before decoding', async () => {
    const path = await put(await encodeDicom({ width: 40, height: 30, values: ramp(1200, 255), bitsStored: 8, syntax: 'jpeg-ls' }));
    await expect(decodeImage(path, { maxPixels: 1000 })).rejects.toMatchObject({ reason: 'too many pixels (40x30, more than the limit of 1000)' });
    await expect(decodeImage(path, { maxPixels: 1200 })).resolves.toMatchObject({ width: 224 });
  });

  it('the scan and findImageFiles take .dcm files and DICOM files named without an extension or by a UID, by content', async () => {
    const root = join(dir, 'dataset');
    const dicom = await encodeDicom({ width: 4, height: 4, values: ramp(16, 255), bitsStored: 8 });
    for (const [cls, name, bytes] of [
      ['NORMAL', 'IM0001', dicom],
      ['NORMAL', 'a.DCM', dicom],
      ['PNEUMONIA', '1.2.840.113619.2.55.3.604688', dicom],
      ['PNEUMONIA', 'b.dicom', dicom],
      ['PNEUMONIA', 'README', Buffer.from('notes')],
      ['PNEUMONIA', 'LICENSE.1', Buffer.alloc(200)],
    ] as const) {
      await mkdir(join(root, 'train', cls), { recursive: true });
      await writeFile(join(root, 'train', cls, name), bytes);
    }
    const records = await lastValueFrom(scanDataset(root).pipe(toArray()));
    expect(records.map((r) => `${r.className}/${r.path.slice(r.path.lastIndexOf('/') + 1)}`)).toEqual([
      'NORMAL/IM0001',
      'NORMAL/a.DCM',
      'PNEUMONIA/1.2.840.113619.2.55.3.604688',
      'PNEUMONIA/b.dicom',
    ]);
    expect(await findImageFiles(join(root, 'train', 'PNEUMONIA'))).toHaveLength(2);
    // The group (patient) of a DICOM file is its Patient ID, whatever the file name; deflated files too.
    expect(new Set(records.map((r) => r.groupId))).toEqual(new Set(['P1']));
    await writeFile(join(root, 'train', 'NORMAL', 'c.dcm'), await encodeDicom({ width: 4, height: 4, values: ramp(16, 255), bitsStored: 8, patientId: 'P7', syntax: 'deflate' }));
    const again = await lastValueFrom(scanDataset(root).pipe(toArray()));
    expect(again.find((r) => r.path.endsWith('c.dcm'))?.groupId).toBe('P7');
    expect(isDicom(dicom)).toBe(true);
    expect(isDicom(Buffer.alloc(132))).toBe(false);
  });

  it('the decode settings key names the DICOM rules and libraries', () => {
    const key = decodeSettingsKey({ size: 224 });
    expect(key).toMatch(/;dicom=v\d+;/);
    expect(key).toContain('dicom-voi=voi-lut>window>min-max');
    expect(key).toMatch(/dicom-libs=dicom-parser=\d+\.\d+\.\d+,charls=\d/);
  });
});

describe('writeDicomDataset (testing)', () => {
  it('writes DICOM copies of a JPEG folder whose six variants decode back to the JPEG pixels', async () => {
    const from = join(shared, 'val', 'NORMAL');
    const to = join(dir, 'copy');
    expect(await writeDicomDataset(from, to, { limit: 6 })).toBe(6);
    const names = (await readdir(to)).sort();
    expect(names.filter((n) => n.endsWith('.dcm'))).toHaveLength(3);
    const jpegs = (await readdir(from)).sort().slice(0, 6);
    for (const [i, jpeg] of jpegs.entries()) {
      const stem = jpeg.replace(/\.jpeg$/, '');
      const dicom = join(to, i % 2 === 0 ? `${stem}.dcm` : stem);
      const a = await decodeImageAtSourceSize(dicom);
      const b = await decodeImageAtSourceSize(join(from, jpeg));
      expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels)), dicom).toBe(true);
    }
  });
});
