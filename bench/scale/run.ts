/**
 * Past one machine: `cxr cache build` and a small `cxr sweep` on the job queue (BullMQ on a Redis
 * started here) with 1, 2 and 4 worker processes, against the same command without a queue in the
 * same run; throughput, and the queue's overhead per job.
 *
 *   npx tsx --conditions=@cxr/source bench/scale/run.ts [--workers 1,2,4] [--image-size 128] [--shard-size 250]
 *       [--sweep-per-class 60] [--skip-sweep] [--skip-cache] [--data DIR]
 *
 * Needs redis-server (Debian's redis-server package; `node scripts/ensure-test-services.mjs` installs it) and
 * the built `cxr` (npm install builds it). Every process is a real `cxr` command (apps/pipeline/bin/cxr.js).
 * Prints a table and writes bench/scale/RESULTS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeResults } from '../results-file.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const CXR = join(repoRoot, 'apps/pipeline/bin/cxr.js');
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    'image-size': { type: 'string', default: '128' },
    'shard-size': { type: 'string', default: '250' },
    'sweep-per-class': { type: 'string', default: '60' },
    'skip-sweep': { type: 'boolean', default: false },
    'skip-cache': { type: 'boolean', default: false },
    data: { type: 'string', default: resolve(repoRoot, '../shared/datasets/chest-xray') },
  },
});
const workerCounts = (values.workers as string).split(',').map(Number);
const imageSize = Number(values['image-size']);
const shardSize = Number(values['shard-size']);
const perClass = Number(values['sweep-per-class']);
const data = values.data as string;
const work = mkdtempSync(join(tmpdir(), 'cxr-bench-scale-'));

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

/** Runs `cxr ...` to its end; resolves to its stdout (rejects on a non-zero exit). */
function cxr(args: readonly string[]): Promise<{ stdout: string; seconds: number }> {
  const started = performance.now();
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CXR, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => (code === 0 ? ok({ stdout, seconds: (performance.now() - started) / 1000 }) : fail(new Error(`cxr ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`))));
  });
}

function startWorkers(n: number, url: string, only: 'train' | 'decode', extra: readonly string[] = []): Promise<ChildProcess[]> {
  const children = Array.from({ length: n }, () => spawn(process.execPath, [CXR, 'worker', '--queue', url, '--only', only, ...extra], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] }));
  // Ready when each has said it takes jobs (its module load is not part of the measured build).
  return Promise.all(
    children.map(
      (child) =>
        new Promise<ChildProcess>((ok, fail) => {
          let out = '';
          child.stdout?.on('data', (c: Buffer) => {
            out += c.toString();
            if (out.includes('takes jobs from')) ok(child);
          });
          child.on('close', (code) => fail(new Error(`worker exited ${code} before it was ready: ${out}`)));
        }),
    ),
  );
}

async function stopWorkers(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((ok) => (child.exitCode !== null ? ok() : (child.once('close', () => ok()), child.kill('SIGTERM'))))));
}

interface BuildReport {
  images: number;
  shards: number;
  decoded: number;
  seconds: number;
  imagesPerSecond: number;
  shardSeconds: number;
  workers: { worker: string; shards: number; decoded: number; seconds: number; imagesPerSecond: number }[];
}

const port = await freePort();
const redisDir = join(work, 'redis');
mkdirSync(redisDir);
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', redisDir], { stdio: ['ignore', 'pipe', 'pipe'] });
await new Promise<void>((ok, fail) => {
  let out = '';
  redis.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.includes('Ready to accept connections')) ok();
  });
  redis.on('close', () => fail(new Error(`redis-server did not start (node scripts/ensure-test-services.mjs installs it):\n${out}`)));
});
const url = `redis://127.0.0.1:${port}`;
const load = loadavg()[0]?.toFixed(1);

try {
  // --- Cache build ---
  const build = async (label: string, n: number | null, shard = shardSize, concurrency?: number): Promise<BuildReport & { label: string; n: number | null; wall: number }> => {
    const cache = join(work, `cache-${label}`);
    const children = n === null ? [] : await startWorkers(n, url, 'decode', concurrency ? ['--concurrency', String(concurrency)] : []);
    try {
      const { stdout, seconds } = await cxr(['cache', 'build', '--data', data, '--cache', cache, '--image-size', String(imageSize), '--shard-size', String(shard), '--json', ...(n === null ? [] : ['--queue', url])]);
      return { ...(JSON.parse(stdout) as BuildReport), label, n, wall: seconds };
    } finally {
      await stopWorkers(children);
      rmSync(cache, { recursive: true, force: true });
    }
  };
  const skipCache = values['skip-cache'] === true;
  const builds = skipCache ? [] : [await build('local', null)];
  if (!skipCache) for (const n of workerCounts) builds.push(await build(`${n}-workers`, n));
  // Overhead per job: one worker decoding one shard at a time, small shards; the time between jobs.
  const small = Math.max(10, Math.round(shardSize / 10));
  const overheadLocal = skipCache ? undefined : await build('overhead-local', null, small);
  const overheadQueue = skipCache ? undefined : await build('overhead-queue', 1, small, 1);
  const perJob = (r: BuildReport): number => (r.seconds - r.shardSeconds) / Math.max(1, r.shards);

  // --- Sweep ---
  let sweepRows: { label: string; n: number | null; wall: number; runs: number }[] = [];
  if (!values['skip-sweep']) {
    const subset = join(work, 'subset');
    for (const split of ['train', 'val', 'test']) {
      for (const cls of ['NORMAL', 'PNEUMONIA']) {
        const from = join(data, split, cls);
        const to = join(subset, split, cls);
        mkdirSync(to, { recursive: true });
        for (const name of readdirSync(from).sort().slice(0, split === 'train' ? perClass : Math.ceil(perClass / 3))) copyFileSync(join(from, name), join(to, name));
      }
    }
    const sweepFile = join(work, 'sweep.json');
    writeFileSync(sweepFile, JSON.stringify({ train: { data: subset, epochs: 1, imageSize: 64, batchSize: 16, backend: 'wasm', external: 'none' }, settings: { base: {}, 'no-crop': { augment: { crop: 0 } } }, seeds: [1, 2] }));
    const sweep = async (label: string, n: number | null): Promise<{ label: string; n: number | null; wall: number; runs: number }> => {
      const children = n === null ? [] : await startWorkers(n, url, 'train');
      try {
        const { seconds } = await cxr(['sweep', sweepFile, '--out', join(work, `sweep-${label}`), ...(n === null ? [] : ['--queue', url])]);
        return { label, n, wall: seconds, runs: 4 };
      } finally {
        await stopWorkers(children);
      }
    };
    sweepRows = [await sweep('local', null)];
    for (const n of workerCounts) sweepRows.push(await sweep(`${n}-workers`, n));
  }

  const local = builds[0];
  const lines = [
    '# Scale: cache build and sweep on the job queue',
    '',
    `Made with \`npx tsx --conditions=@cxr/source bench/scale/run.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 16)} UTC: ${cpus().length} cores (${availableParallelism()} available), load average ${load} at the start (a shared machine: read the ratios). Redis on this machine, append-only file on; every worker a \`cxr worker\` process with its default concurrency (decode shards: ${availableParallelism()} at once; training: one run).`,
    '',
  ];
  if (local && overheadLocal && overheadQueue) {
    lines.push(
      `## \`cxr cache build\`: ${local.images} images of \`${data.replace(resolve(repoRoot, '..'), '..')}\` at ${imageSize} px, shards of ${shardSize}`,
      '',
      '| run | wall time (s) | images decoded | img/s (all) | vs no queue | per worker: shards, img/s |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...builds.map((b) => `| ${b.n === null ? 'no queue (in-process)' : `${b.n} worker${b.n > 1 ? 's' : ''}`} | ${b.seconds.toFixed(1)} | ${b.decoded} | ${b.imagesPerSecond.toFixed(1)} | ${(b.imagesPerSecond / local.imagesPerSecond).toFixed(2)}x | ${b.workers.map((w) => `${w.shards}, ${w.imagesPerSecond.toFixed(1)}`).join('; ')} |`),
      '',
      `Per image, one process on this machine: ${((1000 * local.seconds) / Math.max(1, local.decoded)).toFixed(2)} ms of wall time (decode + cache write, ${availableParallelism()} decodes at once).`,
      '',
      `Queue overhead per job (shards of ${small}, one worker taking one shard at a time; wall time minus the time inside the jobs, per job): **${(1000 * perJob(overheadQueue)).toFixed(0)} ms** (${overheadQueue.shards} shards; in-process, ${availableParallelism()} shards at once, the same ${overheadLocal.shards} shards took ${overheadLocal.seconds.toFixed(1)} s against ${overheadQueue.seconds.toFixed(1)} s).`,
      '',
    );
  }
  if (sweepRows.length) {
    const base = sweepRows[0] as (typeof sweepRows)[number];
    lines.push(
      `## \`cxr sweep\`: 4 runs (2 settings x 2 seeds), 1 epoch at 64 px on ${perClass} training images per class`,
      '',
      '| run | wall time (s) | s per run | vs no queue | overhead per run vs no queue (s) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...sweepRows.map((r) => `| ${r.n === null ? 'no queue (in-process)' : `${r.n} worker${r.n > 1 ? 's' : ''}`} | ${r.wall.toFixed(1)} | ${(r.wall / r.runs).toFixed(1)} | ${(base.wall / r.wall).toFixed(2)}x | ${r.n === 1 ? ((r.wall - base.wall) / r.runs).toFixed(2) : ''} |`),
      '',
    );
  }
  const report = lines.join('\n');
  process.stdout.write(`${report}\n`);
  writeResults(join(here, 'RESULTS.md'), report);
} finally {
  redis.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
