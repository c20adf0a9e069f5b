/** The three folders of the Kaggle layout. */
export type Split = 'train' | 'val' | 'test';

/** The splits in their canonical order. */
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * Class folder name (upper case) to label. Binary: exactly two entries, labels 0 and 1.
 * The default is {@link DEFAULT_CLASS_MAP}.
 */
export type ClassMap = Readonly<Record<string, 0 | 1>>;

/** NORMAL is the negative class (0), PNEUMONIA the positive one (1). */
export const DEFAULT_CLASS_MAP: ClassMap = Object.freeze({ NORMAL: 0, PNEUMONIA: 1 });

/** One image file found by the scanner. */
export interface ImageRecord {
  /** Absolute path of the file. */
  readonly path: string;
  readonly split: Split;
  /** 0 or 1, from the class map. */
  readonly label: 0 | 1;
  /** Canonical (upper-case) class name from the class map, e.g. `PNEUMONIA`. */
  readonly className: string;
  /** Patient id for `personN_...` files, otherwise the file's stem: images of one group never cross splits. */
  readonly groupId: string;
}

/** A decoded image: one grey channel, row-major, `height * width` bytes. */
export interface Sample {
  readonly record: ImageRecord;
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** File metadata, present when decoding was asked for it (`decodeImages({ metadata: true })`). */
  readonly source?: SourceInfo;
}

/** A file that could not be used, with a one-line reason. */
export interface Rejection {
  readonly path: string;
  readonly reason: string;
  /** The scanned record the rejected file came from, when there is one. */
  readonly record?: ImageRecord;
}

/** What the file header says about the source image (filled when `decodeImages({ metadata: true })`). */
export interface SourceInfo {
  /** Container format as sharp names it: `jpeg`, `png`, `webp`, `tiff`, `gif`, ... */
  readonly format: string;
  /** Stored width and height in pixels, before EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /**
   * Channel mode: `grey`, `grey+alpha`, `rgb`, `rgba`, `cmyk`, or `palette`, with `16` appended for 16-bit
   * samples (e.g. `grey16`).
   */
  readonly mode: string;
  /** Whether the file embeds an ICC profile (which decoding ignores). */
  readonly hasIccProfile: boolean;
  /** EXIF orientation tag 1-8 (1 when absent). */
  readonly orientation: number;
}
