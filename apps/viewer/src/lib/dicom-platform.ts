import type { CodecModule, DicomPlatform, FrameShape } from '@cxr/loader/browser';
import { greyFromRgba, PixelDataError } from '@cxr/loader/browser';

// The loader's DICOM reader in a browser: JPEG baseline frames through the browser's own JPEG
// decoder, deflated data sets through DecompressionStream, and the cornerstone WASM codecs
// (JPEG-LS, JPEG 2000) loaded from the page's codecs/ folder (copied there by the build), once.

/** The codec scripts the build copies into `codecs/` (each with its .wasm beside it), and the global each one defines. */
export const CODEC_SCRIPTS = {
  charls: { script: 'charlswasm_decode.js', global: 'CharLSWASM' },
  openjpeg: { script: 'openjpegwasm_decode.js', global: 'OpenJPEGWASM' },
} as const;

type CodecFactory = (options: { locateFile: (file: string) => string; print: () => void; printErr: () => void }) => Promise<CodecModule>;

/** Runs a classic script once (the codecs are Emscripten builds that define a global factory). */
function loadScript(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`the codec ${url} could not be loaded`));
    document.head.append(script);
  });
}

/** Inflates raw deflate data with the browser's DecompressionStream, stopping past `limit` bytes. */
async function inflateRaw(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new RangeError(`inflates to more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** An 8-bit JPEG frame through the browser's decoder: grey (Rec. 601 of the decoded RGB, which is Y for a grey JPEG) or RGB samples. */
async function jpegBaseline(bytes: Uint8Array, shape: FrameShape): Promise<Uint8Array> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes.slice()], { type: 'image/jpeg' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'none' });
  } catch {
    throw new PixelDataError('damaged JPEG pixel data (the browser cannot decode it)');
  }
  try {
    if (bitmap.width !== shape.columns || bitmap.height !== shape.rows) {
      throw new PixelDataError(`the JPEG image decoded to ${bitmap.width}x${bitmap.height}, not the DICOM header's ${shape.columns}x${shape.rows}`);
    }
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new PixelDataError('the browser gave no 2-D canvas to read the JPEG frame');
    context.drawImage(bitmap, 0, 0);
    const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    if (shape.samplesPerPixel === 1) return greyFromRgba(rgba);
    const count = shape.rows * shape.columns;
    const rgb = new Uint8Array(count * 3);
    for (let p = 0; p < count; p += 1) {
      rgb[p * 3] = rgba[p * 4]!;
      rgb[p * 3 + 1] = rgba[p * 4 + 1]!;
      rgb[p * 3 + 2] = rgba[p * 4 + 2]!;
    }
    return rgb;
  } finally {
    bitmap.close();
  }
}

/** The DICOM platform of a page whose codec scripts are under `codecBase` (a URL ending in `/`). */
export function browserDicomPlatform(codecBase: string): DicomPlatform {
  const modules = new Map<string, Promise<CodecModule>>();
  const scripts = new Map<string, Promise<void>>();
  return {
    inflateRaw,
    codecs: {
      jpegBaseline,
      wasmCodec(name) {
        let module = modules.get(name);
        if (module === undefined) {
          const { script, global } = CODEC_SCRIPTS[name];
          let loaded = scripts.get(name);
          if (loaded === undefined) {
            loaded = loadScript(new URL(script, codecBase).href);
            scripts.set(name, loaded);
          }
          module = loaded.then(() => {
            const factory = (globalThis as unknown as Record<string, CodecFactory | undefined>)[global];
            if (factory === undefined) throw new Error(`the codec script ${script} defined no ${global}`);
            const quiet = (): void => undefined;
            return factory({ locateFile: (file) => new URL(file, codecBase).href, print: quiet, printErr: quiet });
          });
          void module.catch(() => modules.delete(name));
          modules.set(name, module);
        }
        return module;
      },
      dropWasmCodec(name) {
        modules.delete(name);
      },
    },
  };
}
