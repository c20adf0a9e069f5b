import { auditDataset, decodeImages, decodeSettingsKey, scanDataset, UsageError } from '@cxr/loader';
import type { ClassMap, DatasetAudit, ImageRecord, Rejection, Sample, Split } from '@cxr/loader';
import { cacheSamples, openSampleCache, prefetch } from '@cxr/preprocess';
import type { SampleCacheOptions } from '@cxr/preprocess';
import { join } from 'node:path';
import { from, lastValueFrom, map, Subject, tap, toArray, type OperatorFunction } from 'rxjs';
import { chooseMemory, type MemoryCacheFlag, type MemoryChoice } from './cache-choice.js';

/** Files a split may lose to decoding problems before a run stops (1%). */
export const REJECT_TOLERANCE = 0.01;

export interface DecodeChoice {
  readonly size: number;
  readonly fit: 'fill' | 'contain';
}

/** How a command caches decoded images: the disk cache folder (null for none) and the `--memory-cache` choice. */
export interface CacheUse {
  readonly dir: string | null;
  readonly memory: MemoryCacheFlag;
}

/** What the decode pass did with the caches (run.json `cache`). */
export interface CacheReport extends MemoryChoice {
  readonly dir: string | null;
  /** Images served from a cache (none decoded). */
  readonly hits: number;
  /** Images decoded (cache misses, including the files rejected). */
  readonly decoded: number;
  /** Seconds of the pass (decoding or reading, and the audit). */
  readonly seconds: number;
}

/** A scanned, decoded and audited dataset, with the cache that serves every later pass. */
export interface LoadedDataset {
  /** Usable records (decoded without problems), in scan order. */
  readonly records: readonly ImageRecord[];
  readonly rejected: readonly Rejection[];
  readonly audit: DatasetAudit;
  /** Records -> samples, served from memory or streamed from the disk cache (decoded once). */
  readonly samples: OperatorFunction<ImageRecord, Sample>;
  readonly cache: CacheReport;
}

/** Records per unit of work of the decode pass (and two units at once): bounded, so a set streamed from disk is never all in memory. */
const PASS_CHUNK = 256;

/** What {@link scanRecords} reads: the split folders (default all), the split of a folder without split folders (default `train`), the class folders (default NORMAL=0, PNEUMONIA=1). */
export interface ScanChoice {
  readonly splits?: readonly Split[];
  readonly flatSplit?: Split;
  readonly classMap?: ClassMap;
}

/**
 * Scans `root` (cheap: file names only); fails at once with a usage error when it is missing or has no dataset layout.
 * A folder that holds the class folders directly (no split folders) is read as `flatSplit` (default `train`).
 */
export async function scanRecords(root: string, options: ScanChoice = {}): Promise<{ records: ImageRecord[]; problems: Rejection[] }> {
  const { splits, flatSplit, classMap } = options;
  const problems: Rejection[] = [];
  const records = await lastValueFrom(
    scanDataset(root, { ...(splits ? { splits } : {}), ...(flatSplit ? { flatSplit } : {}), ...(classMap ? { classMap } : {}), onReject: (r) => problems.push(r) }).pipe(toArray()),
  );
  return { records, problems };
}

/**
 * Decodes every scanned image once at the training size (or reads it from the disk cache), audits
 * the result (counts, per-class profile, duplicates, shared patients, rejected files), and returns
 * the cache that serves the later passes: in memory when the set fits (see `chooseMemory`), else
 * streamed from the disk cache. The pass itself is bounded (chunks of {@link PASS_CHUNK}), and the
 * audit is fed as the samples go by, so a streamed set is never held whole.
 */
export async function loadDataset(
  root: string,
  scanned: { records: readonly ImageRecord[]; problems: readonly Rejection[] },
  decode: DecodeChoice,
  options: { splits?: readonly Split[]; classMap?: ClassMap; onProgress?: (done: number, total: number) => void; cache?: CacheUse; now?: () => number } = {},
): Promise<LoadedDataset> {
  const now = options.now ?? Date.now;
  const started = now();
  const rejected: Rejection[] = [...scanned.problems];
  const settings = { size: decode.size, fit: decode.fit };
  const settingsKey = decodeSettingsKey(settings);
  const cacheUse: CacheUse = options.cache ?? { dir: null, memory: 'on' };
  const dir = cacheUse.dir;
  const choice = chooseMemory(scanned.records.length, decode.size, cacheUse.memory, dir !== null);
  const counts = { hits: 0, decoded: 0, counting: true };
  const onLookup = (_record: ImageRecord, hit: boolean): void => {
    if (!counts.counting) return;
    if (hit) counts.hits += 1;
    else counts.decoded += 1;
  };
  const cacheOptions: SampleCacheOptions =
    choice.inMemory || dir === null ? { mode: 'memory', settingsKey, ...(dir === null ? {} : { dir }), onLookup } : { mode: 'disk', dir, settingsKey, onLookup };
  const feed = new Subject<Sample | Rejection>();
  const auditing = lastValueFrom(feed.pipe(auditDataset({ root, layout: 'splits', ...(options.splits ? { splits: options.splits } : {}), ...(options.classMap ? { classMap: options.classMap } : {}) })));
  for (const problem of scanned.problems) feed.next(problem);
  const samples = cacheSamples(
    cacheOptions,
    decodeImages({
      ...settings,
      metadata: true,
      onReject: (r) => {
        rejected.push(r);
        feed.next(r);
      },
    }),
  );
  let done = 0;
  const records = await lastValueFrom(
    from(scanned.records).pipe(
      prefetch({ bufferSize: 2, chunkSize: PASS_CHUNK, concurrency: 2, work: samples }),
      tap((sample) => {
        feed.next(sample);
        options.onProgress?.(++done, scanned.records.length);
      }),
      map((sample) => sample.record),
      toArray(),
    ),
  );
  feed.complete();
  const audit = await auditing;
  counts.counting = false;
  // Seal what this pass wrote, so that other runs sharing the folder see it now.
  if (dir !== null) openSampleCache(dir).flush();
  return { records, rejected, audit, samples, cache: { ...choice, dir, hits: counts.hits, decoded: counts.decoded, seconds: (now() - started) / 1000 } };
}

/**
 * Stops the run when a split lost more than {@link REJECT_TOLERANCE} of its files, or when a class
 * has no usable image where training needs it.
 */
export function checkUsable(root: string, loaded: LoadedDataset, needed: { trainClasses: boolean; file: string | undefined }): void {
  const bySplit = new Map<string, { files: number; bad: Rejection[] }>();
  const splitOf = (r: Rejection): string => r.record?.split ?? 'unknown';
  for (const record of loaded.records) {
    const entry = bySplit.get(record.split) ?? { files: 0, bad: [] };
    entry.files += 1;
    bySplit.set(record.split, entry);
  }
  for (const rejection of loaded.rejected) {
    const split = splitOf(rejection);
    const entry = bySplit.get(split) ?? { files: 0, bad: [] };
    entry.files += 1;
    entry.bad.push(rejection);
    bySplit.set(split, entry);
  }
  for (const [split, { files, bad }] of bySplit) {
    if (bad.length > 0 && bad.length > REJECT_TOLERANCE * files) {
      const shown = bad
        .slice(0, 3)
        .map((r) => `${r.path} (${r.reason.replace(/[.;]+$/, '')})`)
        .join(', ');
      throw new UsageError(
        `${bad.length} of ${files} files in ${split === 'unknown' ? 'the dataset' : `${split}/`} cannot be used, more than the ${REJECT_TOLERANCE * 100}% tolerated: ${shown}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}; fix or remove them${needed.file ? ` (all are listed in ${needed.file})` : ''}.`,
      );
    }
  }
  if (needed.trainClasses) {
    const counts = new Map<string, number>();
    for (const name of Object.keys(loaded.audit.classes)) counts.set(name, 0);
    for (const record of loaded.records) if (record.split === 'train') counts.set(record.className, (counts.get(record.className) ?? 0) + 1);
    for (const [name, count] of counts) {
      if (count === 0) throw new UsageError(`The class ${name} has no usable image in ${join(root, 'train', name)}; put its training images there (folder names are matched in any case).`);
    }
  }
}

/** Images per split and class of a record list: `{ train: { NORMAL: 3, PNEUMONIA: 9 }, ... }`. */
export function countBySplit(records: readonly ImageRecord[], classNames: readonly string[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const split of ['train', 'val', 'test']) out[split] = Object.fromEntries(classNames.map((c) => [c, 0]));
  for (const r of records) {
    const row = (out[r.split] ??= {});
    row[r.className] = (row[r.className] ?? 0) + 1;
  }
  return out;
}
