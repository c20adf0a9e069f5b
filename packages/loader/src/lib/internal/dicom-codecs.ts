/// <reference path="./jpeg-lossless-decoder-js.d.ts" />
import { Decoder as LosslessJpegDecoder } from 'jpeg-lossless-decoder-js';

// The pixel codecs of the DICOM path that run anywhere (Node and browsers): RLE, lossless JPEG, and
// the calls into the cornerstone WASM codecs (JPEG-LS, JPEG 2000). What differs by platform (the
// JPEG baseline decoder and how a WASM codec is loaded) comes in as a {@link FrameCodecs}.

/** How the pixel data of a transfer syntax is stored. */
export type PixelEncoding = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000';

/** A transfer syntax the decoder reads: its short name (as the audit shows it) and pixel encoding. */
export interface TransferSyntax {
  readonly name: string;
  readonly encoding: PixelEncoding;
  /** Byte order of native pixel data. */
  readonly bigEndian?: boolean;
}

/**
 * The transfer syntaxes radiographs are stored with, by UID. Every other UID (JPEG extended 12-bit,
 * HTJ2K, MPEG/HEVC video, JPIP, ...) is rejected with its UID in the reason.
 */
export const TRANSFER_SYNTAXES: Readonly<Record<string, TransferSyntax>> = Object.freeze({
  '1.2.840.10008.1.2': { name: 'implicit-vr-little-endian', encoding: 'native' },
  '1.2.840.10008.1.2.1': { name: 'explicit-vr-little-endian', encoding: 'native' },
  '1.2.840.10008.1.2.1.99': { name: 'deflated-explicit-vr-little-endian', encoding: 'native' },
  '1.2.840.10008.1.2.2': { name: 'explicit-vr-big-endian', encoding: 'native', bigEndian: true },
  '1.2.840.10008.1.2.5': { name: 'rle-lossless', encoding: 'rle' },
  '1.2.840.10008.1.2.4.50': { name: 'jpeg-baseline', encoding: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.57': { name: 'jpeg-lossless', encoding: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'jpeg-lossless-sv1', encoding: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'jpeg-ls-lossless', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { name: 'jpeg-ls-near-lossless', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { name: 'jpeg-2000-lossless', encoding: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.91': { name: 'jpeg-2000', encoding: 'jpeg-2000' },
});

/** Names of a few UIDs the decoder does not read, for a clearer rejection. */
export const UNSUPPORTED_SYNTAX_NAMES: Readonly<Record<string, string>> = Object.freeze({
  '1.2.840.10008.1.2.4.51': 'JPEG extended 12-bit',
  '1.2.840.10008.1.2.4.201': 'HTJ2K lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG-2 video',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 video',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 video',
  '1.2.840.10008.1.2.4.110': 'HEVC video',
});

/** What the data set says the decoded frame must be. */
export interface FrameShape {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: 8 | 16;
  readonly bitsStored: number;
  readonly signed: boolean;
}

/** A decoded frame: one sample word per pixel and sample, interleaved (R G B R G B ...). */
export interface DecodedFrame {
  /** Sample words; for 16-bit data the low `bitsStored` bits hold the value (sign-extension is the caller's). */
  readonly samples: Uint8Array | Uint16Array | Int16Array | Int8Array;
  /** True when the codec already converted colour to RGB (JPEG baseline). */
  readonly rgb: boolean;
  /** Set when a JPEG 2000 frame was decoded at a lower resolution level (see {@link j2kReduction}). */
  readonly reduced?: { readonly width: number; readonly height: number };
}

/** A problem with the encoded pixel data; `message` is the one-line reason. */
export class PixelDataError extends Error {}

/** The dimensions and precision a JPEG, JPEG-LS or JPEG 2000 code stream declares in its header. */
export function codestreamHeader(bytes: Uint8Array): { width: number; height: number; precision: number; components: number } | undefined {
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0x4f && bytes[2] === 0xff && bytes[3] === 0x51) {
    // JPEG 2000 code stream: SOC then SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz Ssiz...
    if (bytes.length < 4 + 2 + 2 + 32 + 2 + 1) return undefined;
    const u32 = (at: number): number => ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
    const width = u32(8) - u32(16);
    const height = u32(12) - u32(20);
    const components = (bytes[40]! << 8) | bytes[41]!;
    const precision = (bytes[42]! & 0x7f) + 1;
    return { width, height, precision, components };
  }
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    const frame = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7; // SOFn, JPEG-LS SOF55
    if (frame) {
      return { precision: bytes[i + 4]!, height: (bytes[i + 5]! << 8) | bytes[i + 6]!, width: (bytes[i + 7]! << 8) | bytes[i + 8]!, components: bytes[i + 9]! };
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    i += 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
  }
  return undefined;
}

/**
 * Decodes the encoded bytes of one frame (the concatenated fragments) into sample words.
 * Checks the code stream's own header against the data set first, so a codec never allocates more
 * than the frame the pixel limit allowed.
 * @throws PixelDataError with a one-line reason for damaged or mismatching data.
 */
export async function decodeFrame(codecs: FrameCodecs, encoding: Exclude<PixelEncoding, 'native'>, bytes: Uint8Array, shape: FrameShape, target?: number): Promise<DecodedFrame> {
  if (encoding === 'rle') return { samples: decodeRle(bytes, shape), rgb: false };
  const header = codestreamHeader(bytes);
  if (header === undefined) throw new PixelDataError(`damaged ${encodingName(encoding)} pixel data (no frame header)`);
  if (header.width !== shape.columns || header.height !== shape.rows) {
    throw new PixelDataError(`the ${encodingName(encoding)} image is ${header.width}x${header.height} but the DICOM header says ${shape.columns}x${shape.rows}`);
  }
  if (header.components !== shape.samplesPerPixel) {
    throw new PixelDataError(`the ${encodingName(encoding)} image has ${header.components} component(s) but the DICOM header says ${shape.samplesPerPixel}`);
  }
  switch (encoding) {
    case 'jpeg-baseline':
      if (header.precision !== 8) throw new PixelDataError(`${header.precision}-bit JPEG in a JPEG baseline file (only 8-bit is baseline)`);
      return { samples: await codecs.jpegBaseline(bytes, shape), rgb: shape.samplesPerPixel === 3 };
    case 'jpeg-lossless':
      return { samples: decodeJpegLossless(bytes, shape, header.precision), rgb: false };
    case 'jpeg-ls':
      return { samples: await decodeWithCodec(codecs, 'charls', bytes, shape), rgb: false };
    case 'jpeg-2000': {
      const level = target === undefined ? 0 : j2kReduction(bytes, shape.columns, shape.rows, target);
      if (level === 0) return { samples: await decodeWithCodec(codecs, 'openjpeg', bytes, shape), rgb: false };
      const reduced = { width: Math.ceil(shape.columns / 2 ** level), height: Math.ceil(shape.rows / 2 ** level) };
      return { samples: await decodeWithCodec(codecs, 'openjpeg', bytes, shape, level, reduced), rgb: false, reduced };
    }
  }
}

function encodingName(encoding: PixelEncoding): string {
  return { native: 'native', rle: 'RLE', 'jpeg-baseline': 'JPEG', 'jpeg-lossless': 'lossless JPEG', 'jpeg-ls': 'JPEG-LS', 'jpeg-2000': 'JPEG 2000' }[encoding];
}

/**
 * How many wavelet levels of a JPEG 2000 frame to leave out when it is decoded for a `target`-pixel
 * square: the most that keep both sides at least twice the target (as JPEG shrink-on-load keeps at
 * least the target), at most the levels the code stream has (from its COD marker). 0 for a small image.
 */
export function j2kReduction(bytes: Uint8Array, width: number, height: number, target: number): number {
  let levels = 0;
  // Main header: SOC, SIZ, then marker segments up to the first tile (SOT, FF90); COD is FF52.
  let i = 2;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1]!;
    if (marker === 0x90) break;
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (marker === 0x52 && i + 9 < bytes.length) levels = bytes[i + 9]!; // FF52 Lcod(2) Scod, order layers(2) MCT, then the levels
    i += 2 + length;
  }
  let level = 0;
  while (level < levels && Math.min(Math.ceil(width / 2 ** (level + 1)), Math.ceil(height / 2 ** (level + 1))) >= 2 * target) level += 1;
  return level;
}

/** Lossless JPEG (process 14) with jpeg-lossless-decoder-js. */
function decodeJpegLossless(bytes: Uint8Array, shape: FrameShape, precision: number): Uint8Array | Uint16Array {
  if (precision > 16 || precision < 2) throw new PixelDataError(`unsupported lossless JPEG precision ${precision}`);
  let samples;
  try {
    // The decoder looks two bytes ahead and takes the end-of-image marker for the end of the data one
    // pixel early when the last code ends in the last byte; two stuffed 0xFF bytes (1-bits, after the
    // last pixel, never read as pixels) before the marker give it room. The copy owns its whole buffer.
    const end = lastIndexOfEoi(bytes);
    const copy = new Uint8Array(end < 0 ? bytes.length : end + 6);
    if (end < 0) copy.set(bytes);
    else {
      copy.set(bytes.subarray(0, end));
      copy.set([0xff, 0x00, 0xff, 0x00, 0xff, 0xd9], end);
    }
    samples = new LosslessJpegDecoder().decode(copy.buffer, 0, copy.byteLength, precision > 8 ? 2 : 1);
  } catch (error) {
    throw new PixelDataError(`damaged lossless JPEG pixel data (${firstLine(error)})`);
  }
  const expected = shape.rows * shape.columns * shape.samplesPerPixel;
  if (samples.length < expected) throw new PixelDataError(`the lossless JPEG data holds ${samples.length} of ${expected} samples`);
  return samples.subarray(0, expected);
}

/** Where the last end-of-image marker (FF D9) starts, or -1. */
function lastIndexOfEoi(bytes: Uint8Array): number {
  for (let i = bytes.length - 2; i >= Math.max(0, bytes.length - 16); i -= 1) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return i;
  return -1;
}

/** A decoder object of a cornerstone WASM codec (its embind API). */
export interface CodecDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  decodeSubResolution?(level: number, layer: number): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  delete(): void;
}

/** A loaded cornerstone WASM codec module (decoder-only build). */
export interface CodecModule {
  readonly JpegLSDecoder?: new () => CodecDecoder;
  readonly J2KDecoder?: new () => CodecDecoder;
}

/** What a platform gives the DICOM frame decoder. */
export interface FrameCodecs {
  /** Decodes an 8-bit JPEG baseline frame to interleaved samples (RGB for colour), exactly `rows x columns x samplesPerPixel` of them; throws {@link PixelDataError} for damaged data. */
  jpegBaseline(bytes: Uint8Array, shape: FrameShape): Promise<Uint8Array>;
  /** Loads a cornerstone WASM codec once (`charls`: JPEG-LS, `openjpeg`: JPEG 2000). */
  wasmCodec(name: 'charls' | 'openjpeg'): Promise<CodecModule>;
  /** Forgets a codec instance an abort left unusable (the next call loads a fresh one). */
  dropWasmCodec(name: 'charls' | 'openjpeg'): void;
}

/** JPEG-LS (CharLS) or JPEG 2000 (OpenJPEG) through the cornerstone WASM codecs. */
async function decodeWithCodec(
  codecs: FrameCodecs,
  name: 'charls' | 'openjpeg',
  bytes: Uint8Array,
  shape: FrameShape,
  level = 0,
  reduced?: { readonly width: number; readonly height: number },
): Promise<Uint8Array | Uint16Array | Int16Array> {
  const label = name === 'charls' ? 'JPEG-LS' : 'JPEG 2000';
  const module = await codecs.wasmCodec(name);
  const Decoder = name === 'charls' ? module.JpegLSDecoder : module.J2KDecoder;
  if (Decoder === undefined) throw new Error(`the ${name} codec has no decoder`);
  let decoder: CodecDecoder | undefined;
  try {
    decoder = new Decoder();
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    if (level > 0 && decoder.decodeSubResolution !== undefined) decoder.decodeSubResolution(level, 0);
    else decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.width !== shape.columns || info.height !== shape.rows || info.componentCount !== shape.samplesPerPixel) {
      throw new PixelDataError(`the ${label} image decoded to ${info.width}x${info.height}x${info.componentCount}, not the DICOM header's ${shape.columns}x${shape.rows}x${shape.samplesPerPixel}`);
    }
    const decoded = decoder.getDecodedBuffer();
    const count = (reduced === undefined ? shape.rows * shape.columns : reduced.width * reduced.height) * shape.samplesPerPixel;
    const bytesPerSample = info.bitsPerSample > 8 ? 2 : 1;
    if (decoded.length < count * bytesPerSample) throw new PixelDataError(`the ${label} data decoded to ${decoded.length} bytes, ${count * bytesPerSample} expected`);
    // Copy out of the WASM heap before the decoder is deleted.
    const copy = decoded.slice(0, count * bytesPerSample);
    if (bytesPerSample === 1) return copy;
    return info.isSigned === true ? new Int16Array(copy.buffer, 0, count) : new Uint16Array(copy.buffer, 0, count);
  } catch (error) {
    if (error instanceof PixelDataError) throw error;
    // An abort leaves the WASM instance unusable: load a fresh one next time.
    codecs.dropWasmCodec(name);
    throw new PixelDataError(`damaged ${label} pixel data (${firstLine(error)})`);
  } finally {
    try {
      decoder?.delete();
    } catch {
      codecs.dropWasmCodec(name);
    }
  }
}

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header with up to 15 segment offsets, one
 * PackBits segment per byte plane (most significant byte first) of each sample.
 */
export function decodeRle(bytes: Uint8Array, shape: FrameShape): Uint8Array | Uint16Array {
  const count = shape.rows * shape.columns;
  const bytesPerSample = shape.bitsAllocated / 8;
  const segments = bytesPerSample * shape.samplesPerPixel;
  if (bytes.length < 64) throw new PixelDataError('damaged RLE pixel data (no header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getUint32(0, true);
  if (declared !== segments) throw new PixelDataError(`damaged RLE pixel data (${declared} segments, ${segments} expected)`);
  const offsets: number[] = [];
  for (let s = 0; s < segments; s += 1) offsets.push(view.getUint32(4 + 4 * s, true));
  const planes = new Uint8Array(count * segments);
  for (let s = 0; s < segments; s += 1) {
    const start = offsets[s]!;
    const end = s + 1 < segments ? offsets[s + 1]! : bytes.length;
    if (start < 64 || end > bytes.length || end < start) throw new PixelDataError('damaged RLE pixel data (bad segment offsets)');
    const base = s * count;
    let i = start;
    let o = 0;
    // PackBits: a header byte n < 128 copies the next n + 1 bytes, n > 128 repeats the next byte 257 - n times, 128 is a no-op.
    while (i < end && o < count) {
      const n = bytes[i]!;
      i += 1;
      if (n < 128) {
        let run = n + 1;
        if (run > count - o) run = count - o;
        if (run > end - i) run = end - i;
        for (let k = 0; k < run; k += 1) planes[base + o + k] = bytes[i + k]!;
        o += run;
        i += n + 1;
      } else if (n > 128) {
        if (i >= end) break;
        let run = 257 - n;
        if (run > count - o) run = count - o;
        const value = bytes[i]!;
        i += 1;
        for (let k = 0; k < run; k += 1) planes[base + o + k] = value;
        o += run;
      }
    }
    if (o < count) throw new PixelDataError(`truncated RLE pixel data (segment ${s + 1} holds ${o} of ${count} bytes)`);
  }
  // Interleave: sample k of pixel p is built from segments k*bytesPerSample .. (MSB first).
  const spp = shape.samplesPerPixel;
  if (bytesPerSample === 1) {
    if (spp === 1) return planes;
    const out = new Uint8Array(count * spp);
    for (let k = 0; k < spp; k += 1) for (let p = 0; p < count; p += 1) out[p * spp + k] = planes[k * count + p]!;
    return out;
  }
  const out = new Uint16Array(count * spp);
  for (let k = 0; k < spp; k += 1) {
    const hi = planes.subarray(2 * k * count, (2 * k + 1) * count);
    const lo = planes.subarray((2 * k + 1) * count, (2 * k + 2) * count);
    for (let p = 0; p < count; p += 1) out[p * spp + k] = (hi[p]! << 8) | lo[p]!;
  }
  return out;
}

export function firstLine(error: unknown): string {
  if (typeof error === 'number') return 'the codec stopped with an internal error';
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'unknown error';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
