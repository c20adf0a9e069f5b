import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { constants, inflateRaw, inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import sharp from 'sharp';
import { firstLine, PixelDataError, type CodecModule, type FrameCodecs, type FrameShape } from './dicom-codecs.js';
import { dicomText, isDicom, readDicomGrey, type DicomGrey, type DicomPlatform } from './dicom.js';

// The DICOM path's Node side: sharp's libjpeg-turbo for JPEG baseline frames, zlib for deflated
// data sets, the cornerstone codecs loaded from node_modules, and the patient id read from a file's head.

const require = createRequire(import.meta.url);
const codecModules = new Map<string, Promise<CodecModule>>();

const nodeCodecs: FrameCodecs = {
  async jpegBaseline(bytes: Uint8Array, shape: FrameShape): Promise<Uint8Array> {
    const count = shape.rows * shape.columns;
    let out;
    try {
      out = await sharp(bytes, { failOn: 'error', ignoreIcc: true, limitInputPixels: count })
        .toColourspace(shape.samplesPerPixel === 1 ? 'b-w' : 'srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new PixelDataError(`damaged JPEG pixel data (${firstLine(error)})`);
    }
    const channels = out.info.channels;
    if (out.info.width !== shape.columns || out.info.height !== shape.rows || channels !== shape.samplesPerPixel) {
      throw new PixelDataError(`the JPEG image decoded to ${out.info.width}x${out.info.height}x${channels}, not the DICOM header's ${shape.columns}x${shape.rows}x${shape.samplesPerPixel}`);
    }
    return new Uint8Array(out.data.buffer, out.data.byteOffset, count * channels);
  },
  wasmCodec(name) {
    let module = codecModules.get(name);
    if (module === undefined) {
      const path = name === 'charls' ? '@cornerstonejs/codec-charls/decodewasmjs' : '@cornerstonejs/codec-openjpeg/decodewasmjs';
      const factory = require(path) as (options: object) => Promise<CodecModule>;
      const quiet = (): void => undefined; // OpenJPEG logs to stdout otherwise
      module = factory({ print: quiet, printErr: quiet });
      codecModules.set(name, module);
    }
    return module;
  },
  dropWasmCodec(name) {
    codecModules.delete(name);
  },
};

const inflateRawAsync = promisify(inflateRaw);

/** The DICOM reader's Node platform. */
export const NODE_DICOM: DicomPlatform = {
  codecs: nodeCodecs,
  async inflateRaw(bytes, limit) {
    try {
      return await inflateRawAsync(bytes, { maxOutputLength: limit });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new RangeError(`inflates to more than ${limit} bytes`);
      throw error;
    }
  },
};

/** Parses a DICOM file and renders it to 8-bit grey (see {@link readDicomGrey}) with the Node codecs. */
export function readDicomGreyInNode(bytes: Uint8Array, maxPixels: number, target?: number): Promise<DicomGrey> {
  return readDicomGrey(NODE_DICOM, bytes, maxPixels, target);
}

let versions: string | undefined;

/** The versions of the parser and codec packages, for the decode settings key (read once). */
export function codecVersions(): string {
  if (versions !== undefined) return versions;
  const version = (name: string): string => {
    try {
      // Some of these packages do not export their package.json: find it next to their main file.
      let folder = dirname(require.resolve(name));
      for (let up = 0; up < 4; up += 1, folder = dirname(folder)) {
        try {
          const json = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string; version?: string };
          if (json.name === name) return json.version ?? 'unknown';
        } catch {
          // not here: one folder up
        }
      }
      return 'unknown';
    } catch {
      return 'unknown';
    }
  };
  versions = [
    `dicom-parser=${version('dicom-parser')}`,
    `charls=${version('@cornerstonejs/codec-charls')}`,
    `openjpeg=${version('@cornerstonejs/codec-openjpeg')}`,
    `jpeg-lossless=${version('jpeg-lossless-decoder-js')}`,
  ].join(',');
  return versions;
}

/**
 * The Patient ID (0010,0020) of a DICOM file, read from its first 256 KB; undefined when the file
 * is not DICOM, has no Patient ID, or cannot be read (decoding reports those).
 */
export async function dicomPatientId(path: string): Promise<string | undefined> {
  let handle;
  let head: Uint8Array;
  try {
    handle = await open(path, 'r');
    const buffer = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
  if (!isDicom(head)) return undefined;
  let data: DataSet | undefined;
  try {
    data = dicomParser.parseDicom(head, { untilTag: 'x00100020', inflater: headInflater } as unknown as dicomParser.ParseDicomOptions);
  } catch (error) {
    // The head ends inside an element: what was parsed before it is still there.
    data = (error as { dataSet?: DataSet }).dataSet;
  }
  const id = data === undefined ? undefined : dicomText(data, 'x00100020');
  return id === undefined || id.length === 0 ? undefined : id;
}

/** Inflates what a file head holds of a deflated data set (enough for the patient module). */
function headInflater(array: Uint8Array, position: number): Uint8Array {
  let inflated: Uint8Array;
  try {
    inflated = inflateRawSync(array.subarray(position), { finishFlush: constants.Z_SYNC_FLUSH /* a cut stream is fine */, maxOutputLength: 4 * 2 ** 20 });
  } catch {
    inflated = new Uint8Array(0);
  }
  const full = new Uint8Array(position + inflated.length);
  full.set(array.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}
