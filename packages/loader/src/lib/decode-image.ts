import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import sharp, { type Metadata } from 'sharp';
import type { SourceInfo } from './types.js';
import { checkInteger, checkOneOf } from './internal/validate.js';
import { UsageError } from './usage-error.js';
import { decodeDicom, dicomSettingsKey } from './internal/decode-dicom.js';
import { isDicom } from './internal/dicom.js';
import { lumaRec601 } from './resize-grey.js';

/** How an image is turned into a square grey sample. */
export interface DecodeSettings {
  /** Side of the square output in pixels. Default 224. */
  readonly size: number;
  /** `fill` stretches to the square (default, as the original Keras notebook did); `contain` keeps the aspect ratio and pads with black. */
  readonly fit: 'fill' | 'contain';
  /** Largest accepted `width * height` of a source image (a decompression-bomb guard). Default 100 megapixels. */
  readonly maxPixels: number;
}

/** The defaults of {@link DecodeSettings}, filled in one place. */
export const DEFAULT_DECODE_SETTINGS: DecodeSettings = Object.freeze({ size: 224, fit: 'fill', maxPixels: 100_000_000 });

/** Largest output side accepted by the decoder. */
export const MAX_DECODE_SIZE = 4096;

/** A decoded grey image without its record. */
export interface DecodedImage {
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** Present when `decodeImage(..., { metadata: true })`. */
  readonly source?: SourceInfo;
}

/** The error {@link decodeImage} throws for a file it cannot use; `reason` is the one-line cause. */
export interface DecodeError extends UsageError {
  readonly path: string;
  readonly reason: string;
}

/**
 * Checks and completes decode settings; throws a TypeError/RangeError naming `stage` and the bad value.
 * @internal exported for the stage and the cache key.
 */
export function resolveDecodeSettings(settings: Partial<DecodeSettings> = {}, stage = 'decodeImages'): DecodeSettings {
  const size = checkInteger(stage, 'size', settings.size ?? DEFAULT_DECODE_SETTINGS.size, 1, MAX_DECODE_SIZE);
  const fit = checkOneOf(stage, 'fit', settings.fit ?? DEFAULT_DECODE_SETTINGS.fit, ['fill', 'contain'] as const);
  const maxPixels = checkInteger(stage, 'maxPixels', settings.maxPixels ?? DEFAULT_DECODE_SETTINGS.maxPixels, 1, 2 ** 40);
  return { size, fit, maxPixels };
}

/** Version of the decode recipe below; bump it whenever the produced pixels change. */
const RECIPE_VERSION = 1;

/**
 * A stable string naming everything that determines the decoded pixels, for cache keys.
 *
 * Two settings objects give the same key exactly when they decode every file to the same pixels:
 * it covers size, fit, the recipe (grey luma, EXIF orientation, ICC ignored, resize kernel), the
 * sharp/libvips versions, and the DICOM rules (modality and VOI transforms, MONOCHROME1, padding) with
 * the versions of the DICOM parser and codecs; it leaves out `maxPixels`, which only decides which
 * files are rejected.
 *
 * @example
 * ```ts
 * decodeSettingsKey({ size: 224 }); // 'cxr-decode-v1;size=224;fit=fill;grey=rec601;...;sharp=0.35.5;vips=8.18.7;dicom=v1;...'
 * ```
 * @throws TypeError/RangeError for invalid settings.
 */
export function decodeSettingsKey(settings: Partial<DecodeSettings> = {}): string {
  const s = resolveDecodeSettings(settings, 'decodeSettingsKey');
  const versions = sharp.versions as { sharp?: string; vips?: string };
  return [
    `cxr-decode-v${RECIPE_VERSION}`,
    `size=${s.size}`,
    `fit=${s.fit}`,
    'grey=rec601',
    'icc=ignore',
    'orient=exif',
    'kernel=lanczos3',
    `sharp=${versions.sharp ?? 'unknown'}`,
    `vips=${versions.vips ?? 'unknown'}`,
    dicomSettingsKey(),
  ].join(';');
}

/** Default number of decodes in flight: the machine's cores. */
export function defaultConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Decodes one image file to a `size x size` grey uint8 image, exactly as {@link decodeImages} does.
 *
 * The same recipe serves training, prediction and Grad-CAM: EXIF orientation applied, embedded ICC
 * profiles ignored (as PIL and TensorFlow do), transparency flattened onto black, colour (RGB, CMYK, palette, 16-bit)
 * reduced to Rec. 601 luma on 8-bit values (as PIL's `convert('L')` and libjpeg do), then resized
 * (Lanczos3; `fit: 'contain'` pads with black).
 *
 * @example
 * ```ts
 * const { pixels, width, height } = await decodeImage('/data/test/NORMAL/IM-0001-0001.jpeg', { size: 224 });
 * ```
 * @throws a {@link DecodeError} (`code: 'CXR_USAGE'`, with `path` and `reason`) when the file is missing,
 *   unreadable, empty, not an image, corrupt, truncated or larger than `maxPixels`; TypeError/RangeError
 *   for invalid settings.
 */
export async function decodeImage(
  path: string,
  settings: Partial<DecodeSettings> & { readonly metadata?: boolean } = {},
): Promise<DecodedImage> {
  const s = resolveDecodeSettings(settings, 'decodeImage');
  const result = await decodeFile(path, s, settings.metadata === true);
  if ('reason' in result) throw decodeError(path, result.reason);
  return result;
}

/**
 * Decodes one image file to grey uint8 at its own size: the recipe of {@link decodeImage} (EXIF
 * orientation applied, ICC profiles ignored, transparency flattened onto black, Rec. 601 luma on
 * 8-bit values) without the resize. For showing results over the image as it is, e.g. a Grad-CAM
 * overlay at the X-ray's own resolution.
 *
 * @example
 * ```ts
 * const { pixels, width, height } = await decodeImageAtSourceSize('/data/test/NORMAL/IM-0001-0001.jpeg');
 * ```
 * @param options - `maxPixels`: the largest accepted `width * height` (default 100 megapixels, as {@link DEFAULT_DECODE_SETTINGS}).
 * @throws a {@link DecodeError} for a file {@link decodeImage} would reject; RangeError for a bad `maxPixels`.
 */
export async function decodeImageAtSourceSize(path: string, options: { readonly maxPixels?: number } = {}): Promise<DecodedImage> {
  const s = resolveDecodeSettings(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }, 'decodeImageAtSourceSize');
  const result = await decodeFile(path, s, false, true);
  if ('reason' in result) throw decodeError(path, result.reason);
  return result;
}

/** Builds the error thrown for a rejected file. */
export function decodeError(path: string, reason: string): DecodeError {
  return Object.assign(new UsageError(`Cannot use image ${path}: ${reason}.`), { path, reason });
}

/**
 * Decodes a file, returning a `{ reason }` instead of throwing for any bad file.
 * @internal shared by decodeImage and decodeImages.
 */
export async function decodeFile(
  path: string,
  s: DecodeSettings,
  metadata: boolean,
  atSourceSize = false,
): Promise<DecodedImage | { readonly reason: string }> {
  try {
    // One read of the whole file; its first bytes tell an 8-bit grey JPEG or PNG (nearly every
    // X-ray), which libvips then decodes straight to one channel (see decodeInput).
    const bytes = await readFile(path);
    // A DICOM file, whatever its name: its own pixel pipeline to 8-bit grey, then the same resize.
    if (isDicom(bytes)) return await decodeDicom(bytes, s, metadata, atSourceSize);
    if (bytes.length > 0 && /\.(dcm|dicom)$/i.test(path)) return { reason: 'not a DICOM file (no DICM marker after the 128-byte preamble)' };
    return await decodeInput(bytes, s, metadata, isEightBitGrey(bytes), atSourceSize);
  } catch (error) {
    // Only now look at the file, to name the cause in plain words.
    let info;
    try {
      info = await stat(path);
    } catch (statError) {
      return { reason: fileErrorReason(statError) };
    }
    if (!info.isFile()) return { reason: 'not a regular file' };
    if (info.size === 0) return { reason: 'empty file (0 bytes)' };
    try {
      await access(path, constants.R_OK);
    } catch (accessError) {
      return { reason: fileErrorReason(accessError) };
    }
    return { reason: imageErrorReason(error, s.maxPixels) };
  }
}

/**
 * Runs the sharp recipe on encoded bytes; throws sharp's error for bad data.
 *
 * sharp writes sRGB by default, so a grey source would come out as three equal channels that
 * {@link toGrey} folds back, a round trip that cost ~15% of the CPU of a small X-ray. For a
 * source known to be 8-bit grey (`grey`), the output stays in libvips' grey space instead: the
 * same pixels (luma of three equal channels is that channel), one channel, no conversion.
 * Colour, 16-bit and other sources keep the sRGB path and the exact Rec. 601 luma below.
 */
async function decodeInput(input: Buffer, s: DecodeSettings, metadata: boolean, grey: boolean, atSourceSize = false): Promise<DecodedImage> {
  const image = sharp(input, { failOn: 'warning', limitInputPixels: s.maxPixels, ignoreIcc: true, autoOrient: true, sequentialRead: true });
  const source = metadata ? sourceInfo(await image.metadata()) : undefined;
  const flat = image.flatten({ background: { r: 0, g: 0, b: 0 } });
  const resized = atSourceSize ? flat : flat.resize(s.size, s.size, { fit: s.fit, background: { r: 0, g: 0, b: 0, alpha: 1 } });
  const { data, info } = await (grey ? resized.toColourspace('b-w') : resized).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  // The output is size x size by construction (or the source's own size); its length tells 1 (grey) or 3 (colour) channels.
  const height = atSourceSize ? info.height : s.size;
  const width = atSourceSize ? info.width : s.size;
  const count = height * width;
  if (data.length % count !== 0) throw new Error(`unexpected output of ${data.length} bytes for ${width}x${height}`);
  const pixels = toGrey(data, data.length / count, count);
  return source ? { pixels, height, width, source } : { pixels, height, width };
}

/**
 * True when the bytes start an 8-bit single-channel JPEG (one component in its frame header) or
 * an 8-bit grey PNG (colour type 0, or 4 with alpha). Anything else, or a header it cannot
 * follow, is false: those files take the general sRGB path, which is always correct.
 *
 * @example
 * ```ts
 * isEightBitGrey(await readFile('/data/test/NORMAL/IM-0001-0001.jpeg')); // true for a grey X-ray
 * ```
 */
export function isEightBitGrey(bytes: Uint8Array): boolean {
  if (bytes.length >= 26 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    // PNG: the IHDR chunk comes first; bit depth at byte 24, colour type at byte 25.
    return bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52 && bytes[24] === 8 && (bytes[25] === 0 || bytes[25] === 4);
  }
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return false;
  // JPEG: walk the marker segments up to the frame header (SOF0-SOF15 but DHT, JPG and DAC).
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return false;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return bytes[i + 4] === 8 && bytes[i + 9] === 1; // sample precision, number of components
    }
    if (marker === 0xda || marker === 0xd9) return false; // scan or end before any frame header
    i += 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
  }
  return false;
}

/** Reduces interleaved 8-bit pixels to one grey channel (Rec. 601 luma, as PIL and libjpeg do). */
function toGrey(data: Buffer, channels: number, count: number): Uint8Array {
  if (channels === 1) return new Uint8Array(data.buffer, data.byteOffset, count);
  const out = new Uint8Array(count);
  if (channels === 3) {
    for (let i = 0, j = 0; i < count; i += 1, j += 3) {
      // Fixed-point ITU-R 601-2 luma with rounding, the formula PIL uses for convert('L').
      out[i] = lumaRec601(data[j]!, data[j + 1]!, data[j + 2]!);
    }
    return out;
  }
  throw new Error(`unexpected channel count ${channels} after decoding`);
}

/** Maps sharp's metadata to the audit's view of the source file. */
function sourceInfo(m: Metadata): SourceInfo {
  const sixteen = m.depth === 'ushort' || m.depth === 'short';
  let mode: string;
  if (m.isPalette === true) mode = 'palette';
  else if (m.space === 'cmyk') mode = 'cmyk';
  else if (m.channels === 1 || m.channels === 2) mode = m.hasAlpha === true ? 'grey+alpha' : 'grey';
  else mode = m.hasAlpha === true ? 'rgba' : 'rgb';
  if (sixteen && mode !== 'palette') mode = mode.replace(/^(grey|rgb|cmyk)/, '$116');
  return {
    format: m.format ?? 'unknown',
    width: m.width ?? 0,
    height: m.height ?? 0,
    mode,
    hasIccProfile: m.hasProfile === true,
    orientation: m.orientation ?? 1,
  };
}

/** One-line reason for a file-system error. */
function fileErrorReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (cannot read the file)';
    case 'EISDIR':
      return 'not a regular file';
    default:
      return `cannot read the file (${typeof code === 'string' ? code : firstLine(error)})`;
  }
}

/** One-line reason for a decoding error from sharp/libvips. */
function imageErrorReason(error: unknown, maxPixels: number): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  // Prefer the decoder's own words (e.g. "VipsJpeg: premature end of JPEG image") over sharp's summary.
  const detail = lines.find((l) => /^vips|jpeg|png|corrupt|premature|bogus/i.test(l) && !/failOn setting/i.test(l));
  const message = clip(detail ?? lines[0] ?? 'unknown error');
  const lower = text.toLowerCase();
  if (lower.includes('pixel limit')) return `too many pixels (more than the limit of ${maxPixels})`;
  if (lower.includes('unsupported image format')) return 'not an image (unsupported or unrecognised format)';
  if (lower.includes('empty')) return 'empty file (0 bytes)';
  if (lower.includes('corrupt header')) return `corrupt image header (${message.replace(/^.*corrupt header:\s*/i, '')})`;
  if (/premature end|truncated|unexpected end/.test(lower)) return `truncated image data (${message})`;
  if (detail === undefined && lower.includes('failon')) return 'corrupt or truncated image data (the decoder reported damaged data)';
  return `corrupt image data (${message})`;
}

function clip(line: string): string {
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'unknown error';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
