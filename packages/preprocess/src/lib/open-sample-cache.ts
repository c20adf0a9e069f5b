import type { ImageRecord, Sample } from '@cxr/loader';
import { DEFAULT_PACK_BYTES, storeFor, type PackStore, type SampleCacheInfo } from './internal/pack-store.js';
import { requireInteger, requireObject, requireString } from './internal/validate.js';

export type { SampleCacheInfo } from './internal/pack-store.js';

/** Options of {@link openSampleCache}. */
export interface OpenSampleCacheOptions {
  /** Bytes after which a pack is sealed and a new one started (integer >= 1, default 256 MiB). */
  readonly packBytes?: number;
}

/** What {@link SampleCache.clear} freed. */
export interface SampleCacheCleared {
  /** Files deleted (packs, indexes, packs left unfinished by processes that are gone). */
  readonly files: number;
  readonly bytes: number;
  /** Unfinished packs kept because a live process is still writing them. */
  readonly kept: number;
}

/** A disk cache folder of decoded samples, opened for reading and writing (see {@link openSampleCache}). */
export interface SampleCache {
  /** The cache folder (absolute). */
  readonly dir: string;
  /** Whether the record's file, decoded with these settings, is in the cache (reads the file only when its path, size or time is new to the cache). */
  has(record: ImageRecord, settingsKey: string): boolean;
  /** The record's sample from the cache, or undefined on a miss (a damaged entry is a miss). */
  get(record: ImageRecord, settingsKey: string): Promise<Sample | undefined>;
  /** Stores a decoded sample of `sample.record` made with these settings (nothing when it is there already). */
  put(sample: Sample, settingsKey: string): void;
  /** Seals the pack being written, so that other processes see its entries (also done when a pack is full and at exit). */
  flush(): void;
  /** What the folder holds: packs, entries, bytes, entries per decode setting, unfinished packs. */
  info(): SampleCacheInfo;
  /** Deletes every sealed pack and the unfinished packs of processes that are gone. */
  clear(): SampleCacheCleared;
  /** Seals the pack being written and closes the open files. */
  close(): void;
}

/**
 * Opens a disk cache of decoded samples, for reading and for writing.
 *
 * The format is a few large files rather than one file per image: each writing process appends to
 * its own pack (`<dir>/samples-v1/tmp-*.pack`), sealed when it reaches `packBytes`, on `flush()`,
 * `close()` and at exit: fsync, rename to `<id>.pack`, then its index `<id>.idx` (written under a
 * temporary name and renamed), so a pack is visible only whole. Entries are content-addressed (the
 * SHA-256 of the source file's bytes with the decode settings), and found first by the file's path,
 * size and modification time, so an unchanged file is never read; a changed file or other settings
 * is a miss. Every entry carries its keys and the SHA-256 of its pixels, checked on every read.
 * Several processes on one machine or many (a shared folder) may read and write the same folder at
 * once: writers never share a file, readers pick up newly sealed packs.
 *
 * One handle per folder and process: every call with the same folder returns the same cache (and
 * {@link cacheSamples} with that `dir` uses it too), so a process writes one pack at a time.
 *
 * @example
 * const cache = openSampleCache('/fast-disk/cxr-cache');
 * const key = decodeSettingsKey({ size: 224 });
 * if (!cache.has(record, key)) cache.put(await firstValueFrom(of(record).pipe(decodeImages({ size: 224 }))), key);
 * cache.flush();
 *
 * @param dir - the cache folder (created on first use).
 * @param options - `packBytes` (default 256 MiB).
 * @throws TypeError / RangeError for a bad option; a `CXR_USAGE` error (on first use) when the folder cannot be created.
 */
export function openSampleCache(dir: string, options: OpenSampleCacheOptions = {}): SampleCache {
  const stage = 'openSampleCache';
  requireString(stage, 'dir', dir);
  requireObject(stage, options);
  const packBytes = requireInteger(stage, 'packBytes', options.packBytes ?? DEFAULT_PACK_BYTES, 1);
  return handleOf(storeFor(dir, packBytes));
}

function handleOf(store: PackStore): SampleCache {
  return {
    dir: store.dir,
    has: (record, settingsKey) => store.lookup(record, requireString('SampleCache.has', 'settingsKey', settingsKey)).ref !== undefined,
    get: async (record, settingsKey) => {
      const found = store.lookup(record, requireString('SampleCache.get', 'settingsKey', settingsKey));
      if (found.ref === undefined) return undefined;
      const value = await store.read(found.ref);
      if (value === undefined) {
        store.forget(found.stampKey, found.ref);
        return undefined;
      }
      const { pixels, height, width, source } = value;
      return source === undefined ? { record, pixels, height, width } : { record, pixels, height, width, source };
    },
    put: (sample, settingsKey) => {
      const found = store.lookup(sample.record, requireString('SampleCache.put', 'settingsKey', settingsKey));
      if (found.ref !== undefined) return;
      store.put(sample.record, found, settingsKey, { pixels: sample.pixels, height: sample.height, width: sample.width, source: sample.source });
    },
    flush: () => store.flush(),
    info: () => store.info(),
    clear: () => store.clear(),
    close: () => store.close(),
  };
}
