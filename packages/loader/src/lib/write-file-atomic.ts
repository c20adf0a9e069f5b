import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file atomically: to a temporary name in the same folder (created with its parents),
 * flushed to disk, then renamed over the target. A reader, or a run after a crash, sees the old
 * file or the whole new one, never a half-written file; the temporary file is removed on failure.
 *
 * @example
 * ```ts
 * await writeFileAtomic('runs/x/report.html', html);
 * ```
 * @throws file-system errors as thrown by Node (the target is then left as it was).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, data, { flush: true });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * {@link writeFileAtomic} of a value as indented JSON with a final newline.
 *
 * @example
 * ```ts
 * await writeJsonAtomic('runs/x/run.json', { status: 'done' });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
