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
  /** What the DICOM header says, for a DICOM file (`format: 'dicom'`). */
  readonly dicom?: DicomSourceInfo;
}

/** The DICOM attributes the audit counts (a model can learn any of them as a shortcut). */
export interface DicomSourceInfo {
  /** Modality (0008,0060): `CR`, `DX`, ... or `unknown` when absent. */
  readonly modality: string;
  /** Photometric interpretation (0028,0004): `MONOCHROME1`, `MONOCHROME2`, `RGB`, ... */
  readonly photometricInterpretation: string;
  /** Bits allocated per sample (8 or 16) and significant bits of a stored value. */
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  /** Stored values are signed (PixelRepresentation 1). */
  readonly signed: boolean;
  /** Short name of the transfer syntax (`explicit-vr-little-endian`, `jpeg-2000`, `rle-lossless`, ...) and its UID. */
  readonly transferSyntax: string;
  readonly transferSyntaxUid: string;
  /** View position (0018,5101): `PA`, `AP`, `LL`, ... or `unknown` when absent. */
  readonly viewPosition: string;
  /**
   * The VOI transform used: `voi-lut` (the file's VOI LUT), `window` (its window center/width), `min-max` (the
   * file has neither: the image's own value range), `none` (colour images, used as they are).
   */
  readonly voi: 'voi-lut' | 'window' | 'min-max' | 'none';
}
