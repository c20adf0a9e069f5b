/**
 * Datasets larger than memory: `cxr train` on synthetic datasets of N distinct files made from the
 * shared images (small crops, re-encoded), N = 5k, 25k, 100k by default. Per N:
 *
 * 1. cold: `cxr train --dry-run` with an empty cache folder: every image decoded and written to the
 *    disk cache (the dry run decodes and audits everything, then stops before training);
 * 2. warm: `cxr train --epochs 1 --steps-per-epoch S --memory-cache off` on the same cache: nothing
 *    decoded, training streams from the disk cache; then validation, test and the report, as usual;
 * 3. at the smallest N, the same warm run with the defaults (`--memory-cache auto`: kept in memory),
 *    the baseline the streaming runs are compared with.
 *
 * Reported: peak RSS of each `cxr` process (GNU time's maximum resident set size), cold decode time,
 * warm read time and the share of the warm run spent decoding, training images/s, the input wait per
 * step and as a share of the step time, and the cache size on disk. Results go to
 * bench/scale-data/RESULTS.md.
 *
 *   npx tsx --conditions=@cxr/source bench/scale-data/run.ts [--sizes 5000,25000,100000] [--steps 40] [--val-fraction 0.02] [--image-size 128] [--work DIR] [--keep] [--prepare]
 *
 * The recipe is the default one except the validation share (`valFraction`, 0.02 here): with the
 * default 20%, a 100k set validates on 20k images, predicted twice (after the epoch and for the
 * calibration), which is most of a bounded run's time; the test split is the sources' own 527 images.
 *
 * The datasets are generated once into --work (default: a folder in the system's temporary folder,
 * never inside the repository) and reused by later runs; --keep leaves them there at the end, and
 * --prepare only generates them (so that a later run times cxr alone). Needs
 * the built command (`npm install` builds it) and GNU time (`apt-get install time`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { writeResults } from '../results-file.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '5000,25000,100000' },
    steps: { type: 'string', default: '40' },
    'image-size': { type: 'string', default: '128' },
    work: { type: 'string', default: join(tmpdir(), 'cxr-scale-data') },
    source: { type: 'string', default: resolve(repoRoot, '../shared/datasets/chest-xray') },
    keep: { type: 'boolean', default: false },
    prepare: { type: 'boolean', default: false },
    'val-fraction': { type: 'string', default: '0.02' },
    'no-memory-baseline': { type: 'boolean', default: false },
  },
});
const sizes = (values.sizes as string).split(',').map(Number);
const steps = Number(values.steps);
const imageSize = Number(values['image-size']);
const work = resolve(values.work as string);
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) {
  console.error(`bench/scale-data needs GNU time at ${TIME} for the peak RSS of each cxr process; install it (apt-get install time) and run again.`);
  process.exit(2);
}

interface Source {
  readonly split: string;
  readonly cls: string;
  readonly file: string;
}

function sources(): Source[] {
  const out: Source[] = [];
  for (const split of ['train', 'val', 'test']) {
    for (const cls of ['NORMAL', 'PNEUMONIA']) {
      const dir = join(values.source as string, split, cls);
      for (const file of readdirSync(dir).sort()) out.push({ split, cls, file });
    }
  }
  // A fixed mixed order (by a hash of the name), so that any first N holds every split and class in proportion.
  const key = (s: Source): string => createHash('sha1').update(`${s.split}/${s.cls}/${s.file}`).digest('hex');
  return out.sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

/**
 * N distinct files: file i is source i mod S, cropped by a few pixels (variant-dependent offsets)
 * and re-encoded at a variant-dependent JPEG quality, in the source's split and class folder. The
 * name keeps the source's patient prefix, so the split stays patient-disjoint. The largest N is
 * written once; a smaller N is its first N files, hard-linked (same bytes, no extra disk).
 */
async function generate(n: number, largest: number): Promise<string> {
  const root = join(work, `n${n}`);
  const marker = join(root, '.complete');
  if (existsSync(marker)) return root;
  rmSync(root, { recursive: true, force: true });
  const all = sources();
  const started = performance.now();
  const fileOf = (i: number): { input: string; dir: string; name: string } => {
    const src = all[i % all.length] as Source;
    const variant = Math.floor(i / all.length);
    return {
      input: join(values.source as string, src.split, src.cls, src.file),
      // The test split is the sources' own (variant 0); the other variants of test images train.
      dir: join(variant > 0 && src.split === 'test' ? 'train' : src.split, src.cls),
      name: variant === 0 ? src.file : src.file.replace(/(\.[a-z]+)$/i, `-v${variant}$1`),
    };
  };
  if (n < largest) {
    const full = await generate(largest, largest);
    for (let i = 0; i < n; i++) {
      const { dir, name } = fileOf(i);
      mkdirSync(join(root, dir), { recursive: true });
      linkSync(join(full, dir, name), join(root, dir, name));
    }
  } else {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < n; i = next++) {
        const { input, dir, name } = fileOf(i);
        const variant = Math.floor(i / all.length);
        mkdirSync(join(root, dir), { recursive: true });
        const image = sharp(input, { failOn: 'none' });
        const { width = 0, height = 0 } = await image.metadata();
        const dx = (variant * 3) % 9;
        const dy = (variant * 5) % 7;
        await image
          .extract({ left: dx, top: dy, width: Math.max(16, width - 8 - dx), height: Math.max(16, height - 6 - dy) })
          .jpeg({ quality: 80 + (variant % 15) })
          .toFile(join(root, dir, name));
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  }
  writeFileSync(marker, `${n}\n`);
  console.log(`generated ${n} files in ${((performance.now() - started) / 1000).toFixed(0)} s under ${root}`);
  return root;
}

interface Measured {
  readonly code: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly output: string;
}

/** Runs the built `cxr` under GNU time; the peak RSS is the process's maximum resident set size. */
function cxr(args: readonly string[], env: Record<string, string> = {}): Promise<Measured> {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(TIME, ['-f', 'CXR_BENCH_MAXRSS_KB=%M', process.execPath, join(repoRoot, 'apps/pipeline/bin/cxr.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('close', (code) => {
      const kb = Number(/CXR_BENCH_MAXRSS_KB=(\d+)/.exec(output)?.[1] ?? NaN);
      resolvePromise({ code: code ?? 1, seconds: (performance.now() - started) / 1000, peakRssMb: kb / 1024, output });
    });
  });
}

interface RunJson {
  readonly cache: { mode: string; reason: string; hits: number; decoded: number; seconds: number; estimateBytes: number };
  readonly results?: {
    input: { waitSeconds: number; trainSeconds: number; steps: number; meanWaitMs: number; meanStepMs: number; waitShareOfStep: number };
    timings: { totalSeconds: number; trainSeconds: number; decodeSeconds: number };
  };
  readonly settings: { batchSize: number };
}

interface Row {
  readonly n: number;
  readonly phase: string;
  readonly memory: string;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly decoded: number;
  readonly fromCache: number;
  readonly passSeconds: number;
  readonly decodeShare: number | undefined;
  readonly imagesPerSecond: number | undefined;
  readonly meanWaitMs: number | undefined;
  readonly meanStepMs: number | undefined;
  readonly waitShare: number | undefined;
  readonly cacheMb: number;
}

const rows: Row[] = [];
const runsDir = join(work, 'runs');

async function phase(n: number, data: string, cache: string, name: string, args: readonly string[]): Promise<Row> {
  const out = join(runsDir, `n${n}-${name}`);
  rmSync(out, { recursive: true, force: true });
  const config = join(work, 'recipe.json');
  writeFileSync(config, `${JSON.stringify({ valFraction: Number(values['val-fraction']) })}\n`);
  const result = await cxr(['train', '--data', data, '--out', out, '--cache', cache, '--external', 'none', '--image-size', String(imageSize), '--config', config, ...args]);
  if (result.code !== 0) throw new Error(`cxr train (${name}, N=${n}) failed with exit ${result.code}:\n${result.output.slice(-3000)}`);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  const info = await cxr(['cache', 'info', '--json', '--cache', cache]);
  const cacheMb = (JSON.parse(info.output.replace(/CXR_BENCH_MAXRSS_KB=\d+\s*$/, '')) as { bytes: number }).bytes / 2 ** 20;
  const input = run.results?.input;
  const total = run.results?.timings.totalSeconds ?? result.seconds;
  const row: Row = {
    n,
    phase: name,
    memory: run.cache.mode,
    seconds: result.seconds,
    peakRssMb: result.peakRssMb,
    decoded: run.cache.decoded,
    fromCache: run.cache.hits,
    passSeconds: run.cache.seconds,
    // A warm run decodes nothing: its decoding time is the cold pass's time per image times the images it decoded.
    decodeShare: run.cache.decoded === 0 ? 0 : run.cache.seconds / total,
    imagesPerSecond: input ? (input.steps * run.settings.batchSize) / input.trainSeconds : undefined,
    meanWaitMs: input?.meanWaitMs,
    meanStepMs: input?.meanStepMs,
    waitShare: input?.waitShareOfStep,
    cacheMb,
  };
  rows.push(row);
  console.log(
    `N=${n} ${name.padEnd(6)} ${row.memory.padEnd(6)} ${row.seconds.toFixed(0).padStart(5)} s  peak RSS ${row.peakRssMb.toFixed(0)} MB  decoded ${row.decoded}  from cache ${row.fromCache}  pass ${row.passSeconds.toFixed(1)} s` +
      (input ? `  ${row.imagesPerSecond?.toFixed(1)} img/s  wait ${input.meanWaitMs.toFixed(1)} ms of ${input.meanStepMs.toFixed(0)} ms a step (${(100 * input.waitShareOfStep).toFixed(2)}%)` : '') +
      `  cache ${cacheMb.toFixed(0)} MB`,
  );
  return row;
}

const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM (${(freemem() / 2 ** 30).toFixed(1)} GB available at start), load ${loadavg()
  .map((x) => x.toFixed(1))
  .join(' ')}`;
console.log(machine);
mkdirSync(runsDir, { recursive: true });
const largestN = Math.max(...sizes);
if (values.prepare) {
  for (const n of sizes) await generate(n, largestN);
  process.exit(0);
}
for (const n of sizes) {
  const data = await generate(n, largestN);
  const cache = join(work, `cache-n${n}`);
  rmSync(cache, { recursive: true, force: true });
  await phase(n, data, cache, 'cold', ['--dry-run']);
  await phase(n, data, cache, 'warm', ['--epochs', '1', '--steps-per-epoch', String(steps), '--memory-cache', 'off']);
  if (n === Math.min(...sizes) && !values['no-memory-baseline']) await phase(n, data, cache, 'warm-default', ['--epochs', '1', '--steps-per-epoch', String(steps)]);
  rmSync(cache, { recursive: true, force: true });
}
if (!values.keep) rmSync(work, { recursive: true, force: true });

const fmt = (x: number | undefined, digits = 1): string => (x === undefined ? '-' : x.toFixed(digits));
const warm = rows.filter((r) => r.phase === 'warm');
const base = warm[0];
const largest = warm[warm.length - 1];
const lines = [
  '# Scale: cxr train on datasets of 5k to 100k files, with the disk cache',
  '',
  `Machine: ${machine}. Shared with other work: read the ratios. Image size ${imageSize}, batch 32, the default model and recipe except a validation share of ${values['val-fraction']} (\`valFraction\` in a config file; the default 20% would validate a 100k set on 20k images, twice), one epoch of at most ${steps} steps (\`--steps-per-epoch ${steps}\`: a full epoch of 100k images is about half an hour on these 2 cores when they are not shared), then validation, the test split (the sources' own test images) and the report as usual.`,
  '',
  '```sh',
  `npx tsx --conditions=@cxr/source bench/scale-data/run.ts --sizes ${sizes.join(',')} --steps ${steps} --val-fraction ${values['val-fraction']} --image-size ${imageSize}`,
  '```',
  '',
  'Datasets: N distinct files from the shared images (each a small crop of a source image, re-encoded at its own JPEG quality), in a temporary folder outside the repository. `cold`: `cxr train --dry-run` with an empty cache (decodes, audits and fills the cache). `warm`: `cxr train --memory-cache off` on that cache (streams from disk). `warm-default`: the same with the defaults (this set fits the memory budget, so it is kept in memory).',
  '',
  '| N | run | images kept | wall s | peak RSS MB | decoded | from cache | decode/read pass s | share of run decoding | train img/s | input wait ms/step | step ms | wait share of step | cache on disk MB |',
  '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.n.toLocaleString('en-US')} | ${r.phase} | ${r.memory} | ${r.seconds.toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ${r.decoded.toLocaleString('en-US')} | ${r.fromCache.toLocaleString('en-US')} | ${r.passSeconds.toFixed(1)} | ${r.decodeShare === undefined ? '-' : `${(100 * r.decodeShare).toFixed(1)}%`} | ${fmt(r.imagesPerSecond)} | ${fmt(r.meanWaitMs)} | ${fmt(r.meanStepMs, 0)} | ${r.waitShare === undefined ? '-' : `${(100 * r.waitShare).toFixed(2)}%`} | ${r.cacheMb.toFixed(0)} |`,
  ),
  '',
  ...(base && largest
    ? [
        `Peak RSS of the streaming warm run at N = ${largest.n.toLocaleString('en-US')}: ${largest.peakRssMb.toFixed(0)} MB, ${((largest.peakRssMb / base.peakRssMb - 1) * 100).toFixed(1)}% above N = ${base.n.toLocaleString('en-US')} (${base.peakRssMb.toFixed(0)} MB; target within 20%). Input wait, mean over the steps: ${warm.map((r) => `${(100 * (r.waitShare ?? 0)).toFixed(2)}%`).join(', ')} of the step time (target under 5%). Warm runs decoded ${warm.map((r) => r.decoded).join(', ')} images (target: under 5% of the run decoding).`,
      ]
    : []),
  '',
];
writeResults(join(here, 'RESULTS.md'), lines.join('\n'));
console.log(`wrote ${join(here, 'RESULTS.md')}`);
