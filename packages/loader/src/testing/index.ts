/**
 * Test data generators for specs (never imported by package code): tiny images made with sharp,
 * tiny dataset trees with optional corrupt files, and fast-check arbitraries for both.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import fc from 'fast-check';
import type { Split } from '../lib/types.js';

/** A small seeded generator (mulberry32), so generated data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Channel modes the generators can produce. */
export const IMAGE_MODES = ['grey', 'grey+alpha', 'rgb', 'rgba', 'cmyk', 'grey16', 'rgb16', 'palette'] as const;
export type ImageMode = (typeof IMAGE_MODES)[number];

/** Encodings the generators can produce. */
export const IMAGE_FORMATS = ['jpeg', 'png'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** What {@link encodeImage} makes. */
export interface ImageSpec {
  readonly width: number;
  readonly height: number;
  readonly mode: ImageMode;
  /** Requested encoding; modes JPEG cannot hold (alpha, 16-bit, palette) are written as PNG, CMYK always as JPEG. */
  readonly format: ImageFormat;
  /** EXIF orientation 1-8 to write into the file (JPEG only; 1 = none). */
  readonly orientation?: number;
  /** Seed of the pixel noise. */
  readonly seed: number;
}

/** The format {@link encodeImage} actually writes for a spec. */
export function effectiveFormat(spec: ImageSpec): ImageFormat {
  if (spec.mode === 'cmyk') return 'jpeg';
  if (spec.mode === 'grey+alpha' || spec.mode === 'rgba' || spec.mode === 'grey16' || spec.mode === 'rgb16' || spec.mode === 'palette') return 'png';
  return spec.format;
}

/** Seeded noise pixels, interleaved, `channels` bytes a pixel. */
export function noisePixels(width: number, height: number, channels: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i += 1) data[i] = Math.floor(random() * 256);
  return data;
}

/** Encodes a seeded noise image of the given mode, size and format with sharp. */
export async function encodeImage(spec: ImageSpec): Promise<Buffer> {
  const { width, height, mode, seed } = spec;
  const format = effectiveFormat(spec);
  const colour = mode === 'rgb' || mode === 'rgba' || mode === 'cmyk' || mode === 'rgb16' || mode === 'palette';
  const alpha = mode === 'grey+alpha' || mode === 'rgba';
  const channels = (colour ? 3 : 1) + (alpha ? 1 : 0);
  let image = sharp(noisePixels(width, height, channels, seed), { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
  if (mode === 'grey' || mode === 'grey+alpha') image = image.toColourspace('b-w');
  if (mode === 'grey16') image = image.toColourspace('grey16');
  if (mode === 'rgb16') image = image.toColourspace('rgb16');
  if (mode === 'cmyk') image = image.toColourspace('cmyk');
  const orientation = spec.orientation ?? 1;
  if (orientation !== 1) image = image.withMetadata({ orientation });
  if (format === 'jpeg') return image.jpeg({ quality: 90 }).toBuffer();
  return image.png({ palette: mode === 'palette' }).toBuffer();
}

/** Kinds of bad file {@link writeTinyDataset} can plant. */
export const CORRUPT_KINDS = ['empty', 'truncated', 'random-bytes', 'text', 'garbled'] as const;
export type CorruptKind = (typeof CORRUPT_KINDS)[number];

/** Options of {@link writeTinyDataset}. */
export interface TinyDatasetOptions {
  /** Valid images per split and class. Default 3. */
  readonly perClass?: number;
  /** Image side in pixels. Default 16. */
  readonly size?: number;
  /** Splits to create. Default train, val, test. */
  readonly splits?: readonly Split[];
  /** Class folder names (label 0 then 1). Default ['NORMAL', 'PNEUMONIA']. */
  readonly classes?: readonly [string, string];
  /** Also plant one bad file of every kind in `train/<each class>/`. Default false. */
  readonly corrupt?: boolean;
  /** Also add files the scanner must ignore (dot files, `__MACOSX`, text files, a nested `chest_xray` copy). Default false. */
  readonly clutter?: boolean;
  /** Seed of the pixels. Default 1. */
  readonly seed?: number;
}

/** A file written by {@link writeTinyDataset}. */
export interface TinyFile {
  readonly path: string;
  readonly split: Split;
  readonly className: string;
  readonly label: 0 | 1;
}

/** What {@link writeTinyDataset} wrote. */
export interface TinyDataset {
  readonly root: string;
  /** The valid images, sorted as the scanner emits them. */
  readonly images: readonly TinyFile[];
  /** The planted bad files (with `corrupt: true`), sorted by path. */
  readonly corrupt: readonly (TinyFile & { readonly kind: CorruptKind })[];
}

/**
 * Writes a tiny dataset in the Kaggle layout `root/{split}/{CLASS}/` under `dir` (created if needed):
 * `perClass` distinct noise images per split and class (grey JPEG, `personN_bacteria_K.jpeg` names
 * for the positive class, `IM-NNNN-0001.jpeg` for the negative one), optionally bad files and clutter.
 *
 * @example
 * ```ts
 * const { root, images, corrupt } = await writeTinyDataset(await mkdtemp(join(tmpdir(), 'cxr-')), { perClass: 2, corrupt: true });
 * ```
 */
export async function writeTinyDataset(dir: string, options: TinyDatasetOptions = {}): Promise<TinyDataset> {
  const perClass = options.perClass ?? 3;
  const size = options.size ?? 16;
  const splits = options.splits ?? (['train', 'val', 'test'] as const);
  const classes = options.classes ?? (['NORMAL', 'PNEUMONIA'] as const);
  const seed = options.seed ?? 1;
  const root = resolve(dir);
  const images: TinyFile[] = [];
  const corrupt: (TinyFile & { kind: CorruptKind })[] = [];
  let counter = 0;
  for (const split of splits) {
    for (const [index, className] of classes.entries()) {
      const label = index as 0 | 1;
      const folder = join(root, split, className);
      await mkdir(folder, { recursive: true });
      for (let k = 0; k < perClass; k += 1) {
        counter += 1;
        const name = label === 1 ? `person${counter}_bacteria_${k + 1}.jpeg` : `IM-${String(counter).padStart(4, '0')}-0001.jpeg`;
        const path = join(folder, name);
        await writeFile(path, await encodeImage({ width: size, height: size, mode: 'grey', format: 'jpeg', seed: seed * 100_003 + counter }));
        images.push({ path, split, className, label });
      }
      if (options.corrupt === true && split === 'train') {
        const valid = await encodeImage({ width: Math.max(size, 32), height: Math.max(size, 32), mode: 'grey', format: 'jpeg', seed: seed + 7 });
        const random = noisePixels(64, 1, 1, seed + 13);
        const bad: Record<CorruptKind, [string, Buffer]> = {
          empty: ['bad-empty.jpeg', Buffer.alloc(0)],
          truncated: ['bad-truncated.jpg', valid.subarray(0, Math.floor(valid.length / 2))],
          'random-bytes': ['bad-random.png', random],
          text: ['bad-text.JPEG', Buffer.from('This is not an image.\n')],
          garbled: ['bad-garbled.jpeg', garble(valid)],
        };
        for (const kind of CORRUPT_KINDS) {
          const [name, bytes] = bad[kind];
          const path = join(folder, name);
          await writeFile(path, bytes);
          corrupt.push({ path, split, className, label, kind });
        }
      }
      if (options.clutter === true) {
        await writeAt(join(folder, '.DS_Store'), Buffer.from('junk'));
        await writeAt(join(folder, '._IM-0001-0001.jpeg'), Buffer.from('resource fork'));
        await writeAt(join(folder, 'notes.txt'), Buffer.from('not an image'));
        await writeAt(join(root, '__MACOSX', split, className, '._x.jpeg'), Buffer.from('junk'));
        await writeAt(join(root, 'chest_xray', split, className, 'copy.jpeg'), Buffer.from('a nested copy the scanner ignores'));
      }
    }
  }
  images.sort(scanOrder);
  corrupt.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, images, corrupt };
}

/** Keeps a JPEG's structure but fills its first Huffman table with nonsense (a corrupt header at any decode size). */
function garble(valid: Buffer): Buffer {
  const out = Buffer.from(valid);
  const dht = out.indexOf(Buffer.from([0xff, 0xc4]));
  for (let i = dht + 5; i < dht + 21 && i < out.length; i += 1) out[i] = 0xff;
  return out;
}

async function writeAt(path: string, data: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

/** fast-check arbitrary for {@link ImageSpec}: any mode, format and orientation, sides 1..maxSide. */
export function arbImageSpec(maxSide = 48): fc.Arbitrary<ImageSpec> {
  return fc.record({
    width: fc.integer({ min: 1, max: maxSide }),
    height: fc.integer({ min: 1, max: maxSide }),
    mode: fc.constantFrom(...IMAGE_MODES),
    format: fc.constantFrom(...IMAGE_FORMATS),
    orientation: fc.integer({ min: 1, max: 8 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
}

/** The scanner's order: split (train, val, test), then upper-case class name, then path (code units). */
export function scanOrder(a: { split: Split; className: string; path: string }, b: { split: Split; className: string; path: string }): number {
  const splits = ['train', 'val', 'test'];
  const d = splits.indexOf(a.split) - splits.indexOf(b.split);
  if (d !== 0) return d;
  const ca = a.className.toUpperCase();
  const cb = b.className.toUpperCase();
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** A generated dataset tree: image files the scanner must find and noise it must ignore (paths relative to the root). */
export interface DatasetTree {
  readonly images: readonly { readonly path: string; readonly split: Split; readonly className: string; readonly label: 0 | 1 }[];
  readonly noise: readonly string[];
}

const caseVariant = (word: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((upper) => [...word].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));

const stem = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,11}$/);

/**
 * fast-check arbitrary for a dataset tree in the Kaggle layout with split/class folders and
 * extensions in random case, optional sub-folders, and noise: dot files, `__MACOSX`, text files,
 * unknown class folders, a nested `chest_xray` copy, images at the wrong level.
 */
export function arbDatasetTree(): fc.Arbitrary<DatasetTree> {
  const splitName = fc.constantFrom(...(['train', 'val', 'test'] as const));
  // One spelling per split and class, so folders differing only in case do not collide on case-insensitive file systems.
  const spellings = fc.record({
    train: caseVariant('train'),
    val: caseVariant('val'),
    test: caseVariant('test'),
    NORMAL: caseVariant('normal'),
    PNEUMONIA: caseVariant('pneumonia'),
  });
  const image = fc.record({
    split: splitName,
    label: fc.constantFrom(0 as const, 1 as const),
    sub: fc.option(stem, { nil: undefined }),
    name: stem,
    ext: fc.constantFrom('jpeg', 'jpg', 'png').chain(caseVariant),
  });
  const noiseEntry = fc.oneof(
    fc.tuple(splitName, stem).map(([sp, n]) => `${sp}/NORMAL/.${n}.jpeg`),
    fc.tuple(splitName, stem).map(([sp, n]) => `${sp}/PNEUMONIA/${n}.txt`),
    fc.tuple(splitName, stem).map(([sp, n]) => `__MACOSX/${sp}/NORMAL/._${n}.jpeg`),
    fc.tuple(splitName, stem).map(([sp, n]) => `chest_xray/${sp}/PNEUMONIA/${n}.jpeg`),
    fc.tuple(splitName, stem).map(([sp, n]) => `${sp}/OTHER/${n}.png`),
    fc.tuple(splitName, stem).map(([sp, n]) => `${sp}/${n}.jpeg`),
    fc.tuple(splitName, stem).map(([sp, n]) => `${sp}/NORMAL/.hidden/${n}.jpeg`),
    stem.map((n) => `NORMAL/${n}.png`),
    stem.map((n) => `${n}.jpg`),
  );
  return fc
    .record({
      spellings,
      images: fc.array(image, { minLength: 1, maxLength: 12 }),
      noise: fc.array(noiseEntry, { maxLength: 6 }),
    })
    .map(({ spellings: sp, images, noise }) => {
      const seen = new Set<string>();
      const out: DatasetTree['images'][number][] = [];
      for (const img of images) {
        const className = img.label === 0 ? 'NORMAL' : 'PNEUMONIA';
        const path = [sp[img.split], sp[className], ...(img.sub === undefined ? [] : [img.sub]), `${img.name}.${img.ext}`].join('/');
        const key = path.toLowerCase();
        // Skip clashes (also case-only ones) and a file name reused as a sub-folder name.
        if ([...seen].some((p) => p === key || p.startsWith(`${key}/`) || key.startsWith(`${p}/`))) continue;
        seen.add(key);
        out.push({ path, split: img.split, className, label: img.label });
      }
      const imageDirs = new Set(out.flatMap((i) => i.path.toLowerCase().split('/').slice(0, -1).map((_, k, parts) => parts.slice(0, k + 1).join('/'))));
      const cleanNoise = [...new Set(noise)].filter((n) => {
        const key = n.toLowerCase();
        return !seen.has(key) && !imageDirs.has(key) && ![...seen].some((p) => key.startsWith(`${p}/`));
      });
      return { images: out, noise: cleanNoise };
    });
}

/** Writes a {@link DatasetTree} under `root` (every file holds a few bytes; the scanner does not read them). */
export async function writeDatasetTree(root: string, tree: DatasetTree): Promise<void> {
  for (const path of [...tree.images.map((i) => i.path), ...tree.noise]) await writeAt(join(root, ...path.split('/')), Buffer.from('x'));
}
export * from './dicom.js';
