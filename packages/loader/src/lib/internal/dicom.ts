import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import type { DicomSourceInfo } from '../types.js';
import { decodeFrame, PixelDataError, TRANSFER_SYNTAXES, UNSUPPORTED_SYNTAX_NAMES, type FrameCodecs, type FrameShape } from './dicom-codecs.js';
import { renderGrey, type GreyParameters, type Lut, type Voi, type WindowFunction } from './dicom-grey.js';

/**
 * True when the bytes are a DICOM Part 10 file: a 128-byte preamble, then `DICM`.
 *
 * @example
 * ```ts
 * isDicom(await readFile('scans/IM0001')); // true for a DICOM file, whatever its name
 * ```
 */
export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** A DICOM file that cannot be used; `message` is the one-line reason. */
export class DicomError extends Error {}

/**
 * What the DICOM reader needs from its platform (Node: `dicom-node.ts`; browsers: the loader's
 * browser entry): the frame codecs, and raw inflation of a deflated data set.
 */
export interface DicomPlatform {
  readonly codecs: FrameCodecs;
  /** Inflates raw deflate data; rejects with a RangeError when the result would pass `limit` bytes. */
  inflateRaw(bytes: Uint8Array, limit: number): Promise<Uint8Array>;
}

/** Modalities whose objects are not images (reports, presentation states, waveforms, plans...). */
const NON_IMAGE_MODALITIES = new Set(['SR', 'PR', 'KO', 'DOC', 'REG', 'RTSTRUCT', 'RTPLAN', 'RTRECORD', 'ECG', 'HD', 'AU', 'EPS', 'RWV', 'FID', 'PLAN', 'SEG']);

/** A DICOM image rendered to 8-bit grey at its own size. */
export interface DicomGrey {
  readonly pixels: Uint8Array;
  /** Size of `pixels`: the image's own, or smaller for a JPEG 2000 frame decoded at a lower resolution level. */
  readonly width: number;
  readonly height: number;
  /** The image's own size (Columns x Rows). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly info: DicomSourceInfo;
}

/**
 * Parses a DICOM file (dicom-parser), decodes its pixel data and renders it to 8-bit grey.
 * @throws DicomError with a one-line reason for anything it cannot use.
 */
export async function readDicomGrey(platform: DicomPlatform, bytes: Uint8Array, maxPixels: number, target?: number): Promise<DicomGrey> {
  const data = await parse(platform, bytes, maxPixels);
  const modality = dicomText(data, 'x00080060');
  const pixelElement = data.elements.x7fe00010;
  if (modality !== undefined && NON_IMAGE_MODALITIES.has(modality.toUpperCase())) throw new DicomError(`not an image (DICOM modality ${modality})`);
  if (pixelElement === undefined) throw new DicomError(`no pixel data (a DICOM object without an image${modality === undefined ? '' : `, modality ${modality}`})`);

  const uid = dicomText(data, 'x00020010') ?? '';
  const syntax = TRANSFER_SYNTAXES[uid];
  if (syntax === undefined) {
    const name = UNSUPPORTED_SYNTAX_NAMES[uid];
    throw new DicomError(`unsupported DICOM transfer syntax ${name === undefined ? uid || '(none given)' : `${name} (${uid})`}`);
  }
  const frames = Number.parseInt(dicomText(data, 'x00280008') ?? '1', 10);
  if (Number.isFinite(frames) && frames > 1) throw new DicomError(`multi-frame DICOM (${frames} frames); give one image per file`);

  const rows = data.uint16('x00280010') ?? 0;
  const columns = data.uint16('x00280011') ?? 0;
  if (rows === 0 || columns === 0) throw new DicomError('no image size in the DICOM header (Rows/Columns missing or 0)');
  if (rows * columns > maxPixels) throw new DicomError(`too many pixels (${columns}x${rows}, more than the limit of ${maxPixels})`);
  const samplesPerPixel = data.uint16('x00280002') ?? 1;
  const photometric = (dicomText(data, 'x00280004') ?? '').toUpperCase();
  const bitsAllocated = data.uint16('x00280100') ?? 0;
  const bitsStored = data.uint16('x00280101') ?? bitsAllocated;
  const highBit = data.uint16('x00280102') ?? bitsStored - 1;
  const signed = (data.uint16('x00280103') ?? 0) === 1;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new DicomError(`unsupported DICOM BitsAllocated ${bitsAllocated} (8 or 16 are read)`);
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new DicomError(`inconsistent DICOM bit depth (BitsAllocated ${bitsAllocated}, BitsStored ${bitsStored}, HighBit ${highBit})`);
  }
  const monochrome = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
  const colour = photometric === 'RGB' || photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422' || photometric === 'YBR_ICT' || photometric === 'YBR_RCT';
  if (!monochrome && !colour) throw new DicomError(`unsupported DICOM photometric interpretation ${photometric || '(none given)'}`);
  if (monochrome && samplesPerPixel !== 1) throw new DicomError(`${photometric} with ${samplesPerPixel} samples per pixel`);
  if (colour && (samplesPerPixel !== 3 || bitsAllocated !== 8)) throw new DicomError(`unsupported ${photometric} DICOM (${samplesPerPixel} samples of ${bitsAllocated} bits)`);

  const shape: FrameShape = { rows, columns, samplesPerPixel, bitsAllocated, bitsStored, signed };
  let count = rows * columns;
  let width = columns;
  let height = rows;
  let words: Uint8Array | Uint16Array | Int16Array | Int8Array;
  let rgb = false;
  let shift = highBit + 1 - bitsStored;
  if (syntax.encoding === 'native') {
    if (pixelElement.encapsulatedPixelData === true) throw new DicomError(`compressed pixel data in a ${syntax.name} file`);
    words = nativeWords(data, pixelElement, shape, syntax.bigEndian === true);
    if (photometric === 'YBR_FULL_422') throw new DicomError('uncompressed YBR_FULL_422 DICOM is not supported');
    if (colour && photometric !== 'RGB' && photometric !== 'YBR_FULL') throw new DicomError(`uncompressed ${photometric} DICOM is not supported`);
    if (colour && (data.uint16('x00280006') ?? 0) === 1) words = interleave(words as Uint8Array, count);
  } else {
    const fragments = pixelElement.fragments;
    if (pixelElement.encapsulatedPixelData !== true || fragments === undefined || fragments.length === 0) {
      throw new DicomError(`the pixel data of a ${syntax.name} file is not encapsulated`);
    }
    let encoded: Uint8Array;
    try {
      encoded = dicomParser.readEncapsulatedPixelDataFromFragments(data, pixelElement, 0, fragments.length) as Uint8Array;
    } catch (error) {
      throw new DicomError(`truncated or damaged DICOM pixel data (${oneLine(error)})`);
    }
    try {
      const frame = await decodeFrame(platform.codecs, syntax.encoding, encoded, shape, target);
      words = frame.samples;
      if (frame.reduced !== undefined) {
        ({ width, height } = frame.reduced);
        count = width * height;
      }
      rgb = frame.rgb || (colour && syntax.encoding !== 'rle');
    } catch (error) {
      if (error instanceof PixelDataError) throw new DicomError(error.message);
      throw error;
    }
    shift = 0; // decoders return the values themselves
    if (colour && syntax.encoding === 'rle' && photometric !== 'RGB' && photometric !== 'YBR_FULL') throw new DicomError(`RLE ${photometric} DICOM is not supported`);
  }

  const info: DicomSourceInfo = {
    modality: modality ?? 'unknown',
    photometricInterpretation: photometric,
    bitsAllocated,
    bitsStored,
    signed,
    transferSyntax: syntax.name,
    transferSyntaxUid: uid,
    viewPosition: (dicomText(data, 'x00185101') ?? '').toUpperCase() || 'unknown',
    voi: 'none',
  };
  if (colour) {
    const ybr = !rgb && photometric === 'YBR_FULL';
    return { pixels: colourToGrey(words as Uint8Array, count, ybr), width, height, sourceWidth: columns, sourceHeight: rows, info };
  }
  const { pixels, voi } = renderGrey(words, count, greyParameters(data, shape, shift, photometric === 'MONOCHROME1'));
  return { pixels, width, height, sourceWidth: columns, sourceHeight: rows, info: { ...info, voi } };
}

/** A deflated data set met by the parser: where its deflated part starts. */
class NeedsInflating {
  constructor(readonly position: number) {}
}

/**
 * Parses the file. A deflated data set is inflated (with a bound derived from the pixel limit) by
 * the platform, which may be asynchronous, and the file parsed again with the inflated bytes.
 */
async function parse(platform: DicomPlatform, bytes: Uint8Array, maxPixels: number): Promise<DataSet> {
  const limit = Math.min(2 ** 31 - 1, maxPixels * 6 + 16 * 2 ** 20);
  try {
    return parseWith(bytes, (_array, position) => {
      throw new NeedsInflating(position);
    });
  } catch (error) {
    if (!(error instanceof NeedsInflating)) throw error;
    let inflated: Uint8Array;
    try {
      inflated = await platform.inflateRaw(bytes.subarray(error.position), limit);
    } catch (cause) {
      throw new DicomError(cause instanceof RangeError ? `the deflated DICOM data set inflates to more than ${limit} bytes` : `damaged deflated DICOM data (${oneLine(cause)})`);
    }
    const full = new Uint8Array(error.position + inflated.length);
    full.set(bytes.subarray(0, error.position), 0);
    full.set(inflated, error.position);
    return parseWith(bytes, () => full);
  }
}

function parseWith(bytes: Uint8Array, inflater: (array: Uint8Array, position: number) => Uint8Array): DataSet {
  try {
    return dicomParser.parseDicom(bytes, { inflater } as unknown as dicomParser.ParseDicomOptions);
  } catch (error) {
    if (error instanceof DicomError || error instanceof NeedsInflating) throw error;
    const inner = (error as { exception?: unknown }).exception;
    if (inner instanceof DicomError || inner instanceof NeedsInflating) throw inner;
    const cause = oneLine(inner ?? error);
    if (/overrun|beyond|end of|truncat|outside/i.test(cause)) throw new DicomError(`truncated DICOM file (${cause})`);
    throw new DicomError(`corrupt DICOM file (${cause})`);
  }
}

/** The sample words of uncompressed pixel data, checked for length. */
function nativeWords(data: DataSet, element: Element, shape: FrameShape, bigEndian: boolean): Uint8Array | Uint16Array {
  const count = shape.rows * shape.columns * shape.samplesPerPixel;
  const bytesPerSample = shape.bitsAllocated / 8;
  const needed = count * bytesPerSample;
  const available = Math.min(element.length, data.byteArray.length - element.dataOffset);
  if (available < needed) throw new DicomError(`truncated DICOM pixel data (${Math.max(0, available)} of ${needed} bytes)`);
  const raw = data.byteArray.subarray(element.dataOffset, element.dataOffset + needed);
  if (bytesPerSample === 1) return raw;
  const copy = new Uint8Array(needed);
  copy.set(raw);
  if (bigEndian) for (let i = 0; i < needed; i += 2) [copy[i], copy[i + 1]] = [copy[i + 1]!, copy[i]!];
  return new Uint16Array(copy.buffer, 0, count);
}

/** Planar (RRR..GGG..BBB..) to interleaved samples. */
function interleave(planar: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * 3);
  for (let k = 0; k < 3; k += 1) for (let p = 0; p < count; p += 1) out[p * 3 + k] = planar[k * count + p]!;
  return out;
}

/** Rec. 601 luma of RGB (as the JPEG path), or the Y of YBR_FULL, which is that luma. */
function colourToGrey(samples: Uint8Array, count: number, ybr: boolean): Uint8Array {
  const out = new Uint8Array(count);
  if (ybr) {
    for (let i = 0; i < count; i += 1) out[i] = samples[i * 3]!;
    return out;
  }
  for (let i = 0, j = 0; i < count; i += 1, j += 3) out[i] = (samples[j]! * 19595 + samples[j + 1]! * 38470 + samples[j + 2]! * 7471 + 0x8000) >>> 16;
  return out;
}

/** Reads the modality and VOI attributes of a monochrome image. */
function greyParameters(data: DataSet, shape: FrameShape, shift: number, monochrome1: boolean): GreyParameters {
  const slope = decimal(data, 'x00281053', 0) ?? 1;
  const intercept = decimal(data, 'x00281052', 0) ?? 0;
  const modalityLut = lutOf(data.elements.x00283000, shape.signed);
  const voiLut = lutOf(data.elements.x00283010, shape.signed);
  let voi: Voi | undefined;
  if (voiLut !== undefined) voi = { kind: 'lut', lut: voiLut };
  else {
    const center = decimal(data, 'x00281050', 0);
    const width = decimal(data, 'x00281051', 0);
    const fnText = (dicomText(data, 'x00281056') ?? 'LINEAR').toUpperCase();
    const fn: WindowFunction = fnText === 'SIGMOID' || fnText === 'LINEAR_EXACT' ? fnText : 'LINEAR';
    if (center !== undefined && width !== undefined) voi = { kind: 'window', center, width, function: fn };
  }
  const padValue = storedNumber(data, 'x00280120', shape.signed);
  const padLimit = storedNumber(data, 'x00280121', shape.signed);
  const padding: [number, number] | undefined =
    padValue === undefined ? undefined : padLimit === undefined ? [padValue, padValue] : [Math.min(padValue, padLimit), Math.max(padValue, padLimit)];
  return {
    bitsStored: shape.bitsStored,
    signed: shape.signed,
    shift,
    slope: slope !== 0 && Number.isFinite(slope) ? slope : 1,
    intercept: Number.isFinite(intercept) ? intercept : 0,
    ...(modalityLut === undefined ? {} : { modalityLut }),
    ...(voi === undefined ? {} : { voi }),
    monochrome1,
    ...(padding === undefined ? {} : { padding }),
  };
}

/** The first item of a Modality or VOI LUT sequence, when it is well formed. */
function lutOf(sequence: Element | undefined, signed: boolean): Lut | undefined {
  const item = sequence?.items?.[0]?.dataSet;
  if (item === undefined) return undefined;
  const descriptor = item.elements.x00283002;
  const lutData = item.elements.x00283006;
  if (descriptor === undefined || lutData === undefined || descriptor.length < 6) return undefined;
  const declared = item.uint16('x00283002', 0) ?? 0;
  const entries = declared === 0 ? 65536 : declared;
  let first = item.uint16('x00283002', 1) ?? 0;
  if (signed && first > 32767) first -= 65536;
  const bits = item.uint16('x00283002', 2) ?? 16;
  const values = new Float64Array(entries);
  if (lutData.length >= entries * 2) {
    for (let i = 0; i < entries; i += 1) values[i] = item.uint16('x00283006', i) ?? 0;
  } else if (bits <= 8 && lutData.length >= entries) {
    for (let i = 0; i < entries; i += 1) values[i] = item.byteArray[lutData.dataOffset + i]!;
  } else {
    return undefined;
  }
  return { first, data: values };
}

/** A text attribute, trimmed; undefined when absent or blank. */
export function dicomText(data: DataSet, tag: string): string | undefined {
  const value = data.string(tag);
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The `index`th value of a decimal string (DS), when it is a finite number. */
function decimal(data: DataSet, tag: string, index: number): number | undefined {
  const value = data.string(tag, index);
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** A US/SS value that holds a stored pixel value (its VR follows PixelRepresentation). */
function storedNumber(data: DataSet, tag: string, signed: boolean): number | undefined {
  const element = data.elements[tag];
  if (element === undefined || element.length < 2) return undefined;
  const value = data.uint16(tag);
  if (value === undefined) return undefined;
  return signed && value > 32767 ? value - 65536 : value;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  const line = message.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'unknown error';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
