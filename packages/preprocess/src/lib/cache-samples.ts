import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageRecord, Sample } from '@cxr/loader';
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { decodeEntry, encodeEntry, entryName, type CachedPixels } from './internal/cache-entry.js';
import { usageError } from './internal/usage-error.js';
import { requireFunction, requireObject, requireString } from './internal/validate.js';

/** Where {@link cacheSamples} keeps decoded samples. */
export type SampleCacheOptions =
  | {
      readonly mode: 'memory';
      /** Decode settings the cached pixels were made with (optional: one cache serves one decoder). */
      readonly settingsKey?: string;
      /** Called once per record with whether it was served from the cache. */
      readonly onLookup?: (record: ImageRecord, hit: boolean) => void;
    }
  | {
      readonly mode: 'disk';
      /** Cache folder (created when missing); several runs may share it. */
      readonly dir: string;
      /** Decode settings the pixels were made with: use the loader's `decodeSettingsKey(settings)`. */
      readonly settingsKey: string;
      /** Called once per record with whether it was served from the cache. */
      readonly onLookup?: (record: ImageRecord, hit: boolean) => void;
    };

interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

interface MemoryEntry extends CachedPixels, FileStamp {
  readonly settingsKey: string;
}

interface Slot {
  readonly record: ImageRecord;
  state: 'waiting' | 'ready' | 'dropped';
  sample?: Sample;
  stamp?: FileStamp | undefined;
}

// Lookups use synchronous stat and read: for small files in the page cache they take microseconds,
// while the async versions queue behind decoding in libuv's thread pool (measured 3-5x slower warm).
function stampOf(file: string): FileStamp | undefined {
  try {
    const s = statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined; // the decoder will report the unreadable file
  }
}

let tempCounter = 0;

/**
 * Serves decoded samples from a cache and decodes only the misses.
 *
 * Each record is looked up by its file's path, size and modification time plus the decode
 * settings; a hit becomes a Sample at once (with the decoder's `source` metadata when it gave one), a miss goes through `decode` (its concurrency and its
 * rejections kept) and is stored. A changed file or changed settings is a miss.
 *
 * - `memory`: uint8 pixels in a Map owned by this operator, shared by every subscription (epoch);
 *   about `size * size` bytes per image.
 * - `disk`: one file per sample in `dir`, written to a unique temporary name and renamed into
 *   place, so concurrent runs sharing the folder never see a half-written entry; a corrupt,
 *   truncated or foreign entry fails its checksum or key and is a miss, never a crash. A write that
 *   fails (disk full) is skipped. Completion waits for this subscription's writes.
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
  const settingsKey =
    options.mode === 'disk' || options.settingsKey !== undefined ? requireString(stage, 'settingsKey', options.settingsKey) : '';
  const dir = options.mode === 'disk' ? path.resolve(requireString(stage, 'dir', options.dir)) : '';
  const memory = new Map<string, MemoryEntry>();
  let dirReady: Promise<void> | undefined;

  const keyOf = (record: ImageRecord, stamp: FileStamp): string => JSON.stringify([record.path, stamp.size, stamp.mtimeMs, settingsKey]);

  const lookup = (record: ImageRecord): { hit?: CachedPixels; stamp: FileStamp | undefined } => {
    const stamp = stampOf(record.path);
    if (stamp === undefined) return { stamp };
    if (options.mode === 'memory') {
      const entry = memory.get(record.path);
      const fresh = entry !== undefined && entry.size === stamp.size && entry.mtimeMs === stamp.mtimeMs && entry.settingsKey === settingsKey;
      return fresh ? { hit: entry, stamp } : { stamp };
    }
    const key = keyOf(record, stamp);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(dir, entryName(key)));
    } catch {
      return { stamp };
    }
    const hit = decodeEntry(key, bytes);
    return hit === undefined ? { stamp } : { hit, stamp };
  };

  const store = async (record: ImageRecord, stamp: FileStamp, sample: Sample): Promise<void> => {
    const value: CachedPixels = { pixels: sample.pixels, height: sample.height, width: sample.width, source: sample.source };
    if (options.mode === 'memory') {
      memory.set(record.path, { ...value, ...stamp, settingsKey });
      return;
    }
    dirReady ??= mkdir(dir, { recursive: true }).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => {
        throw usageError(`The cache folder ${dir} cannot be created (${error.code ?? error.message}); choose another cache folder or turn the disk cache off.`);
      },
    );
    await dirReady;
    const key = keyOf(record, stamp);
    const final = path.join(dir, entryName(key));
    const temp = `${final}.${process.pid}.${tempCounter++}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, encodeEntry(key, value));
      await rename(temp, final);
    } catch {
      await unlink(temp).catch(() => undefined); // a failed write only costs a future miss
    }
  };

  return (source) =>
    new Observable<Sample>((subscriber) => {
      const slots: Slot[] = [];
      const missing: Slot[] = [];
      const writes = new Set<Promise<void>>();
      const misses = new Subject<ImageRecord>();
      let lookupsDone = false;
      let decodeDone = false;
      let closed = false;
      let completing = false;

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
        if (!closed && !completing && lookupsDone && decodeDone && slots.length === 0) {
          completing = true;
          void Promise.allSettled([...writes]).then(async () => {
            // A folder that cannot be created is a usage error worth stopping for.
            if (dirReady !== undefined) await dirReady;
          }).then(
            () => {
              if (closed) return;
              closed = true;
              subscriber.complete();
            },
            fail,
          );
        }
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
          if (slot.stamp !== undefined) {
            const write = store(slot.record, slot.stamp, sample);
            writes.add(write);
            void write.finally(() => writes.delete(write)).catch(() => undefined);
          }
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
          const slot: Slot = { record, state: 'waiting' };
          slots.push(slot);
          const result = lookup(record);
          onLookup?.(record, result.hit !== undefined);
          if (result.hit !== undefined) {
            slot.state = 'ready';
            const { pixels, height, width, source } = result.hit;
            slot.sample = source === undefined ? { record, pixels, height, width } : { record, pixels, height, width, source };
            flush();
          } else {
            slot.stamp = result.stamp;
            missing.push(slot);
            misses.next(record);
          }
        },
        error: fail,
        complete: () => {
          lookupsDone = true;
          misses.complete();
        },
      });

      return () => {
        closed = true;
        lookupSubscription.unsubscribe();
        decodeSubscription.unsubscribe();
      };
    });
}
