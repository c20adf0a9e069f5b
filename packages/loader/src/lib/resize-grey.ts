/**
 * The decode recipe's pixel steps in plain JavaScript, for places without sharp (a browser page):
 * the same grey conversion and the same resize rule as {@link decodeImage}, applied to pixels some
 * other decoder produced. No Node or sharp import here: this file backs `@cxr/loader/browser`.
 */

/** How {@link resizeGrey} fits an image into the square (as the decode settings' `fit`). */
export type GreyFit = 'fill' | 'contain';

/**
 * Rec. 601 luma of 8-bit R, G, B with rounding, in fixed point: the formula PIL's `convert('L')`
 * uses, and the one {@link decodeImage} applies to colour sources.
 *
 * @example
 * ```ts
 * lumaRec601(255, 255, 255); // 255
 * ```
 */
export function lumaRec601(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/**
 * Grey pixels from interleaved RGBA (a canvas's `ImageData`): transparency flattened onto black
 * (each channel times alpha / 255, rounded, as sharp's `flatten` onto black does), then
 * {@link lumaRec601}.
 *
 * @example
 * ```ts
 * const grey = greyFromRgba(context.getImageData(0, 0, w, h).data);
 * ```
 * @throws RangeError when the length is not a multiple of 4.
 */
export function greyFromRgba(rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  if (rgba.length % 4 !== 0) throw new RangeError(`greyFromRgba: expected RGBA (a multiple of 4 values), got ${rgba.length}.`);
  const out = new Uint8Array(rgba.length / 4);
  for (let i = 0, j = 0; i < out.length; i += 1, j += 4) {
    const a = rgba[j + 3]!;
    if (a === 255) out[i] = lumaRec601(rgba[j]!, rgba[j + 1]!, rgba[j + 2]!);
    else {
      const f = (v: number): number => Math.round((v * a) / 255);
      out[i] = lumaRec601(f(rgba[j]!), f(rgba[j + 1]!), f(rgba[j + 2]!));
    }
  }
  return out;
}

/** Where the resized image sits in the square: its own size and its offset (padding is black). */
export interface FitBox {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
}

/**
 * The box an image of `width x height` takes in a `size x size` square: the whole square for
 * `fill`; for `contain`, the aspect ratio kept (the longer side becomes `size`, the other rounded)
 * and centred, the padding split with the odd pixel after (as sharp's contain does).
 *
 * @example
 * ```ts
 * fitBox(300, 200, 128, 'contain'); // { width: 128, height: 85, left: 0, top: 21 }
 * ```
 */
export function fitBox(width: number, height: number, size: number, fit: GreyFit): FitBox {
  if (fit === 'fill' || width === height) return { width: size, height: size, left: 0, top: 0 };
  const w = width > height ? size : Math.max(1, Math.round((width * size) / height));
  const h = width > height ? Math.max(1, Math.round((height * size) / width)) : size;
  return { width: w, height: h, left: Math.floor((size - w) / 2), top: Math.floor((size - h) / 2) };
}

/**
 * Resizes a grey image into a `size x size` square by the loader's rule: Lanczos3 (a = 3), the
 * kernel widened by the reduction factor, centre-sampled, edges extended, one dimension then the
 * other with 8-bit rounding between (libvips' `reduce`, which sharp runs), and for factors of 4 or
 * more first an integer box shrink (libvips' `shrink`, leaving a reduction of at least 2);
 * `contain` pads with black. Enlarging (a source smaller than the square) uses the same kernel at
 * factor 1. The output matches {@link decodeImage}'s to within a few grey levels (it is a
 * re-implementation; the loader's spec measures the difference on real X-rays).
 *
 * @example
 * ```ts
 * const square = resizeGrey(grey, 256, 300, 128, 'fill'); // Uint8Array of 128 * 128
 * ```
 * @throws RangeError for sizes that are not positive whole numbers or pixels of the wrong length.
 */
export function resizeGrey(pixels: Uint8Array, width: number, height: number, size: number, fit: GreyFit = 'fill', options: ResizeGreyOptions = {}): Uint8Array {
  for (const [name, v] of [['width', width], ['height', height], ['size', size]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`resizeGrey: ${name} must be a positive whole number, got ${v}.`);
  }
  if (pixels.length !== width * height) throw new RangeError(`resizeGrey: ${pixels.length} pixels for ${width}x${height}.`);
  let img: Grey = { data: pixels, width, height };
  const preShrink = options.jpeg === true ? jpegShrinkOnLoad(width, height, size, fit) : 1;
  if (preShrink > 1) img = boxShrink(boxShrink(img, preShrink, 'h', 'floor'), preShrink, 'v', 'floor');
  const box = resizedBox(width, height, size, fit, options);
  // The reduction factors: per axis for fill; for contain one factor for both (the box's shorter
  // side is rounded from it, as libvips does).
  const shrink = Math.max(img.width, img.height) / size;
  const inner = fit === 'fill' ? resample(img, box.width, box.height, img.width / size, img.height / size) : resample(img, box.width, box.height, shrink, shrink);
  if (box.width === size && box.height === size) return inner;
  const out = new Uint8Array(size * size);
  for (let y = 0; y < box.height; y++) out.set(inner.subarray(y * box.width, (y + 1) * box.width), (y + box.top) * size + box.left);
  return out;
}

/**
 * The box {@link resizeGrey} puts an image of `width x height` in: {@link fitBox} of the size the
 * image has after the JPEG shrink-on-load (sharp fits the box to the shrunk image, which can round
 * the shorter side of a `contain` box one pixel differently).
 *
 * @example
 * ```ts
 * resizedBox(155, 55, 14, 'contain', { jpeg: true }); // { width: 14, height: 4, left: 0, top: 5 }
 * ```
 */
export function resizedBox(width: number, height: number, size: number, fit: GreyFit, options: ResizeGreyOptions = {}): FitBox {
  const preShrink = options.jpeg === true ? jpegShrinkOnLoad(width, height, size, fit) : 1;
  return fitBox(Math.max(1, Math.floor(width / preShrink)), Math.max(1, Math.floor(height / preShrink)), size, fit);
}

/** Options of {@link resizeGrey}. */
export interface ResizeGreyOptions {
  /**
   * The pixels were decoded from a JPEG: sharp then decodes large reductions at 1/2, 1/4 or 1/8
   * scale inside the JPEG decoder (shrink-on-load); this is approximated by a box average at the
   * same factor. Default false.
   */
  readonly jpeg?: boolean;
}

/**
 * The JPEG shrink-on-load factor sharp picks for this resize: the largest of 8, 4, 2 not above the
 * smaller axis's reduction, halved when the reduction's whole part equals it; 1 for none.
 */
export function jpegShrinkOnLoad(width: number, height: number, size: number, fit: GreyFit): number {
  const shrink = fit === 'fill' ? Math.min(width / size, height / size) : Math.max(width, height) / size;
  let factor = shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
  if (factor > 1 && Math.trunc(shrink) === factor) factor /= 2;
  return factor;
}

/** Resamples to `outW x outH` by the given factors: the vertical pass, then the horizontal one. */
function resample(img: Grey, outW: number, outH: number, hFactor: number, vFactor: number): Uint8Array {
  return axis(axis(img, outH, vFactor, 'v'), outW, hFactor, 'h').data;
}

interface Grey {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** One axis: box shrink by the integer part (for large factors), then the Lanczos3 reduce. */
function axis(img: Grey, out: number, factor: number, dir: 'h' | 'v'): Grey {
  const length = dir === 'h' ? img.width : img.height;
  if (length === out && factor === 1) return img;
  // libvips' reduce gap of 2: shrink by the whole part of half the reduction first.
  const int = factor > 1 ? Math.max(1, Math.floor(length / out / 2)) : 1;
  const cur = int > 1 ? boxShrink(img, int, dir) : img;
  return reduce(cur, factor / int, out, dir);
}

/**
 * Averages blocks of `n` pixels along one axis. `ceil`: a last, short block averages what it has
 * (libvips' shrink); `floor`: a last, short block is dropped (the JPEG decoder's scaled output).
 */
function boxShrink(img: Grey, n: number, dir: 'h' | 'v', rounding: 'ceil' | 'floor' = 'ceil'): Grey {
  const { width, height, data } = img;
  const round = rounding === 'ceil' ? Math.ceil : Math.floor;
  const w = dir === 'h' ? Math.max(1, round(width / n)) : width;
  const h = dir === 'v' ? Math.max(1, round(height / n)) : height;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      let count = 0;
      for (let k = 0; k < n; k++) {
        const sx = dir === 'h' ? x * n + k : x;
        const sy = dir === 'v' ? y * n + k : y;
        if (sx >= width || sy >= height) continue;
        sum += data[sy * width + sx]!;
        count += 1;
      }
      out[y * w + x] = Math.floor((sum + count / 2) / count);
    }
  }
  return { data: out, width: w, height: h };
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function lanczos3(x: number): number {
  return x >= -3 && x <= 3 ? sinc(x) * sinc(x / 3) : 0;
}

/** Fixed-point scale of the 8-bit path (12 bits) and the 1/1024 steps of the sample position. */
const COEFF_SCALE = 4096;
const POSITIONS = 1024;

/** Integer Lanczos3 coefficients for a sample `x` in [0, 1] past a pixel, summing to {@link COEFF_SCALE}. */
function mask(points: number, shrink: number, x: number): Int32Array {
  const half = x + points / 2 - 1;
  const c = new Float64Array(points);
  let sum = 0;
  for (let i = 0; i < points; i++) {
    c[i] = lanczos3((i - half) / shrink);
    sum += c[i]!;
  }
  const out = new Int32Array(points);
  for (let i = 0; i < points; i++) out[i] = Math.trunc((c[i]! / sum) * COEFF_SCALE);
  return out;
}

/** The Lanczos3 reduce (or enlarge, at factor 1's kernel) of one axis to `out` pixels. */
function reduce(img: Grey, factor: number, out: number, dir: 'h' | 'v'): Grey {
  const { width, height, data } = img;
  const length = dir === 'h' ? width : height;
  const shrink = Math.max(1, factor);
  const points = 2 * Math.round(3 * shrink) + 1;
  const extra = out * factor - length;
  const offset = (1 + extra) / 2 - 1;
  const before = Math.ceil(points / 2) - 1;
  const masks = new Map<number, Int32Array>();
  const w = dir === 'h' ? out : width;
  const h = dir === 'v' ? out : height;
  const result = new Uint8Array(w * h);
  const other = dir === 'h' ? height : width;
  for (let o = 0; o < out; o++) {
    // Position in the input extended by `before` copied edge pixels (libvips embeds them first).
    const pos = (o + 0.5) * factor - 0.5 - offset;
    const base = Math.floor(pos);
    const step = Math.min(POSITIONS, Math.round((pos - base) * POSITIONS));
    let m = masks.get(step);
    if (m === undefined) {
      m = mask(points, shrink, step / POSITIONS);
      masks.set(step, m);
    }
    for (let k = 0; k < other; k++) {
      let sum = 0;
      for (let i = 0; i < points; i++) {
        const src = Math.min(length - 1, Math.max(0, base + i - before));
        sum += m[i]! * data[dir === 'h' ? k * width + src : src * width + k]!;
      }
      const v = (sum + COEFF_SCALE / 2) >> 12;
      result[dir === 'h' ? k * w + o : o * w + k] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { data: result, width: w, height: h };
}
