import { statSync } from 'node:fs';
import type { ImageRecord, Sample } from '@cxr/loader';
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { storeFor, type CachedPixels, type FileStamp, type Lookup, type PackStore } from './internal/pack-store.js';
import { requireFunction, requireObject, requireString } from './internal/validate.js';

/** Where {@link cacheSamples} keeps decoded samples. */
export type SampleCacheOptions =
  | {
      readonly mode: 'memory';
      /** Decode settings the cached pixels were made with (optional: one cache serves one decoder; required with `dir`). */
      readonly settingsKey?: string;
      /** Also a disk cache folder: misses are looked up there before decoding, and every decoded sample is stored there too. */
      readonly dir?: string;
      /** Called once per record with whether it was served from the cache (memory or disk). */
      readonly onLookup?: (record: ImageRecord, hit: boolean) => void;
    }
  | {
      readonly mode: 'disk';
      /** Cache folder (created when missing); several runs and processes may share it. */
      readonly dir: string;
      /** Decode settings the pixels were made with: use the loader's `decodeSettingsKey(settings)`. */
      readonly settingsKey: string;
      /** Called once per record with whether it was served from the cache. */
      readonly onLookup?: (record: ImageRecord, hit: boolean) => void;
    };

interface MemoryEntry extends CachedPixels, FileStamp {
  readonly settingsKey: string;
}

interface Slot {
  readonly record: ImageRecord;
  state: 'waiting' | 'ready' | 'dropped';
  sample?: Sample;
  miss?: Lookup | undefined;
  stamp?: FileStamp | undefined;
}

// Lookups use synchronous stat: for files in the page cache it takes microseconds, while the async
// version queues behind decoding in libuv's thread pool (measured 3-5x slower warm).
function stampOf(file: string): FileStamp | undefined {
  try {
    const s = statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined; // the decoder will report the unreadable file
  }
}

const toSample = (record: ImageRecord, value: CachedPixels): Sample => {
  const { pixels, height, width, source } = value;
  return source === undefined ? { record, pixels, height, width } : { record, pixels, height, width, source };
};

/**
 * Serves decoded samples from a cache and decodes only the misses.
 *
 * Each record is looked up by its file's path, size and modification time plus the decode
 * settings; a hit becomes a Sample (with the decoder's `source` metadata when it gave one), a miss
 * goes through `decode` (its concurrency and its rejections kept) and is stored. A changed file or
 * changed settings is a miss.
 *
 * - `memory`: uint8 pixels in a Map owned by this operator, shared by every subscription (epoch);
 *   about `size * size` bytes per image. With `dir`, backed by the disk cache: a memory miss is read
 *   from disk before it is decoded, and what is decoded is written there too (the next run is warm).
 * - `disk`: streams from the disk cache in `dir` (see {@link openSampleCache} for the format: a few
 *   large pack files, content-addressed entries, safe for concurrent runs and writers); nothing is
 *   kept in memory, so memory does not grow with the dataset. Hits are read asynchronously (the
 *   reads overlap the consumer's work); a damaged entry is a miss, never a crash. New entries are
 *   appended to this process's pack, sealed when full, on `openSampleCache(dir).flush()` and at exit.
 *
 * Output order equals input order. Unlike other stages, the cache outlives a subscription: that is
 * its purpose.
 *
 * @example
 * const settings = { size: 224 };
 * const cached = cacheSamples({ mode: 'disk', dir: '.cache/cxr', settingsKey: decodeSettingsKey(settings) }, decodeImages(settings));
 * records$.pipe(cached, batch({ size: 32 }))
 *
 * @param options - `mode` and its fields (see {@link SampleCacheOptions}).
 * @param decode - the decoder for misses, e.g. the loader's `decodeImages(settings)`; it must keep
 *   input order (it may drop bad files).
 * @throws TypeError / RangeError at creation for a bad option. The stream errors with a `CXR_USAGE`
 *   error when the disk cache folder cannot be created.
 */
export function cacheSamples(options: SampleCacheOptions, decode: OperatorFunction<ImageRecord, Sample>): OperatorFunction<ImageRecord, Sample> {
  const stage = 'cacheSamples';
  requireObject(stage, options);
  if (options.mode !== 'memory' && options.mode !== 'disk') {
    throw new RangeError(`${stage}: mode must be 'memory' or 'disk', got ${JSON.stringify((options as { mode?: unknown }).mode)}.`);
  }
  requireFunction(stage, 'decode', decode);
  if (options.onLookup !== undefined) requireFunction(stage, 'onLookup', options.onLookup);
  const onLookup = options.onLookup;
  const dirOption = options.mode === 'disk' ? options.dir : options.dir;
  const settingsKey =
    options.mode === 'disk' || options.settingsKey !== undefined || dirOption !== undefined ? requireString(stage, 'settingsKey', options.settingsKey) : '';
  const store: PackStore | undefined = dirOption === undefined ? undefined : storeFor(requireString(stage, 'dir', dirOption));
  const memory = options.mode === 'memory' ? new Map<string, MemoryEntry>() : undefined;

  /** A memory hit at once, a disk hit as a read in flight, or a miss. */
  const lookup = (record: ImageRecord): { hit?: CachedPixels; read?: Promise<CachedPixels | undefined>; miss?: Lookup; stamp: FileStamp | undefined } => {
    let stamp: FileStamp | undefined;
    if (memory !== undefined) {
      stamp = stampOf(record.path);
      if (stamp === undefined) return { stamp };
      const entry = memory.get(record.path);
      if (entry !== undefined && entry.size === stamp.size && entry.mtimeMs === stamp.mtimeMs && entry.settingsKey === settingsKey) return { hit: entry, stamp };
    }
    if (store === undefined) return { stamp };
    const found = store.lookup(record, settingsKey);
    if (found.stamp === undefined) return { stamp: undefined };
    if (found.ref === undefined) return { miss: found, stamp: found.stamp };
    const ref = found.ref;
    if (memory !== undefined) {
      // Filling memory from disk: a blocking read from the page cache costs microseconds.
      const hit = store.readSync(ref);
      if (hit !== undefined) return { hit, stamp: found.stamp };
      store.forget(found.stampKey, ref);
      return { miss: { ...found, ref: undefined }, stamp: found.stamp };
    }
    const read = store.read(ref).then((value) => {
      if (value === undefined) store.forget(found.stampKey, ref);
      return value;
    });
    return { read, miss: { ...found, ref: undefined }, stamp: found.stamp };
  };

  const keep = (record: ImageRecord, stamp: FileStamp, value: CachedPixels): void => {
    memory?.set(record.path, { pixels: value.pixels, height: value.height, width: value.width, source: value.source, ...stamp, settingsKey });
  };

  return (source) =>
    new Observable<Sample>((subscriber) => {
      const slots: Slot[] = [];
      const missing: Slot[] = [];
      const misses = new Subject<ImageRecord>();
      let reading = 0;
      let lookupsDone = false;
      let missesDone = false;
      let decodeDone = false;
      let closed = false;

      const fail = (error: unknown): void => {
        if (closed) return;
        closed = true;
        subscriber.error(error);
      };

      const flush = (): void => {
        while (!closed) {
          const head = slots[0];
          if (head === undefined || head.state === 'waiting') break;
          slots.shift();
          if (head.state === 'ready') subscriber.next(head.sample as Sample);
        }
        if (!closed && lookupsDone && reading === 0 && !missesDone) {
          missesDone = true;
          misses.complete();
          return;
        }
        if (!closed && decodeDone && slots.length === 0) {
          closed = true;
          subscriber.complete();
        }
      };

      const toDecoder = (slot: Slot): void => {
        missing.push(slot);
        misses.next(slot.record);
      };

      const decodeSubscription = misses.pipe(decode).subscribe({
        next: (sample) => {
          // decode keeps order and may drop bad files: misses before the match were dropped.
          let index = missing.findIndex((s) => s.record === sample.record);
          if (index < 0) index = missing.findIndex((s) => s.record.path === sample.record.path);
          if (index < 0) return;
          for (const dropped of missing.splice(0, index)) dropped.state = 'dropped';
          const slot = missing.shift() as Slot;
          slot.state = 'ready';
          slot.sample = sample;
          const value: CachedPixels = { pixels: sample.pixels, height: sample.height, width: sample.width, source: sample.source };
          if (slot.stamp !== undefined) keep(slot.record, slot.stamp, value);
          if (store !== undefined && slot.miss !== undefined) store.put(slot.record, slot.miss, settingsKey, value);
          flush();
        },
        error: fail,
        complete: () => {
          decodeDone = true;
          for (const dropped of missing.splice(0)) dropped.state = 'dropped';
          flush();
        },
      });

      const lookupSubscription = source.subscribe({
        next: (record) => {
          if (closed) return;
          const slot: Slot = { record, state: 'waiting' };
          slots.push(slot);
          let result: ReturnType<typeof lookup>;
          try {
            result = lookup(record);
          } catch (error) {
            fail(error);
            return;
          }
          slot.stamp = result.stamp;
          slot.miss = result.miss;
          if (result.hit !== undefined) {
            onLookup?.(record, true);
            slot.state = 'ready';
            slot.sample = toSample(record, result.hit);
            flush();
          } else if (result.read !== undefined) {
            reading++;
            void result.read.then((value) => {
              reading--;
              if (closed) return;
              onLookup?.(record, value !== undefined);
              if (value === undefined) toDecoder(slot);
              else {
                slot.state = 'ready';
                slot.sample = toSample(record, value);
              }
              flush();
            }, fail);
          } else {
            onLookup?.(record, false);
            toDecoder(slot);
          }
        },
        error: fail,
        complete: () => {
          lookupsDone = true;
          flush();
        },
      });

      return () => {
        closed = true;
        lookupSubscription.unsubscribe();
        decodeSubscription.unsubscribe();
      };
    });
}
