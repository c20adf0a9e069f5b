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
}

/** A file that could not be used, with a one-line reason. */
export interface Rejection {
  readonly path: string;
  readonly reason: string;
}
