/**
 * DICOM decode benchmark: images/s of decodeImages on DICOM copies of X-rays, per transfer syntax,
 * against decodeImages on the JPEG originals of the same images, at the same concurrency, in the same
 * run (paired ABBA rounds, so the load of a shared machine hits both alike).
 *
 * The DICOM copies hold each file's 8-bit grey pixels as 12- or 16-bit values (8-bit for RLE, JPEG
 * baseline and deflate), as scanners store them; they are written once into a temporary folder.
 *
 * Run from the repository root:
 *   npx tsx --conditions=@cxr/source bench/decode/dicom.ts [--files N] [--rounds N] [--syntaxes a,b] [--no-write]
 * Writes its table into bench/decode/RESULTS.md between the `dicom` markers (below run.ts's marker,
 * so run.ts keeps it).
 */
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, from, lastValueFrom } from 'rxjs';
import { decodeImageAtSourceSize, decodeImages, type ImageRecord } from '@cxr/loader';
import { encodeDicom, type DicomSpec, type DicomSyntax } from '@cxr/loader/testing';

const here = dirname(fileURLToPath(import.meta.url));
const datasets = resolve(here, '../../../shared/datasets');
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const filesPerSet = option('--files', 24);
const rounds = option('--rounds', 2);
const write = !args.includes('--no-write');
const cores = availableParallelism();
const SIZE = 224;
const START = '<!-- dicom:start -->';
const END = '<!-- dicom:end -->';

/** The DICOM form of 8-bit grey pixels in one transfer syntax (values scanners store, a window back to 0..255). */
function spec(pixels: Uint8Array, width: number, height: number, syntax: DicomSyntax): DicomSpec {
  const v = Array.from(pixels);
  const wide = { values: v.map((x) => 16 * x + 8), bitsStored: 12, window: { center: 2048.5, width: 4081 } };
  switch (syntax) {
    case 'rle':
    case 'jpeg-baseline':
    case 'deflate':
      return { width, height, values: v, bitsStored: 8, syntax, window: { center: 128, width: 256 } };
    case 'jpeg-2000':
      return { width, height, ...wide, values: v.map((x) => 4095 - 16 * x), photometric: 'MONOCHROME1', syntax, window: { center: 2055.5, width: 4081 } };
    default:
      return { width, height, ...wide, syntax };
  }
}

const ALL: readonly DicomSyntax[] = ['explicit', 'implicit', 'deflate', 'rle', 'jpeg-baseline', 'jpeg-lossless', 'jpeg-ls', 'jpeg-2000'];
const only = args.indexOf('--syntaxes');
const SYNTAXES = only >= 0 ? ALL.filter((s) => args[only + 1]!.split(',').includes(s)) : ALL;

async function jpegs(folder: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (const cls of ['NORMAL', 'PNEUMONIA']) {
    const dir = join(folder, cls);
    const names = (await readdir(dir)).filter((f) => /\.jpe?g$/i.test(f)).sort();
    out.push(...names.slice(0, Math.ceil(n / 2)).map((f) => join(dir, f)));
  }
  return out.slice(0, n);
}

const record = (path: string): ImageRecord => ({ path, split: 'train', label: 0, className: 'NORMAL', groupId: path });

async function decodeAll(files: readonly string[]): Promise<number> {
  const start = performance.now();
  const n = await lastValueFrom(from(files.map(record)).pipe(decodeImages({ size: SIZE, concurrency: cores }), count()));
  if (n !== files.length) throw new Error(`decoded ${n} of ${files.length}`);
  return (performance.now() - start) / 1000;
}

interface Row {
  readonly set: string;
  readonly syntax: string;
  readonly files: number;
  readonly mbPerFile: number;
  readonly jpeg: number;
  readonly dicom: number;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'cxr-dicom-bench-'));
  const rows: Row[] = [];
  try {
    const sets: [string, string][] = [
      ['full-res (1000-2900 px)', join(datasets, 'chest-xray-fullres')],
      ['small (224-256 px)', join(datasets, 'chest-xray', 'train')],
    ];
    for (const [name, folder] of sets) {
      const sources = await jpegs(folder, name.startsWith('small') ? filesPerSet * 4 : filesPerSet);
      const images = await Promise.all(sources.map((f) => decodeImageAtSourceSize(f)));
      for (const syntax of SYNTAXES) {
        const dir = join(work, name.split(' ')[0]!, syntax);
        await mkdir(dir, { recursive: true });
        let bytes = 0;
        const copies: string[] = [];
        for (const [i, image] of images.entries()) {
          const data = await encodeDicom(spec(image.pixels, image.width, image.height, syntax));
          bytes += data.length;
          const path = join(dir, `${i}.dcm`);
          await writeFile(path, data);
          copies.push(path);
        }
        await decodeAll(copies.slice(0, 2)); // load the codec once
        let jpegSeconds = 0;
        let dicomSeconds = 0;
        for (let round = 0; round < rounds; round += 1) {
          // ABBA: JPEG, DICOM, DICOM, JPEG.
          jpegSeconds += await decodeAll(sources);
          dicomSeconds += await decodeAll(copies);
          dicomSeconds += await decodeAll(copies);
          jpegSeconds += await decodeAll(sources);
        }
        const row = { set: name, syntax, files: sources.length, mbPerFile: bytes / sources.length / 2 ** 20, jpeg: (2 * rounds * sources.length) / jpegSeconds, dicom: (2 * rounds * copies.length) / dicomSeconds };
        rows.push(row);
        console.log(`${row.set}  ${row.syntax}: DICOM ${row.dicom.toFixed(1)} img/s, JPEG ${row.jpeg.toFixed(1)} img/s, ${(row.dicom / row.jpeg).toFixed(2)}x (${row.mbPerFile.toFixed(2)} MB a file)`);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const load = loadavg()[0]!.toFixed(0);
  const header = '| set | transfer syntax | files | MB a file | DICOM img/s | JPEG img/s | DICOM / JPEG | measured (UTC, load) |';
  const line = (r: Row): string =>
    `| ${r.set} | ${r.syntax} | ${r.files} | ${r.mbPerFile.toFixed(2)} | ${r.dicom.toFixed(1)} | ${r.jpeg.toFixed(1)} | ${(r.dicom / r.jpeg).toFixed(2)}x | ${stamp}, ${load} |`;
  const path = join(here, 'RESULTS.md');
  const old = await readFile(path, 'utf8');
  // Rows of syntaxes not measured in this run (--syntaxes) are kept from the last run, with their own date.
  const kept = new Map<string, string>();
  if (old.includes(START)) {
    for (const row of old.slice(old.indexOf(START), old.indexOf(END)).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| set') && !l.startsWith('| ---'))) {
      const cells = row.split('|').map((c) => c.trim());
      if (cells.length >= 9) kept.set(`${cells[1]}|${cells[2]}`, row);
    }
  }
  for (const r of rows) kept.set(`${r.set}|${r.syntax}`, line(r));
  const order = (key: string): number => (key.startsWith('full') ? 0 : 100) + ALL.indexOf(key.split('|')[1] as DicomSyntax);
  const table = [
    'DICOM decode (`npx tsx --conditions=@cxr/source bench/decode/dicom.ts`): decodeImages to 224 px at concurrency',
    `${cores} (the cores) on DICOM copies of the same X-rays as the JPEG column, which is decodeImages on the JPEG originals in the`,
    `same run, ${rounds} ABBA round(s). 12-bit values (16-bit words) but for RLE, JPEG baseline and deflate (8-bit); JPEG 2000 as`,
    'MONOCHROME1. The load column is the 1-minute load average at the end of the run (2 cores): read the ratios.',
    '',
    header,
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...[...kept.entries()].sort((a, b) => order(a[0]) - order(b[0])).map(([, row]) => row),
  ].join('\n');
  console.log(`\n${table}`);
  if (!write) return;
  const section = `${START}\n${table}\n${END}`;
  const at = old.indexOf(START);
  const next = at >= 0 ? `${old.slice(0, at)}${section}${old.slice(old.indexOf(END) + END.length)}` : `${old.trimEnd()}\n\n${section}\n`;
  await writeFile(`${path}.tmp`, next);
  await rename(`${path}.tmp`, path);
}

await main();
