import { DicomError, greyFromRgba, readDicomGrey, resizeGrey, type DicomPlatform, type GreyFit } from '@cxr/loader/browser';
import { browserDicomPlatform } from './dicom-platform.js';
import { isTruncated, MAX_XRAY_PIXELS, sniffImage, xraySizeProblem, type ImageKind } from './image-checks.js';

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

let dicomPlatform: DicomPlatform | undefined;

/**
 * Decodes a DICOM file with the loader's DICOM reader (the same pixel pipeline as `cxr predict`:
 * rescale, VOI window or LUT, MONOCHROME1 inverted, padding black) and the page's codecs, then the
 * same resize as the JPEG path. A JPEG 2000 frame is decoded at the resolution level the loader picks.
 */
async function decodeDicomXray(file: File, bytes: Uint8Array, size: number, fit: GreyFit): Promise<DecodedXray> {
  dicomPlatform ??= browserDicomPlatform(new URL('codecs/', document.baseURI).href);
  let image;
  try {
    image = await readDicomGrey(dicomPlatform, bytes, MAX_XRAY_PIXELS, size);
  } catch (error) {
    if (error instanceof DicomError) throw new UnusableFile(file.name, error.message);
    throw error;
  }
  const problem = xraySizeProblem(image.sourceWidth, image.sourceHeight);
  if (problem) throw new UnusableFile(file.name, problem);
  // The thumbnail and the Grad-CAM overlay use the image at its decoded size.
  const square = resizeGrey(image.pixels, image.width, image.height, size, fit, { jpeg: false });
  return { kind: 'dicom', grey: image.pixels, width: image.width, height: image.height, square, size };
}

/**
 * Decodes an image file with the browser's own decoder (EXIF orientation applied, no colour
 * management, as the loader ignores ICC profiles), then applies the loader's recipe: Rec. 601 grey,
 * transparency on black, the Lanczos3 resize into the square with the model's fit. A DICOM file goes
 * through the loader's DICOM reader instead.
 *
 * @throws {@link UnusableFile} for a file that is not a JPEG, PNG or DICOM file, is damaged or cut
 *   short, or is not X-ray sized.
 */
export async function decodeXray(file: File, size: number, fit: GreyFit): Promise<DecodedXray> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sniffed = sniffImage(bytes);
  if ('problem' in sniffed) throw new UnusableFile(file.name, `it is ${sniffed.problem}; drop chest X-rays as .jpeg, .png or DICOM files`);
  const { kind } = sniffed;
  if (kind === 'dicom') return decodeDicomXray(file, bytes, size, fit);
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
