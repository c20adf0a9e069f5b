/**
 * Test data generators for @cxr/preprocess specs (and other packages' specs): records with
 * patient groups, samples with deterministic pixels, a decode stand-in that counts its work, and
 * goodness-of-fit checks for seeded draws.
 */
import type { ImageRecord, Sample, Split } from '@cxr/loader';
import fc from 'fast-check';
import { defer, finalize, from, mergeMap, timer, map, type OperatorFunction } from 'rxjs';

export { chiSquareLimit, chiSquareUniform, countOutcomes, permutationIndex } from './statistics.js';

/** A record with sensible defaults (`/data/train/NORMAL/<id>.jpeg`, label 0). */
export function makeRecord(overrides: Partial<ImageRecord> & { readonly id?: string } = {}): ImageRecord {
  const { id = 'img', ...rest } = overrides;
  const label = rest.label ?? 0;
  const split = rest.split ?? 'train';
  const className = rest.className ?? (label === 1 ? 'PNEUMONIA' : 'NORMAL');
  return { path: `/data/${split}/${className}/${id}.jpeg`, split, label, className, groupId: id, ...rest };
}

/** Pixels `h * w`, a deterministic function of `seed`. */
export function makePixels(height: number, width: number, seed: number): Uint8Array {
  const pixels = new Uint8Array(height * width);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    pixels[i] = s & 0xff;
  }
  return pixels;
}

/** A sample of `record` with deterministic pixels. */
export function makeSample(record: ImageRecord, height = 4, width = 4, seed = 1): Sample {
  return { record, pixels: makePixels(height, width, seed), height, width };
}

/** Options of {@link arbRecords}. */
export interface ArbRecordsOptions {
  /** Most groups (patients) in the pool. Default 30. */
  readonly maxGroups?: number;
  /** Largest group. Default 4. */
  readonly maxGroupSize?: number;
  /** Also make some test records, a few sharing group ids with the pool. Default true. */
  readonly withTest?: boolean;
  /** Add, per label, as many single-image groups as the largest group size (so exact stratification is possible). Default false. */
  readonly singletons?: boolean;
}

/**
 * Records with patient groups: every group has one label and lives in train or val (like the
 * Kaggle data, where a few patients are split across folders), plus optional test records.
 */
export function arbRecords(options: ArbRecordsOptions = {}): fc.Arbitrary<ImageRecord[]> {
  const maxGroups = options.maxGroups ?? 30;
  const maxGroupSize = options.maxGroupSize ?? 4;
  const group = fc.record({
    size: fc.integer({ min: 1, max: maxGroupSize }),
    label: fc.constantFrom<0 | 1>(0, 1),
    splits: fc.array(fc.constantFrom<Split>('train', 'val'), { minLength: maxGroupSize, maxLength: maxGroupSize }),
  });
  return fc
    .record({
      groups: fc.array(group, { minLength: 1, maxLength: maxGroups }),
      test: options.withTest === false ? fc.constant([] as number[]) : fc.array(fc.integer({ min: 0, max: maxGroups + 5 }), { maxLength: 8 }),
    })
    .map(({ groups, test }) => {
      const all = [...groups];
      if (options.singletons === true) {
        for (const label of [0, 1] as const) {
          for (let k = 0; k < maxGroupSize; k++) all.push({ size: 1, label, splits: Array.from({ length: maxGroupSize }, () => 'train' as const) });
        }
      }
      const records: ImageRecord[] = [];
      all.forEach((g, gi) => {
        for (let k = 0; k < g.size; k++) {
          const split = g.splits[k] ?? 'train';
          records.push(makeRecord({ id: `p${gi}_${k}`, groupId: `p${gi}`, label: g.label, split }));
        }
      });
      test.forEach((gi, k) => {
        records.push(makeRecord({ id: `t${gi}_${k}`, groupId: `p${gi}`, label: (gi % 2) as 0 | 1, split: 'test' }));
      });
      return records;
    });
}

/** Counters of {@link countingDecode}. */
export interface DecodeCounter {
  /** Decodes begun. */
  started: number;
  /** Decodes finished. */
  finished: number;
  /** Decodes dropped unfinished (unsubscribed), when counted. */
  cancelled?: number;
  /** Called after every change of the counts, so a spec can wait for a count instead of for time. */
  readonly onChange?: () => void;
}

/** A {@link DecodeCounter} that can be waited on. */
export interface WaitableCounter {
  readonly counter: DecodeCounter;
  /** Resolves as soon as `check()` holds: at once, or after the change of the counts that makes it hold. */
  until(check: (counter: DecodeCounter) => boolean): Promise<void>;
  /** Resolves once every decode begun has finished or been dropped (nothing of it is still running). */
  settled(): Promise<void>;
}

/** A decode counter whose changes wake the specs waiting on it. */
export function waitableCounter(): WaitableCounter {
  const waiters = new Set<() => void>();
  const counter: DecodeCounter = {
    started: 0,
    finished: 0,
    cancelled: 0,
    onChange: () => {
      for (const waiter of [...waiters]) waiter();
    },
  };
  const until = (check: (c: DecodeCounter) => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (check(counter)) {
        resolve();
        return;
      }
      const waiter = (): void => {
        if (!check(counter)) return;
        waiters.delete(waiter);
        resolve();
      };
      waiters.add(waiter);
    });
  return { counter, until, settled: () => until((c) => c.started === c.finished + (c.cancelled ?? 0)) };
}

/**
 * A decode stand-in: each record becomes a `size x size` sample after `delayMs` (a timer), at most
 * `concurrency` at once, in input order; `counter` counts the work begun, done and dropped.
 */
export function countingDecode(
  counter: DecodeCounter,
  options: { readonly size?: number; readonly delayMs?: number; readonly concurrency?: number } = {},
): OperatorFunction<ImageRecord, Sample> {
  const size = options.size ?? 2;
  const delayMs = options.delayMs ?? 0;
  const concurrency = options.concurrency ?? 2;
  return (source) =>
    source.pipe(
      map((record, i) => ({ record, i })),
      mergeMap(
        ({ record, i }) =>
          defer(() => {
            counter.started++;
            counter.onChange?.();
            let finished = false;
            return timer(delayMs).pipe(
              map(() => {
                finished = true;
                counter.finished++;
                counter.onChange?.();
                return { i, sample: makeSample(record, size, size, i + 1) };
              }),
              finalize(() => {
                if (finished) return;
                if (counter.cancelled !== undefined) counter.cancelled++;
                counter.onChange?.();
              }),
            );
          }),
        concurrency,
      ),
      // restore input order
      (ordered) =>
        defer(() => {
          const waiting = new Map<number, Sample>();
          let next = 0;
          return ordered.pipe(
            mergeMap(({ i, sample }) => {
              waiting.set(i, sample);
              const out: Sample[] = [];
              while (waiting.has(next)) {
                out.push(waiting.get(next) as Sample);
                waiting.delete(next);
                next++;
              }
              return from(out);
            }),
          );
        }),
    );
}
