import sharp, { type Sharp } from 'sharp';

/** A downscaled image, encoded, ready to embed in a page or to place on a contact sheet. */
export interface Thumbnail {
  /** The encoded image (JPEG or PNG). */
  readonly data: Buffer;
  readonly mime: 'image/jpeg' | 'image/png';
  readonly width: number;
  readonly height: number;
  /** Size of the source image (after EXIF orientation), when it came from a file (set by the caller). */
  readonly source?: { readonly width: number; readonly height: number };
}

/** Options of {@link thumbnailFromGrey}. */
export interface ThumbnailOptions {
  /** Longest side in pixels; never upscaled. */
  readonly size: number;
  /** JPEG is far smaller for X-rays; PNG is lossless (used for tiny or synthetic images). */
  readonly format: 'jpeg' | 'png';
  /** Scale small images up to `size` too (for model-sized inputs such as 64 px). Default false. */
  readonly enlarge?: boolean;
}

async function encode(image: Sharp, options: ThumbnailOptions): Promise<Thumbnail> {
  // Kept one grey channel: sharp would write a grey source as three equal sRGB channels otherwise.
  const resized = image.resize(options.size, options.size, { fit: 'inside', withoutEnlargement: options.enlarge !== true, kernel: 'lanczos3' }).toColourspace('b-w');
  const encoded =
    options.format === 'jpeg'
      ? resized.jpeg({ quality: 80, mozjpeg: true })
      : resized.png({ compressionLevel: 9 });
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  return { data, mime: options.format === 'jpeg' ? 'image/jpeg' : 'image/png', width: info.width, height: info.height };
}

/** Encodes one grey channel of `height * width` bytes (row-major) as a thumbnail. */
export async function thumbnailFromGrey(
  pixels: Uint8Array,
  width: number,
  height: number,
  options: ThumbnailOptions,
): Promise<Thumbnail> {
  const image = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
    raw: { width, height, channels: 1 },
  });
  return encode(image, options);
}

/** The thumbnail as a `data:` URI for an `<img src>`. */
export function dataUri(thumbnail: Thumbnail): string {
  return `data:${thumbnail.mime};base64,${thumbnail.data.toString('base64')}`;
}
