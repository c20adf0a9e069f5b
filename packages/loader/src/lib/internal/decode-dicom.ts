import sharp from 'sharp';
import type { SourceInfo } from '../types.js';
import { DicomError } from './dicom.js';
import { codecVersions, readDicomGreyInNode } from './dicom-node.js';

/** The resize settings the DICOM path shares with the JPEG path. */
export interface DicomDecodeSettings {
  readonly size: number;
  readonly fit: 'fill' | 'contain';
  readonly maxPixels: number;
}

/** Version of the DICOM rules below; bump it whenever the pixels they produce change. */
const DICOM_RULES_VERSION = 1;

/**
 * The part of the decode settings key that names the DICOM rules (the pixel pipeline and the
 * libraries that parse and decompress), so that a change of either invalidates cached samples.
 */
export function dicomSettingsKey(): string {
  return [
    `dicom=v${DICOM_RULES_VERSION}`,
    'dicom-modality=rescale|modality-lut',
    'dicom-voi=voi-lut>window>min-max',
    'dicom-mono1=invert',
    'dicom-padding=black',
    'dicom-j2k=reduce-to-2x',
    `dicom-libs=${codecVersions()}`,
  ].join(';');
}

/**
 * Decodes DICOM bytes to the grey image the JPEG path would give for the same 8-bit picture:
 * the file's pixel pipeline to 8-bit grey at the source size, then the same resize (Lanczos3,
 * `fill` or `contain` with black padding) through sharp. A JPEG 2000 frame at least 4x the output
 * size is decoded at the lowest resolution level that keeps twice the output size, as libjpeg
 * shrinks large JPEGs while decoding them.
 * @returns the image, or `{ reason }` for a file that cannot be used.
 */
export async function decodeDicom(
  bytes: Uint8Array,
  s: DicomDecodeSettings,
  metadata: boolean,
  atSourceSize: boolean,
): Promise<{ pixels: Uint8Array; height: number; width: number; source?: SourceInfo } | { reason: string }> {
  let grey;
  try {
    // A JPEG 2000 frame much larger than the output is decoded at a lower resolution level (like JPEG shrink-on-load).
    grey = await readDicomGreyInNode(bytes, s.maxPixels, atSourceSize ? undefined : s.size);
  } catch (error) {
    if (error instanceof DicomError) return { reason: error.message };
    throw error;
  }
  const source: SourceInfo | undefined = metadata
    ? {
        format: 'dicom',
        width: grey.sourceWidth,
        height: grey.sourceHeight,
        mode: grey.info.photometricInterpretation.startsWith('MONOCHROME') ? (grey.info.bitsAllocated > 8 ? 'grey16' : 'grey') : 'rgb',
        hasIccProfile: false,
        orientation: 1,
        dicom: grey.info,
      }
    : undefined;
  if (atSourceSize) return { pixels: grey.pixels, height: grey.height, width: grey.width, ...(source ? { source } : {}) };
  const { data, info } = await sharp(grey.pixels, { raw: { width: grey.width, height: grey.height, channels: 1 } })
    .resize(s.size, s.size, { fit: s.fit, background: { r: 0, g: 0, b: 0, alpha: 1 } })
    .toColourspace('b-w')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== s.size * s.size) throw new Error(`unexpected DICOM resize output of ${data.length} bytes`);
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { pixels, height: s.size, width: s.size, ...(source ? { source } : {}) };
}
