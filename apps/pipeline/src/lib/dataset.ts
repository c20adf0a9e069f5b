import { auditDataset, decodeImages, decodeSettingsKey, scanDataset } from '@cxr/loader';
import type { DatasetAudit, ImageRecord, Rejection, Sample, Split } from '@cxr/loader';
import { cacheSamples } from '@cxr/preprocess';
import { join } from 'node:path';
import { from, lastValueFrom, tap, toArray, type OperatorFunction } from 'rxjs';
import { usageError } from './errors.js';

/** Files a split may lose to decoding problems before a run stops (1%). */
export const REJECT_TOLERANCE = 0.01;

export interface DecodeChoice {
  readonly size: number;
  readonly fit: 'fill' | 'contain';
}

/** A scanned, decoded and audited dataset, with the memory cache that serves every later pass. */
export interface LoadedDataset {
  /** Usable records (decoded without problems), in scan order. */
  readonly records: readonly ImageRecord[];
  readonly rejected: readonly Rejection[];
  readonly audit: DatasetAudit;
  /** Records -> samples, served from memory (decoded once). */
  readonly samples: OperatorFunction<ImageRecord, Sample>;
}

/**
 * Scans `root` (cheap: file names only); fails at once with a usage error when it is missing or has no dataset layout.
 * A folder that holds the class folders directly (no split folders) is read as `flatSplit` (default `train`).
 */
export async function scanRecords(root: string, splits?: readonly Split[], flatSplit?: Split): Promise<{ records: ImageRecord[]; problems: Rejection[] }> {
  const problems: Rejection[] = [];
  const records = await lastValueFrom(scanDataset(root, { ...(splits ? { splits } : {}), ...(flatSplit ? { flatSplit } : {}), onReject: (r) => problems.push(r) }).pipe(toArray()));
  return { records, problems };
}

/**
 * Decodes every scanned image once at the training size into a memory cache, and audits the
 * result (counts, per-class profile, duplicates, shared patients, rejected files).
 */
export async function loadDataset(
  root: string,
  scanned: { records: readonly ImageRecord[]; problems: readonly Rejection[] },
  decode: DecodeChoice,
  options: { splits?: readonly Split[]; onProgress?: (done: number, total: number) => void } = {},
): Promise<LoadedDataset> {
  const rejected: Rejection[] = [...scanned.problems];
  const settings = { size: decode.size, fit: decode.fit };
  const samples = cacheSamples({ mode: 'memory', settingsKey: decodeSettingsKey(settings) }, decodeImages({ ...settings, metadata: true, onReject: (r) => rejected.push(r) }));
  let done = 0;
  const decoded = await lastValueFrom(
    from(scanned.records).pipe(
      samples,
      tap(() => options.onProgress?.(++done, scanned.records.length)),
      toArray(),
    ),
  );
  const audit = await lastValueFrom(
    from<(Sample | Rejection)[]>([...rejected, ...decoded]).pipe(
      auditDataset({ root, layout: 'splits', ...(options.splits ? { splits: options.splits } : {}) }),
    ),
  );
  return { records: decoded.map((s) => s.record), rejected, audit, samples };
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
      throw usageError(
        `${bad.length} of ${files} files in ${split === 'unknown' ? 'the dataset' : `${split}/`} cannot be used, more than the ${REJECT_TOLERANCE * 100}% tolerated: ${shown}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}; fix or remove them${needed.file ? ` (all are listed in ${needed.file})` : ''}.`,
      );
    }
  }
  if (needed.trainClasses) {
    const counts = new Map<string, number>();
    for (const name of Object.keys(loaded.audit.classes)) counts.set(name, 0);
    for (const record of loaded.records) if (record.split === 'train') counts.set(record.className, (counts.get(record.className) ?? 0) + 1);
    for (const [name, count] of counts) {
      if (count === 0) throw usageError(`The class ${name} has no usable image in ${join(root, 'train', name)}; put its training images there (folder names are matched in any case).`);
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
