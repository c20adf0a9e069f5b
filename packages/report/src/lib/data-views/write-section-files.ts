import { join } from 'node:path';

import { writeFileAtomic } from '@cxr/loader';
import { checkString } from './internal/validate.js';
import type { DataViewSection } from './types.js';

/**
 * Writes the PNG files of report sections into a folder (e.g. the run's `plots/`), each under a
 * temporary name renamed into place.
 *
 * @example
 * ```ts
 * await writeSectionFiles(join(runDir, 'plots'), [histograms, augmentation]);
 * ```
 * @returns the paths written, in order.
 * @throws TypeError for an empty folder name or a file name with a directory in it; file system errors.
 */
export async function writeSectionFiles(dir: string, sections: readonly Pick<DataViewSection, 'files'>[]): Promise<string[]> {
  checkString('writeSectionFiles', 'dir', dir);
  const written: string[] = [];
  for (const section of sections) {
    for (const file of section.files) {
      if (!/^[\w.-]+$/.test(file.name) || file.name.startsWith('.')) {
        throw new TypeError(`writeSectionFiles: file name must be a plain name, got ${JSON.stringify(file.name)}.`);
      }
      const path = join(dir, file.name);
      await writeFileAtomic(path, file.data);
      written.push(path);
    }
  }
  return written;
}
