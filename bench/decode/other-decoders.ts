/**
 * Exploration: single-thread JPEG decode speed of decoders other than sharp, on the same files,
 * against sharp on one thread (decode only, and the full cxr recipe), in the same run.
 * The other decoders are not dependencies of cxr: install them into a scratch folder first (by
 * default `cxr-other-decoders` in the system's temporary folder, `os.tmpdir()`), from the repository root:
 *   D=$(node -p "require('path').join(require('os').tmpdir(), 'cxr-other-decoders')")
 *   mkdir -p "$D" && (cd "$D" && npm init -y && npm install --ignore-scripts jpeg-js@0.4.4 @cornerstonejs/codec-libjpeg-turbo-8bit@1.2.8)
 * then:
 *   npx tsx --conditions=@cxr/source bench/decode/other-decoders.ts [--from "$D"] [--files 1000]
 * A decoder that is not installed there is skipped.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import sharp from 'sharp';
import { scanDataset } from '@cxr/loader';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const datasets = resolve(repoRoot, '../shared/datasets');
const args = process.argv.slice(2);
const fromArg = args.indexOf('--from');
const scratch = fromArg >= 0 ? resolve(args[fromArg + 1]!) : join(tmpdir(), 'cxr-other-decoders');
const filesArg = args.indexOf('--files');
const limit = filesArg >= 0 ? Number(args[filesArg + 1]) : 1000;
const load = createRequire(join(scratch, 'package.json'));

type Decode = (jpeg: Buffer) => Promise<unknown> | unknown;

function tryLoad<T>(name: string): T | undefined {
  try {
    return load(name) as T;
  } catch {
    console.log(`(${name} not installed in ${scratch}: skipped)`);
    return undefined;
  }
}

async function decoders(): Promise<Record<string, Decode>> {
  const out: Record<string, Decode> = {
    'sharp, decode only': (b) => sharp(b, { ignoreIcc: true }).raw().toBuffer(),
    'sharp, cxr recipe (orientation, flatten, 224x224 resize)': (b) =>
      sharp(b, { failOn: 'warning', limitInputPixels: 100_000_000, ignoreIcc: true, autoOrient: true, sequentialRead: true })
        .flatten({ background: { r: 0, g: 0, b: 0 } })
        .resize(224, 224, { fit: 'fill', background: { r: 0, g: 0, b: 0, alpha: 1 } })
        .raw({ depth: 'uchar' })
        .toBuffer(),
  };
  const jpegjs = tryLoad<{ decode: (b: Buffer, o: object) => unknown }>('jpeg-js');
  if (jpegjs) out['jpeg-js (pure JS), decode only'] = (b) => jpegjs.decode(b, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048 });
  const wasmPath = join(scratch, 'node_modules/@cornerstonejs/codec-libjpeg-turbo-8bit/dist/libjpegturbowasm_decode.js');
  const factory = tryLoad<() => Promise<WasmModule>>(wasmPath);
  if (factory) {
    const m = await factory();
    out['libjpeg-turbo WASM (@cornerstonejs/codec-libjpeg-turbo-8bit), decode only'] = (b) => {
      const decoder = new m.JPEGDecoder();
      try {
        decoder.getEncodedBuffer(b.length).set(b);
        decoder.decode();
        return decoder.getDecodedBuffer();
      } finally {
        decoder.delete();
      }
    };
  }
  return out;
}

interface WasmModule {
  JPEGDecoder: new () => { getEncodedBuffer(n: number): Uint8Array; decode(): void; getDecodedBuffer(): Uint8Array; delete(): void };
}

async function main(): Promise<void> {
  sharp.concurrency(1); // one libvips thread: every row below is one decode at a time on one core
  const list = await decoders();
  for (const [label, root, n] of [
    ['small', join(datasets, 'chest-xray', 'train'), limit],
    ['full-res', join(datasets, 'chest-xray-fullres'), 80],
  ] as const) {
    const records = (await lastValueFrom(scanDataset(root).pipe(toArray()))).slice(0, n);
    const buffers = await Promise.all(records.map((r) => readFile(r.path)));
    const totals = new Map<string, number>(Object.keys(list).map((k) => [k, 0]));
    const chunk = label === 'small' ? 50 : 4;
    for (let i = 0, k = 0; i < buffers.length; i += chunk, k += 1) {
      const part = buffers.slice(i, i + chunk);
      const names = Object.keys(list);
      if (k % 2) names.reverse();
      for (const name of names) {
        const start = performance.now();
        for (const b of part) await list[name]!(b);
        totals.set(name, totals.get(name)! + performance.now() - start);
      }
    }
    console.log(`\n${label}: ${buffers.length} files, one at a time on one thread, interleaved in chunks of ${chunk}`);
    console.log('| decoder | img/s (one thread) |\n| --- | ---: |');
    for (const [name, ms] of totals) console.log(`| ${name} | ${((buffers.length * 1000) / ms).toFixed(0)} |`);
  }
}

await main();
