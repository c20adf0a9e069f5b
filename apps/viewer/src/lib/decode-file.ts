import { greyFromRgba, resizeGrey, type GreyFit } from '@cxr/loader/browser';
import { isTruncated, sniffImage, xraySizeProblem, type ImageKind } from './image-checks.js';

/** An X-ray decoded the way the loader decodes one: grey, and resized to the model's square. */
export interface DecodedXray {
  readonly kind: ImageKind;
  /** Grey pixels at the image's own size (for the thumbnail and the Grad-CAM overlay). */
  readonly grey: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** The model's input: `size x size` grey pixels. */
  readonly square: Uint8Array;
  readonly size: number;
}

/** Why a file cannot be classified, in words that name it. */
export class UnusableFile extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file} cannot be used: ${reason}.`);
  }
}

/**
 * Decodes an image file with the browser's own decoder (EXIF orientation applied, no colour
 * management, as the loader ignores ICC profiles), then applies the loader's recipe: Rec. 601 grey,
 * transparency on black, the Lanczos3 resize into the square with the model's fit.
 *
 * @throws {@link UnusableFile} for a file that is not a JPEG or PNG, is damaged or cut short, or is
 *   not X-ray sized.
 */
export async function decodeXray(file: File, size: number, fit: GreyFit): Promise<DecodedXray> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sniffed = sniffImage(bytes);
  if ('problem' in sniffed) throw new UnusableFile(file.name, `it is ${sniffed.problem}; drop chest X-rays as .jpeg or .png files`);
  const { kind } = sniffed;
  if (isTruncated(bytes, kind)) throw new UnusableFile(file.name, `the ${kind === 'jpeg' ? 'JPEG' : 'PNG'} data is cut short (truncated file); use the complete file`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes], { type: `image/${kind}` }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
  } catch {
    throw new UnusableFile(file.name, `the browser cannot decode it (damaged ${kind === 'jpeg' ? 'JPEG' : 'PNG'} data)`);
  }
  try {
    const { width, height } = bitmap;
    const problem = xraySizeProblem(width, height);
    if (problem) throw new UnusableFile(file.name, problem);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new UnusableFile(file.name, 'the browser gave no 2-D canvas to read its pixels');
    context.drawImage(bitmap, 0, 0);
    const grey = greyFromRgba(context.getImageData(0, 0, width, height).data);
    return { kind, grey, width, height, square: resizeGrey(grey, width, height, size, fit, { jpeg: kind === 'jpeg' }), size };
  } finally {
    bitmap.close();
  }
}
