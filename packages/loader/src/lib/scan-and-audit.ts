import { from, lastValueFrom, merge, Subject, tap } from 'rxjs';
import type { ImageRecord, Rejection } from './types.js';
import { auditDataset, type DatasetAudit } from './audit-dataset.js';
import { decodeImages, type DecodeImagesOptions } from './decode-images.js';
import { resolveScanSettings, type ScanDatasetOptions } from './scan-dataset.js';
import { scanFiles } from './internal/scan-files.js';
import { checkFunction, describe } from './internal/validate.js';

/** Options of {@link scanAndAudit}; every field is optional. */
export interface ScanAndAuditOptions
  extends Omit<ScanDatasetOptions, 'onReject'>,
    Omit<DecodeImagesOptions, 'onReject' | 'strict' | 'metadata'> {
  /** Called after each file is decoded or rejected, with the count so far and the total found. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Called once with the image records the scan found (rejected files included), before decoding:
   * what a page of the audit needs to show example images and the files of shared groups without
   * scanning the folder again.
   */
  readonly onRecords?: (records: readonly ImageRecord[]) => void;
}

/**
 * Scans a dataset folder, decodes every image and returns its {@link DatasetAudit}: what `cxr scan` prints.
 *
 * Runs {@link scanDataset}, {@link decodeImages} (with `metadata: true`, never strict) and
 * {@link auditDataset}; unreadable folders and bad files end up in `audit.rejected`, each once.
 * Render it with `formatAudit(audit)` or `JSON.stringify(audit)`.
 *
 * Options and defaults: those of scanDataset (`classMap`, `splits`, `flatSplit`) and decodeImages
 * (`size` 224, `fit` 'fill', `maxPixels`, `concurrency` = cores), plus `onProgress` and `onRecords` (none).
 *
 * @example
 * ```ts
 * const audit = await scanAndAudit('../shared/datasets/chest-xray');
 * audit.splits.train?.PNEUMONIA; // 3459
 * console.log(formatAudit(audit));
 * ```
 * @throws TypeError/RangeError for invalid options (synchronously, as a rejected promise); rejects with a
 *   `code: 'CXR_USAGE'` error when the folder is missing or has no recognisable layout.
 */
export async function scanAndAudit(root: string, options: ScanAndAuditOptions = {}): Promise<DatasetAudit> {
  if (typeof root !== 'string' || root.length === 0) throw new TypeError(`scanAndAudit: root must be a folder path, got ${describe(root)}.`);
  const { onProgress, onRecords, classMap, splits, flatSplit, ...decodeOptions } = options;
  checkFunction('scanAndAudit', 'onProgress', onProgress);
  checkFunction('scanAndAudit', 'onRecords', onRecords);
  const scanOptions: ScanDatasetOptions = { ...(classMap ? { classMap } : {}), ...(splits ? { splits } : {}), ...(flatSplit ? { flatSplit } : {}) };
  const settings = resolveScanSettings(scanOptions, 'scanAndAudit');
  const rejections = new Subject<Rejection>();
  const decode = decodeImages({ ...decodeOptions, metadata: true, onReject: (r) => rejections.next(r) });

  const scan = await scanFiles(root, settings);
  onRecords?.(scan.records);
  const total = scan.records.length;
  let done = 0;
  const progress = (): void => {
    done += 1;
    onProgress?.(done, total);
  };
  const samples = from(scan.records).pipe(
    decode,
    tap({ next: progress, complete: () => rejections.complete(), error: (e: unknown) => rejections.error(e) }),
  );
  const audited = merge(
    rejections.pipe(tap((r) => r.record !== undefined && progress())),
    from(scan.problems),
    samples,
  ).pipe(
    auditDataset({
      root: scan.layout.root,
      layout: scan.layout.kind,
      classMap: settings.classMap,
      splits: scan.layout.kind === 'splits' ? settings.splits : [settings.flatSplit],
    }),
  );
  return lastValueFrom(audited);
}
