/**
 * Real DICOM files for specs, written with dcmjs's writer (an implementation independent of the
 * parser the loader uses), the pixel data encoded with the codecs' own encoders (CharLS, OpenJPEG),
 * sharp (JPEG baseline), zlib (deflate), or the small RLE and lossless-JPEG encoders below.
 */
import { createRequire } from 'node:module';
import { deflateRawSync } from 'node:zlib';
import sharp from 'sharp';

/** Transfer syntaxes {@link encodeDicom} can write. */
export const DICOM_SYNTAXES = {
  implicit: '1.2.840.10008.1.2',
  explicit: '1.2.840.10008.1.2.1',
  deflate: '1.2.840.10008.1.2.1.99',
  'big-endian': '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  'jpeg-baseline': '1.2.840.10008.1.2.4.50',
  'jpeg-lossless': '1.2.840.10008.1.2.4.70',
  'jpeg-ls': '1.2.840.10008.1.2.4.80',
  'jpeg-2000': '1.2.840.10008.1.2.4.90',
} as const;
export type DicomSyntax = keyof typeof DICOM_SYNTAXES;

/** What {@link encodeDicom} writes. */
export interface DicomSpec {
  readonly width: number;
  readonly height: number;
  /** Stored values, row-major, `width * height` (x3 interleaved for RGB); negative values when `signed`. */
  readonly values: ArrayLike<number>;
  /** Default 16 (8 when `bitsStored` <= 8 and not given). */
  readonly bitsAllocated?: 8 | 16;
  readonly bitsStored: number;
  readonly signed?: boolean;
  /** Default MONOCHROME2. */
  readonly photometric?: 'MONOCHROME1' | 'MONOCHROME2' | 'RGB';
  /** Default `explicit`. */
  readonly syntax?: DicomSyntax;
  readonly rescale?: { readonly slope: number; readonly intercept: number };
  readonly window?: { readonly center: number; readonly width: number; readonly function?: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID' };
  readonly voiLut?: { readonly first: number; readonly bits: 8 | 16; readonly data: readonly number[] };
  readonly padding?: { readonly value: number; readonly limit?: number };
  /** Default `DX`; `null` leaves it out. */
  readonly modality?: string | null;
  /** Default `PA`; `null` leaves it out. */
  readonly viewPosition?: string | null;
  readonly patientId?: string;
  /** Written as NumberOfFrames when given. */
  readonly frames?: number;
  /** Leave the pixel data out (an object without an image). */
  readonly noPixelData?: boolean;
}

interface Dcmjs {
  data: {
    DicomMetaDictionary: { denaturalizeDataset(dataset: object): object };
    DicomDict: new (meta: object) => { dict: object; write(): ArrayBuffer };
  };
  log?: { setLevel?(level: string): void };
}

let dcmjs: Dcmjs | undefined;
function loadDcmjs(): Dcmjs {
  if (dcmjs === undefined) {
    dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
    dcmjs.log?.setLevel?.('error');
  }
  return dcmjs;
}

interface Encoder {
  getDecodedBuffer(info: object): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  delete(): void;
}
const encoderModules = new Map<string, Promise<Record<string, new () => Encoder>>>();
function encoderModule(path: string): Promise<Record<string, new () => Encoder>> {
  let module = encoderModules.get(path);
  if (module === undefined) {
    const quiet = (): void => undefined;
    module = (createRequire(import.meta.url)(path) as (o: object) => Promise<Record<string, new () => Encoder>>)({ print: quiet, printErr: quiet });
    encoderModules.set(path, module);
  }
  return module;
}

/** The stored values as little-endian sample words of `bitsAllocated` bits (two's complement when negative). */
export function sampleWords(spec: DicomSpec): Uint8Array {
  const bits = bitsAllocatedOf(spec);
  const out = new Uint8Array(spec.values.length * (bits / 8));
  const view = new DataView(out.buffer);
  for (let i = 0; i < spec.values.length; i += 1) {
    const v = spec.values[i]!;
    if (bits === 8) out[i] = v & 0xff;
    else view.setUint16(2 * i, v & 0xffff, true);
  }
  return out;
}

function bitsAllocatedOf(spec: DicomSpec): 8 | 16 {
  return spec.bitsAllocated ?? (spec.bitsStored <= 8 ? 8 : 16);
}

/** Writes a DICOM Part 10 file (Digital X-Ray image) for the spec. */
export async function encodeDicom(spec: DicomSpec): Promise<Buffer> {
  const { DicomMetaDictionary, DicomDict } = loadDcmjs().data;
  const syntax = spec.syntax ?? 'explicit';
  const uid = DICOM_SYNTAXES[syntax];
  const photometric = spec.photometric ?? 'MONOCHROME2';
  const spp = photometric === 'RGB' ? 3 : 1;
  const bitsAllocated = bitsAllocatedOf(spec);
  const sopClass = '1.2.840.10008.5.1.4.1.1.1.1';
  const instance = '1.2.826.0.1.3680043.8.498.1';
  const dataset: Record<string, unknown> = {
    SOPClassUID: sopClass,
    SOPInstanceUID: instance,
    PatientID: spec.patientId ?? 'P1',
    Rows: spec.height,
    Columns: spec.width,
    SamplesPerPixel: spp,
    PhotometricInterpretation: photometric,
    BitsAllocated: bitsAllocated,
    BitsStored: spec.bitsStored,
    HighBit: spec.bitsStored - 1,
    PixelRepresentation: spec.signed === true ? 1 : 0,
  };
  if (spp === 3) dataset.PlanarConfiguration = 0;
  if (spec.modality !== null) dataset.Modality = spec.modality ?? 'DX';
  if (spec.viewPosition !== null) dataset.ViewPosition = spec.viewPosition ?? 'PA';
  if (spec.frames !== undefined) dataset.NumberOfFrames = String(spec.frames);
  if (spec.rescale) {
    dataset.RescaleSlope = String(spec.rescale.slope);
    dataset.RescaleIntercept = String(spec.rescale.intercept);
  }
  if (spec.window) {
    dataset.WindowCenter = String(spec.window.center);
    dataset.WindowWidth = String(spec.window.width);
    if (spec.window.function) dataset.VOILUTFunction = spec.window.function;
  }
  if (spec.voiLut) {
    const lut = spec.voiLut;
    const first = lut.first < 0 ? lut.first + 65536 : lut.first;
    dataset.VOILUTSequence = [{ LUTDescriptor: [lut.data.length === 65536 ? 0 : lut.data.length, first, lut.bits], LUTData: lut.data.slice(), _vrMap: { LUTDescriptor: 'US', LUTData: 'US' } }];
  }
  const vrMap: Record<string, string> = {};
  if (spec.padding) {
    const signed = spec.signed === true;
    dataset.PixelPaddingValue = spec.padding.value;
    vrMap.PixelPaddingValue = signed ? 'SS' : 'US';
    if (spec.padding.limit !== undefined) {
      dataset.PixelPaddingRangeLimit = spec.padding.limit;
      vrMap.PixelPaddingRangeLimit = signed ? 'SS' : 'US';
    }
  }
  const encapsulated = !['implicit', 'explicit', 'deflate', 'big-endian'].includes(syntax);
  if (spec.noPixelData !== true) {
    let words = sampleWords(spec);
    if (syntax === 'big-endian' && bitsAllocated === 16) words = swap16(words);
    dataset.PixelData = encapsulated ? [toArrayBuffer(await encodeFrame(syntax, spec, words, spp, bitsAllocated))] : toArrayBuffer(words);
    vrMap.PixelData = encapsulated || bitsAllocated === 8 ? 'OB' : 'OW';
  }
  dataset._vrMap = vrMap;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: instance,
    TransferSyntaxUID: uid,
    ImplementationClassUID: '1.2.826.0.1.3680043.8.498.2',
  };
  // dcmjs writes a deflated syntax uncompressed: write explicit VR little endian and deflate the data set.
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(syntax === 'deflate' ? { ...meta, TransferSyntaxUID: DICOM_SYNTAXES.explicit } : meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  const bytes = Buffer.from(dict.write());
  if (syntax !== 'deflate') return bytes;
  const deflatedMeta = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  deflatedMeta.dict = {};
  const head = Buffer.from(deflatedMeta.write());
  const bodyStart = 132 + 12 + bytes.readUInt32LE(140);
  return Buffer.concat([head, deflateRawSync(bytes.subarray(bodyStart))]);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function swap16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 2) {
    out[i] = bytes[i + 1]!;
    out[i + 1] = bytes[i]!;
  }
  return out;
}

async function encodeFrame(syntax: DicomSyntax, spec: DicomSpec, words: Uint8Array, spp: number, bitsAllocated: number): Promise<Uint8Array> {
  switch (syntax) {
    case 'rle':
      return encodeRle(words, spec.width * spec.height, spp, bitsAllocated / 8);
    case 'jpeg-baseline': {
      if (bitsAllocated !== 8) throw new RangeError('encodeDicom: jpeg-baseline needs 8-bit samples');
      const image = sharp(Buffer.from(words), { raw: { width: spec.width, height: spec.height, channels: spp as 1 | 3 } });
      return (spp === 1 ? image.toColourspace('b-w') : image)
        .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
        .toBuffer();
    }
    case 'jpeg-lossless':
      if (spp !== 1) throw new RangeError('encodeDicom: jpeg-lossless writes grey images only');
      return encodeLosslessJpeg(spec);
    case 'jpeg-ls':
    case 'jpeg-2000': {
      const path = syntax === 'jpeg-ls' ? '@cornerstonejs/codec-charls/wasmjs' : '@cornerstonejs/codec-openjpeg/wasmjs';
      const module = await encoderModule(path);
      const Encoder = module[syntax === 'jpeg-ls' ? 'JpegLSEncoder' : 'J2KEncoder']!;
      const encoder = new Encoder();
      try {
        const raw = encoder.getDecodedBuffer({
          width: spec.width,
          height: spec.height,
          bitsPerSample: bitsAllocated === 8 ? 8 : spec.bitsStored,
          componentCount: spp,
          isSigned: spec.signed === true,
          isUsingColorTransform: false,
        });
        raw.set(words);
        if (syntax === 'jpeg-2000') {
          // Lossless (reversible 5/3), with no more wavelet levels than the image is large.
          (encoder as Encoder & { setDecompositions(n: number): void }).setDecompositions(Math.max(0, Math.min(5, Math.floor(Math.log2(Math.min(spec.width, spec.height))) - 1)));
        }
        encoder.encode();
        return encoder.getEncodedBuffer().slice();
      } finally {
        encoder.delete();
      }
    }
    default:
      throw new RangeError(`encodeDicom: ${syntax} is not an encapsulated syntax`);
  }
}

/** DICOM RLE (PS3.5 Annex G): one PackBits segment per byte plane, most significant byte first. */
export function encodeRle(words: Uint8Array, count: number, spp: number, bytesPerSample: number): Uint8Array {
  const segments: Uint8Array[] = [];
  for (let k = 0; k < spp; k += 1) {
    for (let b = bytesPerSample - 1; b >= 0; b -= 1) {
      const plane = new Uint8Array(count);
      for (let p = 0; p < count; p += 1) plane[p] = words[(p * spp + k) * bytesPerSample + b]!;
      segments.push(packBits(plane));
    }
  }
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((segment, i) => {
    view.setUint32(4 + 4 * i, offset, true);
    offset += segment.length;
  });
  return Buffer.concat([header, ...segments]);
}

function packBits(plane: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < plane.length) {
    let run = 1;
    while (i + run < plane.length && run < 128 && plane[i + run] === plane[i]) run += 1;
    if (run >= 2) {
      out.push((1 - run) & 0xff, plane[i]!);
      i += run;
      continue;
    }
    let literal = 1;
    while (i + literal < plane.length && literal < 128 && !(i + literal + 1 < plane.length && plane[i + literal] === plane[i + literal + 1])) literal += 1;
    out.push(literal - 1, ...plane.subarray(i, i + literal));
    i += literal;
  }
  if (out.length % 2 === 1) out.push(0x80); // segments are padded to even length with a no-op
  return Uint8Array.from(out);
}

/**
 * Lossless JPEG (process 14, first-order prediction: selection value 1), one Huffman table whose 17
 * difference categories all have 5-bit codes.
 */
export function encodeLosslessJpeg(spec: DicomSpec): Uint8Array {
  const precision = Math.max(2, spec.bitsStored);
  const { width, height } = spec;
  const mask = 2 ** precision - 1;
  const bytes: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]): void => {
    bytes.push(0xff, marker, ((body.length + 2) >> 8) & 0xff, (body.length + 2) & 0xff, ...body);
  };
  segment(0xc3, [precision, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  const counts = new Array<number>(16).fill(0);
  counts[4] = 17;
  segment(0xc4, [0x00, ...counts, ...Array.from({ length: 17 }, (_, k) => k)]);
  segment(0xda, [1, 1, 0x00, 1, 0, 0]);
  let acc = 0;
  let nbits = 0;
  const put = (value: number, length: number): void => {
    for (let b = length - 1; b >= 0; b -= 1) {
      acc = (acc << 1) | ((value >> b) & 1);
      nbits += 1;
      if (nbits === 8) {
        bytes.push(acc);
        if (acc === 0xff) bytes.push(0);
        acc = 0;
        nbits = 0;
      }
    }
  };
  const at = (x: number, y: number): number => spec.values[y * width + x]! & mask;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const prediction = x === 0 && y === 0 ? 2 ** (precision - 1) : x === 0 ? at(0, y - 1) : at(x - 1, y);
      let diff = (at(x, y) - prediction) % 65536;
      if (diff > 32768) diff -= 65536;
      if (diff < -32767) diff += 65536;
      const magnitude = Math.abs(diff);
      const category = magnitude === 0 ? 0 : magnitude === 32768 ? 16 : Math.floor(Math.log2(magnitude)) + 1;
      put(category, 5);
      if (category > 0 && category < 16) put(diff < 0 ? (diff - 1) & ((1 << category) - 1) : diff, category);
    }
  }
  if (nbits > 0) put(0x7f, 8 - nbits); // pad with 1-bits
  bytes.push(0xff, 0xd9);
  return Uint8Array.from(bytes);
}

/** The stored values, photometric interpretation and VOI that give back 8-bit `pixels` exactly, for variant `k` (0-5). */
export function dicomVariant(pixels: ArrayLike<number>, k: number): Omit<DicomSpec, 'width' | 'height'> {
  const v = Array.from(pixels);
  switch (((k % 6) + 6) % 6) {
    case 0: // 12-bit in 16, the window [8, 4088] back onto 0..255
      return { values: v.map((x) => 16 * x + 8), bitsStored: 12, syntax: 'explicit', window: { center: 2048.5, width: 4081 }, viewPosition: 'PA', modality: 'DX' };
    case 1: // MONOCHROME1 (inverted) 12-bit, JPEG 2000
      return { values: v.map((x) => 4095 - 16 * x), bitsStored: 12, photometric: 'MONOCHROME1', syntax: 'jpeg-2000', window: { center: 2055.5, width: 4081 }, viewPosition: 'PA', modality: 'DX' };
    case 2: // 16-bit, JPEG-LS, a VOI LUT
      return {
        values: v.map((x) => 256 * x + 128),
        bitsStored: 16,
        syntax: 'jpeg-ls',
        voiLut: { first: 0, bits: 16, data: Array.from({ length: 65536 }, (_, i) => 257 * Math.min(255, Math.floor(i / 256))) },
        viewPosition: 'AP',
        modality: 'CR',
      };
    case 3: // 8-bit, RLE, the identity window
      return { values: v, bitsStored: 8, syntax: 'rle', window: { center: 128, width: 256 }, viewPosition: 'PA', modality: 'CR' };
    case 4: // 10-bit, implicit VR, rescaled to 4x - 800, then the window [-800, 220] back onto 0..255
      return { values: v.map((x) => 2 * x + 100), bitsStored: 10, syntax: 'implicit', rescale: { slope: 2, intercept: -1000 }, window: { center: -289.5, width: 1021 }, viewPosition: 'PA', modality: 'DX' };
    default: // signed 8-bit, deflated
      return { values: v.map((x) => x - 128), bitsStored: 8, signed: true, syntax: 'deflate', window: { center: 0, width: 256 }, viewPosition: 'PA', modality: 'DX' };
  }
}

/**
 * Writes a DICOM copy of every .jpeg/.jpg/.png under `from` into `to`, same folders: each file's
 * grey pixels as one of six DICOM variants (uncompressed 12-bit, MONOCHROME1 JPEG 2000, 16-bit
 * JPEG-LS with a VOI LUT, RLE, rescaled implicit VR, signed deflated), chosen in turn, every one
 * decoding back to the same 8-bit pixels. Even files get `.dcm`, odd ones no extension; the Patient
 * ID is the file's group (`personN`, else the stem). `limit` caps the files per folder.
 * @returns the number of files written.
 */
export async function writeDicomDataset(from: string, to: string, options: { readonly limit?: number; readonly decode?: (path: string) => Promise<{ pixels: Uint8Array; width: number; height: number }> } = {}): Promise<number> {
  const { readdir, mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const decode = options.decode ?? (async (path: string) => (await import('../lib/decode-image.js')).decodeImageAtSourceSize(path));
  let written = 0;
  const walk = async (dir: string, out: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let taken = 0;
    for (const entry of entries) {
      if (entry.isDirectory()) {
        await walk(join(dir, entry.name), join(out, entry.name));
        continue;
      }
      if (!/\.(jpe?g|png)$/i.test(entry.name) || taken >= (options.limit ?? Infinity)) continue;
      const image = await decode(join(dir, entry.name));
      const stem = entry.name.replace(/\.[^.]+$/, '');
      const person = /^(person\d+)_/i.exec(stem);
      const spec = { width: image.width, height: image.height, patientId: person ? person[1]!.toLowerCase() : stem, ...dicomVariant(image.pixels, written) };
      await mkdir(out, { recursive: true });
      await writeFile(join(out, written % 2 === 0 ? `${stem}.dcm` : stem), await encodeDicom(spec));
      written += 1;
      taken += 1;
    }
  };
  await walk(from, to);
  return written;
}
