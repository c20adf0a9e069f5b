import { folderId, walkImages, type WalkProblem } from './internal/walk.js';
import { UsageError } from './usage-error.js';

/** Options of {@link findImageFiles}. */
export interface FindImageFilesOptions {
  /**
   * Called for each sub-folder that cannot be read (its files are skipped). Default: none, and an
   * unreadable folder stops the search with a `CXR_USAGE` error naming it.
   */
  readonly onProblem?: (problem: { readonly path: string; readonly reason: string }) => void;
}

const STAGE = 'findImageFiles';

/**
 * Lists the image files under a folder, recursively, the way {@link scanDataset} finds them: `.jpeg`,
 * `.jpg` and `.png` in any case; dot files, `__MACOSX` and `Thumbs.db` ignored; symlinks followed
 * (to folders and to files), each folder visited once, so a symlink cycle cannot loop. For folders
 * of unlabelled images (what `cxr predict` takes), where the dataset layout does not apply.
 *
 * @example
 * ```ts
 * const files = await findImageFiles('scans/'); // ['scans/a.jpeg', 'scans/ward-2/b.png', ...]
 * ```
 * @param dir the folder (a symlink to a folder is fine).
 * @param options `onProblem` (default: none, unreadable folders throw).
 * @returns the paths (each joined onto `dir`), sorted by code units; empty when there is none.
 * @throws TypeError for an empty `dir`; a `code: 'CXR_USAGE'` error (one sentence) when `dir` is not
 *   a folder, or when a folder cannot be read and no `onProblem` is given.
 */
export async function findImageFiles(dir: string, options: FindImageFilesOptions = {}): Promise<string[]> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`${STAGE}: dir must be a folder path, got ${JSON.stringify(dir)}.`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${STAGE}: options must be an object.`);
  const onProblem = options.onProblem;
  if (onProblem !== undefined && typeof onProblem !== 'function') throw new TypeError(`${STAGE}: onProblem must be a function.`);
  const problems: WalkProblem[] = [];
  if ((await folderId(dir)) === undefined) throw new UsageError(`${dir} is not a folder (or does not exist); give a folder of images (.jpeg, .jpg, .png, DICOM).`);
  const files = await walkImages(dir, new Set(), problems);
  for (const problem of problems) {
    if (onProblem === undefined) throw new UsageError(`${problem.path}: ${problem.reason}; fix its permissions or leave it out.`);
    onProblem(problem);
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
