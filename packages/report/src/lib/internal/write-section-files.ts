import { join } from 'node:path';

import { writeFileAtomic } from '@cxr/loader';
import type { ReportSection } from '../report-types.js';

/**
 * Checks that every file of the sections has a plain name (letters, digits, `.`, `_`, `-`; not
 * starting with a dot), so none can land outside the folder it is written to.
 *
 * @throws RangeError naming `stage` and the first bad name.
 */
export function checkSectionFiles(stage: string, sections: readonly Pick<ReportSection, 'files'>[]): void {
  for (const file of sections.flatMap((s) => s.files)) {
    if (!/^[\w.-]+$/.test(file.name) || file.name.startsWith('.')) {
      throw new RangeError(`${stage}: section file name ${JSON.stringify(file.name)} must be a plain file name (letters, digits, . _ -).`);
    }
  }
}

/**
 * Writes the files of report sections into `dir` (e.g. a run's `plots/`), each under a temporary
 * name renamed into place; the names are checked first, so nothing is written when one is bad.
 *
 * @returns the paths written, in order.
 * @throws RangeError for a file name with a directory in it (see {@link checkSectionFiles}); file system errors.
 */
export async function writeSectionFiles(stage: string, dir: string, sections: readonly Pick<ReportSection, 'files'>[]): Promise<string[]> {
  checkSectionFiles(stage, sections);
  const written: string[] = [];
  for (const file of sections.flatMap((s) => s.files)) {
    const path = join(dir, file.name);
    await writeFileAtomic(path, file.data);
    written.push(path);
  }
  return written;
}
