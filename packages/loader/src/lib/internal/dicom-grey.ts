/**
 * The radiologist's pixel pipeline of a monochrome DICOM image, as a pure function:
 * stored value -> modality transform (rescale slope/intercept, or the Modality LUT) -> VOI transform
 * (the VOI LUT, else window center/width, else min-max of the image) -> 0..255, inverted for
 * MONOCHROME1, padding black. Every stored value gets its output once, in a table of at most
 * 65,536 entries, and each pixel is one look-up.
 */

/** A lookup table as DICOM stores it: `data[i]` is the output for input `first + i`; inputs outside clamp to the ends. */
export interface Lut {
  readonly first: number;
  readonly data: ArrayLike<number>;
}

/** The VOI LUT function of a window (PS3.3 C.11.2.1.2). */
export type WindowFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

/** The VOI transform a file asks for. */
export type Voi =
  | { readonly kind: 'lut'; readonly lut: Lut }
  | { readonly kind: 'window'; readonly center: number; readonly width: number; readonly function: WindowFunction };

/** Everything that maps stored sample words to grey levels. */
export interface GreyParameters {
  /** Significant bits of a stored value (1-16). */
  readonly bitsStored: number;
  /** Stored values are two's complement (PixelRepresentation 1). */
  readonly signed: boolean;
  /** Right shift of a sample word before masking: HighBit + 1 - BitsStored (0 for compressed data). Default 0. */
  readonly shift?: number;
  /** Rescale slope and intercept (defaults 1 and 0); ignored when `modalityLut` is given. */
  readonly slope?: number;
  readonly intercept?: number;
  readonly modalityLut?: Lut;
  /** Undefined: min-max of the (non-padding) modality values. */
  readonly voi?: Voi;
  /** MONOCHROME1: low values are bright; the output is inverted so that bone is bright, as in MONOCHROME2. */
  readonly monochrome1: boolean;
  /** Stored values of padding (PixelPaddingValue up to PixelPaddingRangeLimit, both included): left out of min-max and output black. */
  readonly padding?: readonly [number, number];
}

/** Which VOI transform was applied. */
export type VoiApplied = 'voi-lut' | 'window' | 'min-max';

/** The output of a window (PS3.3 C.11.2.1.2) for a modality value `x`, in 0..255 before rounding. */
export function windowLevel(x: number, center: number, width: number, fn: WindowFunction): number {
  if (fn === 'SIGMOID') return 255 / (1 + Math.exp((-4 * (x - center)) / width));
  if (fn === 'LINEAR_EXACT') {
    if (x <= center - width / 2) return 0;
    if (x > center + width / 2) return 255;
    return ((x - center) / width + 0.5) * 255;
  }
  // LINEAR: the window [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] spans 0..255.
  const low = center - 0.5 - (width - 1) / 2;
  const high = center - 0.5 + (width - 1) / 2;
  if (x <= low) return 0;
  if (x > high) return 255;
  return ((x - (center - 0.5)) / (width - 1) + 0.5) * 255;
}

/** True when a window can be applied: finite, and wide enough for its function. */
export function validWindow(center: number, width: number, fn: WindowFunction): boolean {
  return Number.isFinite(center) && Number.isFinite(width) && (fn === 'LINEAR' ? width >= 1 : width > 0);
}

function lookup(lut: Lut, x: number): number {
  const n = lut.data.length;
  const i = Math.round(x) - lut.first;
  return lut.data[i < 0 ? 0 : i >= n ? n - 1 : i]!;
}

/**
 * Maps `count` sample words (one sample per pixel) to grey uint8 with the parameters of the file.
 * @returns the pixels and which VOI transform was used (`min-max` when the file has none, or its window is unusable).
 */
export function renderGrey(words: ArrayLike<number>, count: number, p: GreyParameters): { pixels: Uint8Array; voi: VoiApplied } {
  const bits = p.bitsStored;
  const size = 2 ** bits;
  const mask = size - 1;
  const half = size / 2;
  const shift = p.shift ?? 0;
  // Table index of a word: the stored value minus the smallest possible one.
  const signedFlip = p.signed ? half : 0;
  const valueOf = (index: number): number => (p.signed ? index - half : index);
  const slope = p.slope ?? 1;
  const intercept = p.intercept ?? 0;
  const modality = (v: number): number => (p.modalityLut === undefined ? v * slope + intercept : lookup(p.modalityLut, v));
  const isPadding = (v: number): boolean => p.padding !== undefined && v >= p.padding[0] && v <= p.padding[1];

  let voiApplied: VoiApplied;
  let level: (m: number) => number;
  const voi = p.voi;
  if (voi !== undefined && voi.kind === 'lut' && voi.lut.data.length > 0) {
    // The LUT's own output range is stretched to 0..255 (some files declare 16 bits for 12-bit entries).
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < voi.lut.data.length; i += 1) {
      const y = voi.lut.data[i]!;
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    level = (m) => (lookup(voi.lut, m) - lo) * scale;
    voiApplied = 'voi-lut';
  } else if (voi !== undefined && voi.kind === 'window' && validWindow(voi.center, voi.width, voi.function)) {
    level = (m) => windowLevel(m, voi.center, voi.width, voi.function);
    voiApplied = 'window';
  } else {
    // Fallback: the modality values present in the image (padding left out) span 0..255.
    const present = new Uint8Array(size);
    for (let i = 0; i < count; i += 1) present[((words[i]! >> shift) & mask) ^ signedFlip] = 1;
    let lo = Infinity;
    let hi = -Infinity;
    for (let index = 0; index < size; index += 1) {
      if (present[index] === 0 || isPadding(valueOf(index))) continue;
      const m = modality(valueOf(index));
      if (m < lo) lo = m;
      if (m > hi) hi = m;
    }
    // A blank image (one value, or only padding) decodes black, MONOCHROME1 or not.
    if (!(hi > lo)) return { pixels: new Uint8Array(count), voi: 'min-max' };
    level = (m) => ((m - lo) * 255) / (hi - lo);
    voiApplied = 'min-max';
  }

  const table = new Uint8Array(size);
  for (let index = 0; index < size; index += 1) {
    const v = valueOf(index);
    if (isPadding(v)) continue; // black
    // MONOCHROME1 is inverted before rounding, so that it rounds exactly as the MONOCHROME2 image of inverted values.
    const level0 = level(modality(v));
    const y = p.monochrome1 ? 255 - level0 : level0;
    table[index] = y <= 0 || Number.isNaN(y) ? 0 : y >= 255 ? 255 : Math.round(y);
  }
  return { pixels: lookUp(words, count, table, shift, mask, signedFlip), voi: voiApplied };
}

/** One table look-up per pixel; one loop per array type, so that each stays monomorphic (several times faster). */
function lookUp(words: ArrayLike<number>, count: number, table: Uint8Array, shift: number, mask: number, flip: number): Uint8Array {
  const pixels = new Uint8Array(count);
  if (words instanceof Uint16Array) loop16(words, pixels, count, table, shift, mask, flip);
  else if (words instanceof Uint8Array) loop8(words, pixels, count, table, shift, mask, flip);
  else for (let i = 0; i < count; i += 1) pixels[i] = table[((words[i]! >> shift) & mask) ^ flip]!;
  return pixels;
}

function loop16(words: Uint16Array, pixels: Uint8Array, count: number, table: Uint8Array, shift: number, mask: number, flip: number): void {
  for (let i = 0; i < count; i += 1) pixels[i] = table[((words[i]! >> shift) & mask) ^ flip]!;
}

function loop8(words: Uint8Array, pixels: Uint8Array, count: number, table: Uint8Array, shift: number, mask: number, flip: number): void {
  for (let i = 0; i < count; i += 1) pixels[i] = table[((words[i]! >> shift) & mask) ^ flip]!;
}
