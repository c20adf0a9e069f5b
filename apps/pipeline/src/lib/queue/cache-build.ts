import { createHash } from 'node:crypto';
import { decodeSettingsKey } from '@cxr/loader';
import type { ImageRecord, Rejection } from '@cxr/loader';
import { openSampleCache } from '@cxr/preprocess';
import { Queue } from 'bullmq';
import type { Io, OutStream } from '../io.js';
import { duration } from '../progress.js';
import type { QueueAddress } from './connection.js';
import { DECODE_QUEUE, QUEUE_PREFIX, waitOrAbort } from './connection.js';
import { runDecodeJob } from './decode-job.js';
import type { DecodeJobData, DecodeJobResult } from './decode-job.js';

/** Options of {@link buildCache}. */
export interface CacheBuildOptions {
  /** The cache folder (absolute; with a queue, one every worker sees at the same path). */
  readonly dir: string;
  readonly decode: { readonly size: number; readonly fit: 'fill' | 'contain' };
  /** The scanned images. */
  readonly records: readonly ImageRecord[];
  /** Images per shard (one job each). */
  readonly shardSize: number;
  /** The queue to spread the shards over; none: decode them here. */
  readonly queue?: QueueAddress;
  /** Attempts per shard on the queue. */
  readonly attempts: number;
  /** Without a queue: shards decoded at once (as `cxr worker --concurrency`); default 1. */
  readonly concurrency?: number;
  readonly log: (line: string) => void;
}

/** One worker's share of a build. */
export interface WorkerThroughput {
  readonly worker: string;
  readonly shards: number;
  readonly decoded: number;
  readonly cached: number;
  /** From its first shard's start to its last shard's end. */
  readonly seconds: number;
  /** Images decoded per second over that span. */
  readonly imagesPerSecond: number;
}

/** What `cxr cache build` reports (`--json`). */
export interface CacheBuildReport {
  readonly dir: string;
  readonly settingsKey: string;
  readonly queue: string | null;
  readonly images: number;
  /** Images found in the cache before the build (not queued). */
  readonly alreadyCached: number;
  readonly shards: number;
  readonly decoded: number;
  /** Images a shard found cached (another worker or an earlier attempt decoded them). */
  readonly cachedByShards: number;
  readonly rejected: readonly Rejection[];
  readonly failedShards: readonly { readonly shard: number; readonly error: string; readonly attempts: number }[];
  /** Wall time of the build, from the first shard queued (or started) to the last one done. */
  readonly seconds: number;
  /** Images decoded per second over that time, all workers together. */
  readonly imagesPerSecond: number;
  /** The shards' own durations added up (time inside jobs, without the queue's hand-offs). */
  readonly shardSeconds: number;
  readonly workers: readonly WorkerThroughput[];
  /** False when Ctrl-C stopped following the build before every shard ended. */
  readonly complete: boolean;
}

/** Draws `decoding N/M images (X img/s, ETA)` in place on a terminal, or a line every 10 s otherwise. */
function progressLine(stream: OutStream, total: number): { update(done: number, elapsedSeconds: number): void; clear(): void } {
  const tty = stream.isTTY === true;
  let lastLine = 0;
  let drawn = false;
  return {
    update(done, elapsed) {
      const rate = elapsed > 0 ? done / elapsed : 0;
      const eta = rate > 0 && done < total ? `, ETA ${duration((total - done) / rate)}` : '';
      const text = `decoded ${done}/${total} images (${rate.toFixed(1)} img/s${eta})`;
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        drawn = true;
      } else if (Date.now() - lastLine > 10_000 || done === total) {
        lastLine = Date.now();
        stream.write(`${text}\n`);
      }
    },
    clear() {
      if (tty && drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/** Per-worker throughput from the shards' results. */
export function throughputByWorker(results: readonly DecodeJobResult[]): WorkerThroughput[] {
  const byWorker = new Map<string, DecodeJobResult[]>();
  for (const r of results) byWorker.set(r.worker, [...(byWorker.get(r.worker) ?? []), r]);
  return [...byWorker.entries()]
    .map(([worker, mine]) => {
      const seconds = (Math.max(...mine.map((r) => r.finishedAt)) - Math.min(...mine.map((r) => r.startedAt))) / 1000;
      const decoded = mine.reduce((n, r) => n + r.decoded, 0);
      return { worker, shards: mine.length, decoded, cached: mine.reduce((n, r) => n + r.cached, 0), seconds, imagesPerSecond: seconds > 0 ? decoded / seconds : 0 };
    })
    .sort((a, b) => a.worker.localeCompare(b.worker));
}

/**
 * Decodes every image not yet in the disk cache into it, in shards: here one shard after the other,
 * or as jobs on the queue that `cxr worker` processes (several at once per worker, on every machine).
 * Entries are content-addressed and every pack is sealed whole, so two workers or a retry never
 * corrupt or duplicate what readers see. Reports throughput per worker and in total.
 */
export async function buildCache(options: CacheBuildOptions, io: Io): Promise<CacheBuildReport> {
  const settingsKey = decodeSettingsKey(options.decode);
  const cache = openSampleCache(options.dir);
  const missing = options.records.filter((r) => !cache.has(r, settingsKey));
  const alreadyCached = options.records.length - missing.length;
  const id = createHash('sha256').update(`${options.dir}\n${settingsKey}\n${Date.now()}\n${process.pid}`).digest('hex').slice(0, 12);
  const shards: DecodeJobData[] = [];
  for (let i = 0; i < missing.length; i += options.shardSize) {
    shards.push({ build: id, shard: shards.length, dir: options.dir, decode: options.decode, records: missing.slice(i, i + options.shardSize) });
  }
  options.log(
    `${options.records.length} images, ${alreadyCached} already in ${options.dir}: ${missing.length} to decode in ${shards.length} shard${shards.length === 1 ? '' : 's'} of up to ${options.shardSize}, ${options.queue ? `on the queue ${options.queue.display} (\`cxr worker --queue ${options.queue.display}\` on each machine that sees the cache folder)` : 'in this process'}.`,
  );
  const results: DecodeJobResult[] = [];
  const failed: { shard: number; error: string; attempts: number }[] = [];
  const progress = progressLine(io.stderr, missing.length);
  const started = Date.now();
  let complete = true;
  if (!options.queue) {
    // As a worker does: `concurrency` shards at once (the decoder keeps the cores busy while a pack is sealed).
    const partial = new Map<number, number>();
    const next = [...shards];
    const lane = async (): Promise<void> => {
      for (let shard = next.shift(); shard !== undefined; shard = next.shift()) {
        if (io.signal?.aborted) {
          complete = false;
          return;
        }
        const id = shard.shard;
        const result = await runDecodeJob(shard, (done) => {
          partial.set(id, done);
          const finished = results.reduce((n, r) => n + r.decoded + r.cached + r.rejected.length, 0);
          progress.update(finished + [...partial.values()].reduce((a, b) => a + b, 0), (Date.now() - started) / 1000);
        });
        partial.delete(id);
        results.push(result);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane));
    results.sort((a, b) => a.shard - b.shard);
  } else {
    const queue = new Queue<DecodeJobData, DecodeJobResult>(DECODE_QUEUE, { connection: options.queue.options, prefix: QUEUE_PREFIX });
    queue.on('error', () => undefined);
    try {
      await queue.addBulk(
        shards.map((shard) => ({
          name: 'decode',
          data: shard,
          opts: { jobId: `${id}.${shard.shard}`, attempts: options.attempts, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 30 * 24 * 3600 } },
        })),
      );
      const pending = new Set(shards.map((s) => s.shard));
      const partial = new Map<number, number>();
      while (pending.size > 0 && io.signal?.aborted !== true) {
        for (const shard of [...pending]) {
          const job = await queue.getJob(`${id}.${shard}`);
          if (!job) {
            failed.push({ shard, error: 'its job was removed from the queue before it ended', attempts: 0 });
            pending.delete(shard);
            continue;
          }
          const state = await job.getState();
          if (state === 'completed') {
            // The job was read before it completed (its state is read after it): read it again for its result.
            const finished = job.returnvalue ?? (await queue.getJob(`${id}.${shard}`))?.returnvalue;
            if (!finished) continue;
            results.push(finished);
            partial.delete(shard);
            pending.delete(shard);
          } else if (state === 'failed') {
            failed.push({ shard, error: job.failedReason, attempts: job.attemptsMade });
            options.log(`shard ${shard}: FAILED after ${job.attemptsMade} attempts: ${job.failedReason}`);
            pending.delete(shard);
          } else if (state === 'active' && typeof job.progress === 'object') {
            partial.set(shard, Number((job.progress as { done?: unknown }).done) || 0);
          }
        }
        const done = results.reduce((n, r) => n + r.decoded + r.cached + r.rejected.length, 0) + [...partial.values()].reduce((a, b) => a + b, 0);
        progress.update(done, (Date.now() - started) / 1000);
        if (pending.size > 0) await waitOrAbort(250, io.signal);
      }
      complete = pending.size === 0;
    } finally {
      await queue.close();
    }
  }
  progress.clear();
  const finished = results.length > 0 ? Math.max(...results.map((r) => r.finishedAt)) : Date.now();
  const seconds = Math.max(0, (finished - started) / 1000);
  const decoded = results.reduce((n, r) => n + r.decoded, 0);
  return {
    dir: options.dir,
    settingsKey,
    queue: options.queue?.display ?? null,
    images: options.records.length,
    alreadyCached,
    shards: shards.length,
    decoded,
    cachedByShards: results.reduce((n, r) => n + r.cached, 0),
    rejected: results.flatMap((r) => r.rejected),
    failedShards: failed.sort((a, b) => a.shard - b.shard),
    seconds,
    imagesPerSecond: seconds > 0 ? decoded / seconds : 0,
    shardSeconds: results.reduce((n, r) => n + (r.finishedAt - r.startedAt) / 1000, 0),
    workers: throughputByWorker(results),
    complete,
  };
}
