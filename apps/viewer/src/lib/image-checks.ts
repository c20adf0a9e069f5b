/** The image formats the page reads (those `cxr predict` reads). */
export type ImageKind = 'jpeg' | 'png' | 'dicom';

/** The smallest side an X-ray may have: below it, a file is an icon or a thumbnail, not a radiograph. */
export const MIN_XRAY_SIDE = 64;
/** The most elongated X-ray accepted (long side / short side): beyond it, a file is a banner or a strip. */
export const MAX_XRAY_ASPECT = 3;
/** The largest image accepted, in pixels (the loader's decompression-bomb guard, 100 megapixels). */
export const MAX_XRAY_PIXELS = 100_000_000;

const OTHER_FORMATS: readonly (readonly [string, (b: Uint8Array) => boolean])[] = [
  ['a GIF image', (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46],
  ['a WebP image', (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50],
  ['a BMP image', (b) => b[0] === 0x42 && b[1] === 0x4d],
  ['a TIFF image', (b) => (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a)],
  ['a PDF document', (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46],
  ['a ZIP archive', (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04],
];

/**
 * What a file's first bytes say it is: a JPEG, PNG or DICOM file (a 128-byte preamble, then `DICM`)
 * the page reads, or a sentence naming what else it is ("a GIF image", "not an image").
 */
export function sniffImage(bytes: Uint8Array): { readonly kind: ImageKind } | { readonly problem: string } {
  if (bytes.length === 0) return { problem: 'an empty file (0 bytes)' };
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { kind: 'jpeg' };
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 && bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) {
    return { kind: 'png' };
  }
  if (bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d) return { kind: 'dicom' };
  const other = OTHER_FORMATS.find(([, test]) => test(bytes));
  return { problem: other ? `${other[0]}, not a JPEG, PNG or DICOM file` : 'not an image (neither JPEG, PNG nor DICOM)' };
}

/**
 * True when the data stops before the image's end marker: a JPEG without its end-of-image marker
 * (FF D9, trailing padding allowed) or a PNG without its IEND chunk. Browsers draw such files with
 * the missing part grey; the loader rejects them, and so does the page.
 */
export function isTruncated(bytes: Uint8Array, kind: Exclude<ImageKind, 'dicom'>): boolean {
  let end = bytes.length;
  if (kind === 'jpeg') {
    while (end > 2 && (bytes[end - 1] === 0x00 || bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d || bytes[end - 1] === 0x20)) end -= 1;
    return !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9);
  }
  // PNG: ... "IEND" + 4-byte CRC at the very end.
  return !(end >= 12 && bytes[end - 8] === 0x49 && bytes[end - 7] === 0x45 && bytes[end - 6] === 0x4e && bytes[end - 5] === 0x44);
}

/** Why an image of `width x height` pixels is not X-ray sized, or undefined when it is. */
export function xraySizeProblem(width: number, height: number): string | undefined {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  if (width * height > MAX_XRAY_PIXELS) return `${width}x${height} pixels is more than the ${MAX_XRAY_PIXELS / 1_000_000} megapixels an X-ray may have`;
  if (short < MIN_XRAY_SIDE) return `${width}x${height} pixels is too small for an X-ray (each side needs at least ${MIN_XRAY_SIDE} pixels)`;
  if (long / short > MAX_XRAY_ASPECT) return `${width}x${height} pixels is too elongated for a chest X-ray (the long side is more than ${MAX_XRAY_ASPECT} times the short one)`;
  return undefined;
}
