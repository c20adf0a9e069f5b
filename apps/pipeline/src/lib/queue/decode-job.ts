import { hostname } from 'node:os';
import { decodeImages, decodeSettingsKey } from '@cxr/loader';
import type { ImageRecord, Rejection } from '@cxr/loader';
import { cacheSamples } from '@cxr/preprocess';
import { from, lastValueFrom, toArray } from 'rxjs';

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
  /** Seconds the shard took in the worker. */
  readonly seconds: number;
  /** `host:pid`. */
  readonly worker: string;
}

/**
 * Decodes one shard into the disk cache (idempotent: entries already there are not decoded again;
 * each entry is written whole under a temporary name and renamed into place, so two workers or a
 * retry never corrupt or duplicate one).
 */
export async function runDecodeJob(job: DecodeJobData): Promise<DecodeJobResult> {
  const started = Date.now();
  const rejected: Rejection[] = [];
  let cached = 0;
  const settingsKey = decodeSettingsKey(job.decode);
  const stage = cacheSamples(
    { mode: 'disk', dir: job.dir, settingsKey, onLookup: (_record, hit) => void (hit && cached++) },
    decodeImages({ ...job.decode, metadata: true, onReject: (r) => rejected.push(r) }),
  );
  const samples = await lastValueFrom(from(job.records).pipe(stage, toArray()));
  return { shard: job.shard, decoded: samples.length - cached, cached, rejected, seconds: (Date.now() - started) / 1000, worker: `${hostname()}:${process.pid}` };
}
