/**
 * Decode benchmark: images/s of scanDataset + decodeImages against a bare loop of the same sharp calls at
 * the same concurrency, in the same run, on the full-resolution and the small (224-256 px) X-rays; then a
 * few explorations (sharp thread settings, concurrency, buffer vs path input, worker threads).
 *
 * Run from the repository root:
 *   npx tsx --conditions=@cxr/source bench/decode/run.ts [--quick] [--rounds N] [--no-write]
 * Writes the figures to bench/decode/RESULTS.md, keeping the notes below its marker line.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { count, from, lastValueFrom, toArray } from 'rxjs';
import sharp, { type SharpOptions } from 'sharp';
import { decodeImages, decodeSettingsKey, isEightBitGrey, scanDataset, type ImageRecord } from '@cxr/loader';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const datasets = resolve(repoRoot, '../shared/datasets');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const write = !args.includes('--no-write');
const roundsArg = args.indexOf('--rounds');
const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : quick ? 1 : 2;
const cores = availableParallelism();
const SIZE = 224;
const MARKER = '<!-- Notes below this line are kept when run.ts rewrites this file. -->';

type Job = (files: readonly string[]) => Promise<unknown>;

/**
 * The baseline: a plain loop of `concurrency` workers making the plain sharp call of the recipe
 * (same options and operations, sharp's default sRGB output). `grey-aware` makes the calls the stage
 * makes (8-bit grey sources decoded straight to one channel), to isolate what the stage itself adds.
 * `minimal` drops what the recipe adds for correctness (EXIF orientation, alpha flattening, pixel limit).
 */
function bareLoop(concurrency: number, input: 'path' | 'buffer' = 'path', extra: SharpOptions = {}, variant: 'same' | 'grey-aware' | 'minimal' | 'decode-only' = 'same'): Job {
  return async (files) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < files.length) {
          const file = files[next++]!;
          const source = input === 'path' ? file : await readFile(file);
          if (variant === 'grey-aware') {
            // The calls decodeImages makes since it keeps 8-bit grey sources grey: read, sniff, decode.
            const bytes = await readFile(file);
            const resized = sharp(bytes, { failOn: 'warning', limitInputPixels: 100_000_000, ignoreIcc: true, autoOrient: true, sequentialRead: true, ...extra })
              .flatten({ background: { r: 0, g: 0, b: 0 } })
              .resize(SIZE, SIZE, { fit: 'fill', background: { r: 0, g: 0, b: 0, alpha: 1 } });
            await (isEightBitGrey(bytes) ? resized.toColourspace('b-w') : resized).raw({ depth: 'uchar' }).toBuffer();
          } else if (variant === 'same') {
            await sharp(source, { failOn: 'warning', limitInputPixels: 100_000_000, ignoreIcc: true, autoOrient: true, sequentialRead: true, ...extra })
              .flatten({ background: { r: 0, g: 0, b: 0 } })
              .resize(SIZE, SIZE, { fit: 'fill', background: { r: 0, g: 0, b: 0, alpha: 1 } })
              .raw({ depth: 'uchar' })
              .toBuffer();
          } else if (variant === 'minimal') {
            await sharp(source, { ignoreIcc: true, ...extra }).resize(SIZE, SIZE, { fit: 'fill' }).raw().toBuffer();
          } else {
            await sharp(source, { ignoreIcc: true, ...extra }).raw().toBuffer();
          }
        }
      }),
    );
  };
}

/** The stage under test on already scanned records (the scan itself is timed separately). */
function decodeStage(records: ReadonlyMap<string, ImageRecord>, concurrency: number, metadata = false): Job {
  return async (files) => {
    const n = await lastValueFrom(from(files.map((f) => records.get(f)!)).pipe(decodeImages({ size: SIZE, concurrency, metadata }), count()));
    if (n !== files.length) throw new Error(`decodeImages returned ${n} of ${files.length} samples`);
  };
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const sharp = require(workerData.sharpPath);
sharp.concurrency(workerData.sharpThreads);
parentPort.on('message', async (files) => {
  let next = 0;
  await Promise.all(Array.from({ length: workerData.concurrency }, async () => {
    while (next < files.length) {
      const file = files[next++];
      await sharp(file, { failOn: 'warning', limitInputPixels: 100000000, ignoreIcc: true, autoOrient: true, sequentialRead: true })
        .flatten({ background: { r: 0, g: 0, b: 0 } })
        .resize(workerData.size, workerData.size, { fit: 'fill', background: { r: 0, g: 0, b: 0, alpha: 1 } })
        .raw({ depth: 'uchar' })
        .toBuffer();
    }
  }));
  parentPort.postMessage(files.length);
});
`;

/** The bare loop spread over worker threads (each with its own sharp), started once. */
function workerPool(workers: number, concurrencyEach: number, sharpThreads: number): { job: Job; close: () => Promise<void> } {
  const sharpPath = createRequire(import.meta.url).resolve('sharp');
  const pool = Array.from({ length: workers }, () => new Worker(WORKER, { eval: true, workerData: { sharpPath, concurrency: concurrencyEach, sharpThreads, size: SIZE } }));
  const job: Job = (files) =>
    Promise.all(
      pool.map(
        (w, k) =>
          new Promise((ok) => {
            w.once('message', ok);
            w.postMessage(files.filter((_, i) => i % workers === k));
          }),
      ),
    );
  return { job, close: async () => void (await Promise.all(pool.map((w) => w.terminate()))) };
}

/** Wall and CPU seconds of one job (CPU: this process, all its threads; worker threads included). */
async function seconds(job: Job, files: readonly string[]): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await job(files);
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

interface Paired {
  /** Images per wall-clock second. */
  readonly baseline: number;
  readonly variant: number;
  /** Images per CPU second (less sensitive to other processes' load). */
  readonly baselineCpu: number;
  readonly variantCpu: number;
}

/**
 * Times `variant` against `baseline` on the same files, chunk by chunk in alternating order
 * (ABBA), so that the load of this shared machine, which drifts by the second, hits both alike.
 * Returns images per second of each over all rounds. `extraSeconds` is added to the variant's time once per round.
 */
async function paired(files: readonly string[], chunk: number, baseline: Job, variant: Job, extraSeconds?: () => Promise<{ wall: number; cpu: number }>): Promise<Paired> {
  const base = { wall: 0, cpu: 0 };
  const vary = { wall: 0, cpu: 0 };
  const addTo = (sum: { wall: number; cpu: number }, t: { wall: number; cpu: number }) => {
    sum.wall += t.wall;
    sum.cpu += t.cpu;
  };
  for (let round = 0; round < rounds; round += 1) {
    if (extraSeconds) addTo(vary, await extraSeconds());
    for (let i = 0, k = 0; i < files.length; i += chunk, k += 1) {
      const part = files.slice(i, i + chunk);
      if ((k + round) % 2 === 0) {
        addTo(base, await seconds(baseline, part));
        addTo(vary, await seconds(variant, part));
      } else {
        addTo(vary, await seconds(variant, part));
        addTo(base, await seconds(baseline, part));
      }
    }
  }
  const n = files.length * rounds;
  return { baseline: n / base.wall, variant: n / vary.wall, baselineCpu: n / base.cpu, variantCpu: n / vary.cpu };
}

async function scanRecords(root: string): Promise<ImageRecord[]> {
  return lastValueFrom(scanDataset(root).pipe(toArray()));
}

async function scanSeconds(root: string): Promise<{ wall: number; cpu: number }> {
  return seconds(async () => scanRecords(root), []);
}

function row(name: string, p: Paired): string {
  return `| ${name} | ${p.variant.toFixed(0)} | ${p.baseline.toFixed(0)} | ${(p.variant / p.baseline).toFixed(2)}x | ${p.variantCpu.toFixed(0)} | ${p.baselineCpu.toFixed(0)} | ${(p.variantCpu / p.baselineCpu).toFixed(2)}x |`;
}

const TABLE_HEAD =
  '| variant | img/s | bare loop, img/s | ratio | img per CPU-s | bare loop, img per CPU-s | CPU ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |';

async function explore(label: string, files: readonly string[], records: ReadonlyMap<string, ImageRecord>, chunk: number): Promise<string> {
  const rows: string[] = [];
  const bare = bareLoop(cores);
  const add = async (name: string, job: Job) => {
    const p = await paired(files, chunk, bare, job);
    rows.push(row(name, p));
    console.log(`${label} ${name}: ${p.variant.toFixed(0)} img/s vs bare ${p.baseline.toFixed(0)} (${(p.variant / p.baseline).toFixed(2)}x; CPU ${(p.variantCpu / p.baselineCpu).toFixed(2)}x)`);
  };
  const defaultThreads = sharp.concurrency();
  for (const c of [1, cores * 2, cores * 4]) await add(`bare, concurrency ${c}`, bareLoop(c));
  await add('bare, file read into a Buffer first', bareLoop(cores, 'buffer'));
  await add('bare, grey-aware calls (as decodeImages: read, sniff, 8-bit grey stays one channel)', bareLoop(cores, 'path', {}, 'grey-aware'));
  await add("bare, failOn 'none'", bareLoop(cores, 'path', { failOn: 'none' }));
  await add('bare, sequentialRead', bareLoop(cores, 'path', { sequentialRead: true }));
  await add('bare, minimal sharp call (no EXIF orientation, no flatten, no pixel limit)', bareLoop(cores, 'path', {}, 'minimal'));
  await add('bare, minimal call, decode only (no resize)', bareLoop(cores, 'path', {}, 'decode-only'));
  const withThreads = (threads: number, job: Job): Job => async (part) => {
    sharp.concurrency(threads);
    try {
      await job(part);
    } finally {
      sharp.concurrency(defaultThreads);
    }
  };
  await add(`bare, concurrency ${cores}, sharp.concurrency(1) (default ${defaultThreads})`, withThreads(1, bareLoop(cores)));
  await add(`bare, concurrency ${cores * 2}, sharp.concurrency(1)`, withThreads(1, bareLoop(cores * 2)));
  const noCache: Job = async (part) => {
    sharp.cache(false);
    try {
      await bareLoop(cores)(part);
    } finally {
      sharp.cache(true);
    }
  };
  await add('bare, sharp.cache(false)', noCache);
  for (const [w, c] of [
    [cores, 1],
    [cores, 2],
  ] as const) {
    const pool = workerPool(w, c, 1);
    await add(`${w} worker threads x concurrency ${c}, sharp.concurrency(1)`, pool.job);
    await pool.close();
  }
  for (const c of [1, cores, cores * 2]) await add(`decodeImages, concurrency ${c}`, decodeStage(records, c));
  await add(`decodeImages + metadata (as scanAndAudit), concurrency ${cores}`, decodeStage(records, cores, true));
  return `${TABLE_HEAD}\n${rows.join('\n')}`;
}

async function main(): Promise<void> {
  const full = join(datasets, 'chest-xray-fullres');
  const small = join(datasets, 'chest-xray', 'train');
  const load = loadavg().map((x) => x.toFixed(1)).join(' ');
  const sections: string[] = [];
  let ok = true;
  const sets = [
    { label: 'full-res', root: full, chunk: 8 },
    { label: 'small', root: small, chunk: 100 },
  ];
  const scanned = new Map<string, ImageRecord[]>();
  for (const set of sets) scanned.set(set.root, await scanRecords(set.root));
  console.log(`cores ${cores}, load ${load}, ${scanned.get(full)!.length} full-res and ${scanned.get(small)!.length} small files, ${rounds} round(s)`);
  for (const { label, root, chunk } of sets) {
    const records = scanned.get(root)!;
    const files = records.map((r) => r.path);
    const byPath = new Map(records.map((r) => [r.path, r]));
    await bareLoop(cores)(files.slice(0, 40)); // warm-up
    await decodeStage(byPath, cores)(files.slice(0, 40));
    const p = await paired(files, chunk, bareLoop(cores), decodeStage(byPath, cores), () => scanSeconds(root));
    const ratio = p.variant / p.baseline;
    ok &&= ratio >= 0.9;
    console.log(`${label}: stage ${p.variant.toFixed(0)} img/s, bare ${p.baseline.toFixed(0)} img/s, ratio ${ratio.toFixed(2)}; per CPU-s ${(p.variantCpu / p.baselineCpu).toFixed(2)}`);
    const same = await paired(files, chunk, bareLoop(cores, 'path', {}, 'grey-aware'), decodeStage(byPath, cores), () => scanSeconds(root));
    console.log(`${label}: stage vs a bare loop of the same grey-aware calls: ${(same.variant / same.baseline).toFixed(2)}; per CPU-s ${(same.variantCpu / same.baselineCpu).toFixed(2)}`);
    sections.push(
      [
        `### ${label}: \`${relative(repoRoot, root)}\` (${files.length} files)`,
        '',
        TABLE_HEAD,
        row(`scanDataset + decodeImages, concurrency ${cores} (scan time included)`, p),
        '',
        `Stage / bare loop: **${ratio.toFixed(2)}x** in images/s (target >= 0.90x); ${(p.variantCpu / p.baselineCpu).toFixed(2)}x in images per CPU-second.`,
        '',
        'What the stage itself adds (RxJS, ordering, error handling, the scan), against a bare loop making exactly its sharp calls (8-bit grey sources read, sniffed and decoded to one channel):',
        '',
        TABLE_HEAD.replace('bare loop, img/s', 'bare grey-aware loop, img/s').replace('bare loop, img per CPU-s', 'bare grey-aware loop, img per CPU-s'),
        row(`scanDataset + decodeImages, concurrency ${cores} (scan time included)`, same),
      ].join('\n'),
    );
  }
  if (!quick) {
    const fullRecords = scanned.get(full)!;
    sections.push(
      `### Explorations, full-res (${fullRecords.length} files)\n\n${await explore('full-res', fullRecords.map((r) => r.path), new Map(fullRecords.map((r) => [r.path, r])), 8)}`,
    );
    const slice = scanned.get(small)!.slice(0, 1000);
    sections.push(
      `### Explorations, small (first ${slice.length} files of train, sorted)\n\n${await explore('small', slice.map((r) => r.path), new Map(slice.map((r) => [r.path, r])), 100)}`,
    );
  }
  const versions = sharp.versions as { sharp?: string; vips?: string };
  const header = [
    '# Decode benchmark',
    '',
    'Command (from the repository root):',
    '',
    '```',
    'npx tsx --conditions=@cxr/source bench/decode/run.ts',
    '```',
    '',
    `Last run: ${new Date().toISOString()}; ${cores} cores, Node ${process.version}, sharp ${versions.sharp} (libvips ${versions.vips}); load average at start ${load}.` +
      ` Output ${SIZE}x${SIZE} grey, fit 'fill'; decode settings \`${decodeSettingsKey({ size: SIZE })}\`.` +
      ` Every row is timed against the bare loop chunk by chunk in alternating order (${rounds} round(s)), because the machine is shared: compare ratios, not runs.`,
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  console.log(`\n${header}`);
  if (write) {
    const path = join(here, 'RESULTS.md');
    let notes = `${MARKER}\n`;
    try {
      const old = await readFile(path, 'utf8');
      const at = old.indexOf(MARKER);
      if (at >= 0) notes = old.slice(at);
    } catch {
      // first run
    }
    await writeFile(`${path}.tmp`, `${header}\n${notes}`);
    await rename(`${path}.tmp`, path);
    console.log(`written ${path}`);
  }
  if (!ok) {
    console.error('The stage ran below 0.9x the bare loop in this run.');
    process.exitCode = 1;
  }
}

await main();
