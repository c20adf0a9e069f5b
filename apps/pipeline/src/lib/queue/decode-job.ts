import { hostname } from 'node:os';
import { decodeImages, decodeSettingsKey } from '@cxr/loader';
import type { ImageRecord, Rejection } from '@cxr/loader';
import { fillSampleCache } from '@cxr/preprocess';
import { from, lastValueFrom, tap } from 'rxjs';

/** One shard of a cache build: records to decode into the disk cache at `dir`. */
export interface DecodeJobData {
  /** The cache build it belongs to (its id). */
  readonly build: string;
  /** Shard number, from 0. */
  readonly shard: number;
  /** The cache folder (absolute; on a file system every worker sees). */
  readonly dir: string;
  readonly decode: { readonly size: number; readonly fit: 'fill' | 'contain' };
  readonly records: readonly ImageRecord[];
}

/** What a decoded shard reports. */
export interface DecodeJobResult {
  readonly shard: number;
  /** Images decoded and stored by this job. */
  readonly decoded: number;
  /** Images already in the cache (by another worker, an earlier attempt or an earlier build). */
  readonly cached: number;
  readonly rejected: readonly Rejection[];
  /** When the shard started and ended in the worker (ms since the epoch). */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** `host:pid`. */
  readonly worker: string;
}

/**
 * Decodes one shard into the disk cache with the loader's decoder and the cache's
 * `fillSampleCache` (what `cxr train` decodes and reads: the same settings key). Idempotent: images
 * already there are not decoded again. The worker's pack is sealed (fsync, renamed whole) before
 * the job ends, so a job that completes has its entries visible to every reader, and a worker
 * killed mid-shard leaves only an unfinished pack nobody reads (the retry decodes those images again).
 */
export async function runDecodeJob(job: DecodeJobData, onProgress?: (done: number, total: number) => void): Promise<DecodeJobResult> {
  const startedAt = Date.now();
  const rejected: Rejection[] = [];
  let cached = 0;
  let decoded = 0;
  let done = 0;
  const settingsKey = decodeSettingsKey(job.decode);
  await lastValueFrom(
    from(job.records).pipe(
      fillSampleCache({ dir: job.dir, settingsKey, decode: decodeImages({ ...job.decode, metadata: true, onReject: (r) => rejected.push(r) }) }),
      tap((event) => {
        if (event.status === 'cached') cached++;
        else if (event.status === 'decoded') decoded++;
        onProgress?.(++done, job.records.length);
      }),
    ),
    { defaultValue: undefined },
  );
  return { shard: job.shard, decoded, cached, rejected, startedAt, finishedAt: Date.now(), worker: `${hostname()}:${process.pid}` };
}
