import type { ImageRecord, Sample } from '@cxr/loader';
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { storeFor, type Lookup } from './internal/pack-store.js';
import { requireFunction, requireObject, requireString } from './internal/validate.js';

/** Options of {@link fillSampleCache}. */
export interface FillSampleCacheOptions {
  /** The cache folder (see {@link openSampleCache}). */
  readonly dir: string;
  /** Decode settings: the loader's `decodeSettingsKey(settings)` of the decoder below. */
  readonly settingsKey: string;
  /** The decoder of misses, e.g. the loader's `decodeImages(settings)` (keeps input order, may drop bad files). */
  readonly decode: OperatorFunction<ImageRecord, Sample>;
}

/** One record's outcome in {@link fillSampleCache}. */
export interface CacheFillEvent {
  readonly record: ImageRecord;
  /** `cached`: already there (not read, not decoded); `decoded`: decoded and stored; `rejected`: the decoder dropped it (see its `onReject`). */
  readonly status: 'cached' | 'decoded' | 'rejected';
}

/**
 * Decodes records into the disk cache: the building block of a cache build spread over workers.
 *
 * Each record is looked up (no pixels read); a miss is decoded with `decode` and appended to this
 * process's pack. Emits one event per record (`cached`, `decoded` or `rejected`; cached ones at
 * once, the others in input order) and, when upstream and the decoder are done, seals the pack so
 * that every other reader of the folder sees the entries, then completes. Many processes may fill
 * the same folder at once (each writes its own packs); a record two of them decode is stored twice
 * and served once.
 *
 * @example
 * // one worker's job: a slice of the dataset
 * from(records).pipe(fillSampleCache({ dir, settingsKey: decodeSettingsKey(s), decode: decodeImages(s) }))
 *
 * @param options - `dir`, `settingsKey`, `decode` (all required).
 * @throws TypeError at creation for a bad option; the stream errors with a `CXR_USAGE` error when the folder cannot be created.
 */
export function fillSampleCache(options: FillSampleCacheOptions): OperatorFunction<ImageRecord, CacheFillEvent> {
  const stage = 'fillSampleCache';
  requireObject(stage, options);
  const dir = requireString(stage, 'dir', options.dir);
  const settingsKey = requireString(stage, 'settingsKey', options.settingsKey);
  const decode = options.decode;
  requireFunction(stage, 'decode', decode);
  return (source) =>
    new Observable<CacheFillEvent>((subscriber) => {
      const store = storeFor(dir);
      const pending: { record: ImageRecord; miss: Lookup }[] = [];
      const misses = new Subject<ImageRecord>();
      let closed = false;
      const fail = (error: unknown): void => {
        if (closed) return;
        closed = true;
        subscriber.error(error);
      };
      const decodeSubscription = misses.pipe(decode).subscribe({
        next: (sample) => {
          let index = pending.findIndex((p) => p.record === sample.record);
          if (index < 0) index = pending.findIndex((p) => p.record.path === sample.record.path);
          if (index < 0) return;
          for (const dropped of pending.splice(0, index)) subscriber.next({ record: dropped.record, status: 'rejected' });
          const { record, miss } = pending.shift() as { record: ImageRecord; miss: Lookup };
          store.put(record, miss, settingsKey, { pixels: sample.pixels, height: sample.height, width: sample.width, source: sample.source });
          subscriber.next({ record, status: 'decoded' });
        },
        error: fail,
        complete: () => {
          if (closed) return;
          for (const dropped of pending.splice(0)) subscriber.next({ record: dropped.record, status: 'rejected' });
          try {
            store.flush();
          } catch (error) {
            fail(error);
            return;
          }
          closed = true;
          subscriber.complete();
        },
      });
      const upstream = source.subscribe({
        next: (record) => {
          if (closed) return;
          let found: Lookup;
          try {
            found = store.lookup(record, settingsKey);
          } catch (error) {
            fail(error);
            return;
          }
          if (found.ref !== undefined) {
            subscriber.next({ record, status: 'cached' });
            return;
          }
          pending.push({ record, miss: found });
          misses.next(record);
        },
        error: fail,
        complete: () => misses.complete(),
      });
      return () => {
        closed = true;
        upstream.unsubscribe();
        decodeSubscription.unsubscribe();
      };
    });
}
