import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSettingsKey } from '@cxr/loader';
import { writeTinyDataset } from '@cxr/loader/testing';
import { openSampleCache } from '@cxr/preprocess';
import { scanRecords } from './lib/dataset.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli, spawnCxr } from './testing/cli.js';
import type { CxrProcess } from './testing/cli.js';
import { startRedis } from './testing/redis.js';
import type { TestRedis } from './testing/redis.js';

// cxr sweep and cxr worker on a real Redis (a redis-server started here on a free port): the same
// runs on worker processes as in one process, a worker killed mid-job, retries, Ctrl-C and --resume.

const work = mkdtempSync(join(tmpdir(), 'cxr-queue-'));
let data = '';
let redis: TestRedis;
const workers: CxrProcess[] = [];
const TRAIN = { epochs: 1, imageSize: 32, batchSize: 8, backend: 'wasm', external: 'none' };

interface SweepJson {
  sweep: { complete: boolean; counts: Record<string, number> };
  settings: Record<string, { done: number; failed: number; figures: Record<string, Record<string, { mean: number; sd: number; n: number }>> }>;
  runs: { name: string; status: string; error: string | null; attempts: number | null; report: string | null; figures: Record<string, Record<string, number>> }[];
}
const readSweep = (out: string): SweepJson => JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepJson;
const sweepFile = (name: string, body: Record<string, unknown>): string => {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
};
// Short locks, so that a killed worker's job moves on within seconds (a lock is renewed every half of it).
const startWorker = (...extra: string[]): CxrProcess => {
  const worker = spawnCxr(['worker', '--queue', redis.url, '--lock-seconds', '4', ...extra], { cwd: work });
  workers.push(worker);
  return worker;
};
const stopWorker = async (worker: CxrProcess): Promise<number> => {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
  return (await worker.exited).code;
};
/** Each run's figures and model bytes equal the reference run of the same name. */
function expectSameRuns(out: string, names: readonly string[]): void {
  const got = readSweep(out);
  const want = readSweep(reference);
  for (const name of names) {
    const a = got.runs.find((r) => r.name === name);
    const b = want.runs.find((r) => r.name === name);
    expect(a?.status, `${name}: ${a?.error ?? ''}`).toBe('done');
    expect(a?.figures, name).toEqual(b?.figures);
    expect(readFileSync(join(out, 'runs', name, 'model', 'weights.bin')).equals(readFileSync(join(reference, 'runs', name, 'model', 'weights.bin'))), name).toBe(true);
  }
}

const reference = join(work, 'local');
let fourRuns = '';
const RUN_NAMES = ['base-seed1', 'base-seed2', 'no-flip-seed1', 'no-flip-seed2'];

beforeAll(async () => {
  [redis, data] = await Promise.all([startRedis(), writeTinyDataset(join(work, 'data'), { perClass: 12, size: 48, seed: 3 }).then((d) => d.root)]);
  fourRuns = sweepFile('four', { train: { ...TRAIN, data }, settings: { base: {}, 'no-flip': { augment: { flip: false } } }, seeds: [1, 2] });
  const local = await cli(['sweep', fourRuns, '--out', reference], { cwd: work });
  expect(local.code, local.stderr).toBe(0);
}, 300_000);

// Each test starts from an empty queue, and no worker outlives its test (even a failed one).
beforeEach(async () => {
  await redis.client.flushall();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map(stopWorker));
});

afterAll(async () => {
  await Promise.all(workers.map(stopWorker));
  await redis?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('cxr sweep on the queue', () => {
  it('Ctrl-C leaves the queued runs; two worker processes run them and --resume gets the local sweep\'s metrics and bytes per run', async () => {
    const out = join(work, 'queued');
    const controller = new AbortController();
    const first = cli(['sweep', fourRuns, '--out', out, '--queue', redis.url], {
      cwd: work,
      signal: controller.signal,
      onStderr: () => undefined,
    });
    // No worker yet: the jobs wait on the queue.
    for (let i = 0; i < 200 && !existsSync(join(out, 'sweep.log')); i++) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 200 && (await redis.client.llen('cxr:train:wait')) < 4; i++) await new Promise((r) => setTimeout(r, 50));
    controller.abort('SIGINT');
    const stopped = await first;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stdout).toMatch(/the queued runs stay on the queue and the workers go on with them; `cxr sweep .* --resume` follows them again/);
    expect(await redis.client.llen('cxr:train:wait')).toBe(4);

    const again = await cli(['sweep', fourRuns, '--out', out, '--queue', redis.url], { cwd: work });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a sweep .*; add --resume to continue it, or give another --out folder\.\n$/);

    const [a, b] = [startWorker(), startWorker()];
    const resumed = await cli(['sweep', fourRuns, '--out', out, '--queue', redis.url, '--resume'], { cwd: work });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/4 already on the queue/);
    expectSameRuns(out, RUN_NAMES);
    const sweep = readSweep(out);
    expect(sweep.sweep).toMatchObject({ complete: true, counts: { done: 4, failed: 0 } });
    expect(sweep.settings['base']?.figures['test']?.['auc']).toMatchObject({ n: 2 });
    // Both workers took jobs; each stops cleanly (exit 0: nothing cut short).
    const [codeA, codeB] = await Promise.all([stopWorker(a), stopWorker(b)]);
    expect([codeA, codeB]).toEqual([0, 0]);
    expect(a.output().stdout).toMatch(/training \(attempt 1/);
    expect(b.output().stdout).toMatch(/training \(attempt 1/);
    const html = readFileSync(join(out, 'sweep.html'), 'utf8');
    for (const name of RUN_NAMES) expect(html).toContain(`<a href="runs/${name}/report.html">${name}</a>`);
  }, 300_000);

  it('a worker killed with kill -9 mid-job leaves its job to another worker after the lock expires, with the same result', async () => {
    const out = join(work, 'killed');
    const file = sweepFile('one', { train: { ...TRAIN, data }, settings: { base: {} }, seeds: [1] });
    const doomed = startWorker();
    const sweep = cli(['sweep', file, '--out', out, '--queue', redis.url], { cwd: work });
    // Kill it once its run has written a checkpoint (the run is past training, before its report).
    const checkpoint = (name: string): boolean => existsSync(join(out, 'runs', name, 'checkpoints', 'last', 'state.json'));
    for (let i = 0; i < 1200 && !checkpoint('base-seed1'); i++) await new Promise((r) => setTimeout(r, 25));
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    const rescuer = startWorker();
    const result = await sweep;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/running on \S+ \(attempt [2-9]\)/);
    expect(result.stdout).toMatch(/continued from the checkpoint of an attempt cut short/);
    expect(rescuer.output().stdout).toMatch(/training \(attempt [2-9]/);
    expectSameRuns(out, ['base-seed1']);
    expect(await stopWorker(rescuer)).toBe(0);
  }, 300_000);

  it('Redis killed and started again mid-sweep (append-only file on) loses no job: the sweep and the worker wait for it and finish with the same results', async () => {
    const out = join(work, 'redis-crash');
    const file = sweepFile('two', { train: { ...TRAIN, data }, settings: { base: {} }, seeds: [1, 2] });
    const worker = startWorker();
    const sweep = cli(['sweep', file, '--out', out, '--queue', redis.url], { cwd: work });
    // While the first run trains, the second waits on the queue: both live only in Redis.
    await worker.waitFor(/base-seed1: training \(attempt 1/, 120_000);
    await redis.crash();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    const result = await sweep;
    expect(result.code, result.stderr).toBe(0);
    expectSameRuns(out, ['base-seed1', 'base-seed2']);
    expect(readSweep(out).sweep).toMatchObject({ complete: true, counts: { done: 2, failed: 0 } });
    expect(await stopWorker(worker)).toBe(0);
    // Connection errors while Redis was down are handled (reconnects), not printed as unhandled.
    expect(`${result.stderr}${worker.output().stderr}`).not.toMatch(/Unhandled|ECONNREFUSED/);
  }, 300_000);

  it('a run that fails three times is reported with its error while the others finish; a run that fails once is retried to the end', async () => {
    const out = join(work, 'retries');
    const gone = join(work, 'data-gone');
    const flaky = join(work, 'data-flaky');
    cpSync(data, gone, { recursive: true });
    cpSync(data, flaky, { recursive: true });
    const file = sweepFile('retries', { train: { ...TRAIN, data }, settings: { gone: { data: gone }, flaky: { data: flaky } }, seeds: [1] });
    const sweep = cli(['sweep', file, '--out', out, '--queue', redis.url, '--retry-delay', '1'], { cwd: work });
    for (let i = 0; i < 200 && (await redis.client.llen('cxr:train:wait')) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    // After the sweep checked them: one folder goes for good, one until its first attempt failed.
    rmSync(gone, { recursive: true });
    renameSync(flaky, `${flaky}-away`);
    const worker = startWorker();
    await worker.waitFor(/flaky-seed1: attempt 1 failed/, 180_000);
    renameSync(`${flaky}-away`, flaky);
    const result = await sweep;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cxr sweep: 1 of 2 runs failed: gone-seed1 (The folder ${gone} (from --data) does not exist`);
    const runs = readSweep(out).runs;
    expect(runs.find((r) => r.name === 'gone-seed1')).toMatchObject({ status: 'failed', attempts: 3, error: expect.stringContaining(`${gone} (from --data) does not exist`) });
    expect(runs.find((r) => r.name === 'flaky-seed1')).toMatchObject({ status: 'done', attempts: 2 });
    // The same data and seed as the local base-seed1, in another folder: the same figures.
    expect(runs.find((r) => r.name === 'flaky-seed1')?.figures).toEqual(readSweep(reference).runs.find((r) => r.name === 'base-seed1')?.figures);
    expect(readFileSync(join(out, 'sweep.html'), 'utf8')).toMatch(/<span class="bad">failed<\/span> after 3 attempts: The folder/);
    expect(await stopWorker(worker)).toBe(0);
  }, 300_000);
});

describe('cxr cache build on the queue', () => {
  // Known failure, skipped until fixed: the cache two live worker processes build reports 72
  // entries under the right settings key in its info, yet a reader in another process finds none
  // of them (has() is false for every image, by stamp and by content). A local build is found.
  it('the cache two worker processes build serves the same bytes for every image as the cache built in one process; a second build decodes nothing', async () => {
    const key = decodeSettingsKey({ size: 32, fit: 'fill' });
    const build = async (cache: string, ...extra: string[]): Promise<{ images: number; decoded: number; alreadyCached: number; shards: number; workers: { worker: string; decoded: number; imagesPerSecond: number }[] }> => {
      const result = await cli(['cache', 'build', '--data', data, '--cache', cache, '--image-size', '32', '--shard-size', '6', '--json', ...extra], { cwd: work });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Awaited<ReturnType<typeof build>>;
    };
    const local = await build(join(work, 'cache-local'));
    expect(local).toMatchObject({ images: 72, decoded: 72, alreadyCached: 0, shards: 12 });
    const pair = [startWorker('--only', 'decode', '--concurrency', '2'), startWorker('--only', 'decode', '--concurrency', '2')];
    await Promise.all(pair.map((w) => w.waitFor(/takes jobs from/)));
    const queued = await build(join(work, 'cache-queue'), '--queue', redis.url);
    expect(queued).toMatchObject({ images: 72, decoded: 72, shards: 12 });
    expect(queued.workers.reduce((n, w) => n + w.decoded, 0)).toBe(72);
    expect(queued.workers.every((w) => w.imagesPerSecond > 0)).toBe(true);

    const a = openSampleCache(join(work, 'cache-local'));
    const b = openSampleCache(join(work, 'cache-queue'));
    expect(b.info()).toMatchObject({ entries: 72, bySettings: { [key]: 72 } });
    expect(a.info()).toMatchObject({ entries: 72, bySettings: { [key]: 72 } });
    const { records } = await scanRecords(data);
    for (const record of records) {
      const [x, y] = await Promise.all([a.get(record, key), b.get(record, key)]);
      expect(y, record.path).toBeDefined();
      expect(Buffer.from(y?.pixels ?? []).equals(Buffer.from(x?.pixels ?? [])), record.path).toBe(true);
      expect([y?.height, y?.width, y?.source]).toEqual([x?.height, x?.width, x?.source]);
    }
    const again = await build(join(work, 'cache-queue'), '--queue', redis.url);
    expect(again).toMatchObject({ decoded: 0, alreadyCached: 72, shards: 0 });
    // cxr train at that size reads every image from the cache the workers built, and decodes none.
    const plan = await cli(['train', '--dry-run', '--data', data, '--cache', join(work, 'cache-queue'), '--image-size', '32', '--external', 'none', '--out', join(work, 'after-build')], { cwd: work });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'after-build', 'run.json'), 'utf8')).cache).toMatchObject({ hits: 72, decoded: 0 });
  }, 300_000);
});
