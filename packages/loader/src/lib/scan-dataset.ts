import { concatMap, defer, from, type Observable } from 'rxjs';
import { DEFAULT_CLASS_MAP, SPLITS, type ClassMap, type ImageRecord, type Rejection, type Split } from './types.js';
import { scanFiles, type ScanSettings } from './internal/scan-files.js';
import { checkFunction, checkOneOf, describe } from './internal/validate.js';

/** Options of {@link scanDataset}; every field is optional. */
export interface ScanDatasetOptions {
  /** Class folder name to label, matched case-insensitively. Default {@link DEFAULT_CLASS_MAP} (NORMAL=0, PNEUMONIA=1). */
  readonly classMap?: ClassMap;
  /** Split folders to read. Default all: train, val, test. */
  readonly splits?: readonly Split[];
  /** Split given to the images of a folder that holds the class folders directly (no split level). Default 'train'. */
  readonly flatSplit?: Split;
  /** Called for each folder inside the dataset that cannot be read (it is skipped). */
  readonly onReject?: (rejection: Rejection) => void;
}

const STAGE = 'scanDataset';

/**
 * Checks scan options and fills the defaults.
 * @internal shared with scanAndAudit.
 */
export function resolveScanSettings(options: ScanDatasetOptions, stage = STAGE): ScanSettings & { onReject?: (r: Rejection) => void } {
  const classMap = checkClassMap(stage, options.classMap ?? DEFAULT_CLASS_MAP);
  const splits = options.splits ?? SPLITS;
  if (!Array.isArray(splits) || splits.length === 0) throw new TypeError(`${stage}: splits must be a non-empty array of 'train', 'val', 'test', got ${describe(splits)}.`);
  for (const split of splits) checkOneOf(stage, 'splits[]', split, SPLITS);
  if (new Set(splits).size !== splits.length) throw new RangeError(`${stage}: splits must not repeat a split, got ${splits.join(', ')}.`);
  const flatSplit = checkOneOf(stage, 'flatSplit', options.flatSplit ?? 'train', SPLITS);
  const onReject = checkFunction<(r: Rejection) => void>(stage, 'onReject', options.onReject);
  const ordered = SPLITS.filter((s) => splits.includes(s));
  return onReject ? { classMap, splits: ordered, flatSplit, onReject } : { classMap, splits: ordered, flatSplit };
}

function checkClassMap(stage: string, classMap: unknown): ClassMap {
  if (typeof classMap !== 'object' || classMap === null || Array.isArray(classMap)) {
    throw new TypeError(`${stage}: classMap must be an object such as { NORMAL: 0, PNEUMONIA: 1 }, got ${describe(classMap)}.`);
  }
  const entries = Object.entries(classMap as Record<string, unknown>);
  const out: Record<string, 0 | 1> = {};
  for (const [name, label] of entries) {
    if (label !== 0 && label !== 1) throw new RangeError(`${stage}: classMap label of ${JSON.stringify(name)} must be 0 or 1, got ${describe(label)}.`);
    const key = name.trim().toUpperCase();
    if (key.length === 0 || /[/\\]/.test(key)) throw new RangeError(`${stage}: classMap name ${JSON.stringify(name)} is not a folder name.`);
    if (key in out) throw new RangeError(`${stage}: classMap names ${JSON.stringify(name)} twice (names are case-insensitive).`);
    out[key] = label;
  }
  const labels = Object.values(out).sort();
  if (labels.length !== 2 || labels[0] !== 0 || labels[1] !== 1) {
    throw new RangeError(`${stage}: classMap must map exactly two class folders to 0 and 1, got ${JSON.stringify(classMap)}.`);
  }
  return Object.freeze(out);
}

/**
 * Lists the labelled images of a dataset folder.
 *
 * Reads `root/{train,val,test}/{NORMAL,PNEUMONIA}/` (folder names in any case; class folders may
 * hold sub-folders), or `root/{NORMAL,PNEUMONIA}/` as one split (`flatSplit`), or the same layout
 * inside a `root/chest_xray/` wrapper. Takes `.jpeg`, `.jpg` and `.png` files in any case; ignores
 * dot files, `__MACOSX`, other files and the nested duplicate copy some archives carry
 * (`root/chest_xray/...` next to the splits). Follows symlinks but visits each folder once, so a
 * symlink cycle cannot loop. Emits records sorted by split (train, val, test), then by class
 * name (upper case), then by path (code-unit order), the same on every file system; each subscription scans afresh.
 * The group id is `personN` for `personN_...` files (one patient), otherwise the file's stem.
 *
 * Options and defaults: `classMap` { NORMAL: 0, PNEUMONIA: 1 }, `splits` all three, `flatSplit` 'train',
 * `onReject` none (unreadable sub-folders are skipped).
 *
 * @example
 * ```ts
 * scanDataset('/data/chest_xray', { splits: ['train', 'val'] })
 *   .subscribe((r) => console.log(r.split, r.className, r.label, r.groupId, r.path));
 * ```
 * @throws TypeError/RangeError at creation for invalid options. The stream errors with a
 *   `code: 'CXR_USAGE'` error (one sentence naming the folder and the expected layout) when the
 *   folder is missing, unreadable or has no recognisable layout.
 */
export function scanDataset(root: string, options: ScanDatasetOptions = {}): Observable<ImageRecord> {
  if (typeof root !== 'string' || root.length === 0) throw new TypeError(`${STAGE}: root must be a folder path, got ${describe(root)}.`);
  const { onReject, ...settings } = resolveScanSettings(options);
  return defer(() => from(scanFiles(root, settings))).pipe(
    concatMap((result) => {
      for (const problem of result.problems) onReject?.(problem);
      return from(result.records);
    }),
  );
}
