/**
 * Checks the loader's 8-bit grey fast path on real files: decodes every image of the shared
 * datasets with decodeImage and with the general path spelled out (sharp's default sRGB output,
 * then Rec. 601 luma), and counts the files whose pixels differ. Expected: 0.
 *
 *   npx tsx --conditions=@cxr/source bench/decode/grey-path-check.ts [--size 224] [--fit fill|contain]
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { lastValueFrom, toArray } from 'rxjs';
import sharp from 'sharp';
import { decodeImage, isEightBitGrey, scanDataset } from '@cxr/loader';

const { values } = parseArgs({ options: { size: { type: 'string', default: '224' }, fit: { type: 'string', default: 'fill' } } });
const size = Number(values.size);
const fit = values.fit === 'contain' ? 'contain' : 'fill';
const datasets = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/datasets');

async function generalPath(path: string): Promise<Uint8Array> {
  const rgb = await sharp(path, { failOn: 'warning', ignoreIcc: true, autoOrient: true })
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .resize(size, size, { fit, background: { r: 0, g: 0, b: 0, alpha: 1 } })
    .raw({ depth: 'uchar' })
    .toBuffer();
  const channels = rgb.length / (size * size);
  if (channels === 1) return new Uint8Array(rgb);
  return Uint8Array.from({ length: size * size }, (_, i) => (rgb[3 * i]! * 19595 + rgb[3 * i + 1]! * 38470 + rgb[3 * i + 2]! * 7471 + 0x8000) >>> 16);
}

let files = 0;
let grey = 0;
const differing: string[] = [];
for (const root of ['chest-xray', 'chest-xray-fullres']) {
  const records = await lastValueFrom(scanDataset(resolve(datasets, root)).pipe(toArray()));
  for (const { path } of records) {
    files += 1;
    if (isEightBitGrey(await readFile(path))) grey += 1;
    const [fast, general] = await Promise.all([decodeImage(path, { size, fit }), generalPath(path)]);
    if (Buffer.compare(Buffer.from(fast.pixels), Buffer.from(general)) !== 0) differing.push(path);
  }
}
console.log(`${files} files at ${size} px '${fit}', ${grey} of them 8-bit grey (fast path): ${differing.length} differ from the general path`);
for (const path of differing.slice(0, 10)) console.log(`  ${path}`);
if (differing.length > 0) process.exitCode = 1;
