import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Extensions the scanner takes as images (compared lower-cased). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpeg', '.jpg', '.png', '.dcm', '.dicom'];

/** True for names the scanner never looks at: dot files and folders, macOS archive debris. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.toLowerCase() === '__macosx' || name.toLowerCase() === 'thumbs.db';
}

/** True when the file name has an image extension in any case. */
export function hasImageExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && IMAGE_EXTENSIONS.includes(name.slice(dot).toLowerCase());
}

/**
 * True for a name DICOM files often have without a DICOM extension: no extension at all
 * (`IM0001`), or a numeric one, as in a name made of a UID (`1.2.840.113619.2.55.3.604688`).
 * Such a file is taken when its content says DICOM ({@link hasDicomMarker}).
 */
export function mayBeDicomName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot <= 0 || /^\.\d+$/.test(name.slice(dot));
}

/** True when the file starts like a DICOM Part 10 file (`DICM` after the 128-byte preamble); false when unreadable. */
export async function hasDicomMarker(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(132);
    const { bytesRead } = await handle.read(head, 0, 132, 0);
    return bytesRead === 132 && head.toString('latin1', 128, 132) === 'DICM';
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** A sub-folder of a folder, symlinks to folders included. */
export interface DirEntry {
  readonly name: string;
  readonly path: string;
}

/** Identity of a folder (device + inode), to visit each folder once whatever the symlinks. */
export async function folderId(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? `${s.dev}:${s.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/** Lists the sub-folders (following symlinks) of `dir`, skipping ignored names. */
export async function listFolders(dir: string): Promise<DirEntry[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: DirEntry[] = [];
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await folderId(path)) !== undefined)) out.push({ name: entry.name, path });
  }
  return out;
}

/** A problem met while walking: a folder that could not be read. */
export interface WalkProblem {
  readonly path: string;
  readonly reason: string;
}

/**
 * Finds every image file under `dir` (recursively, following symlinks, each folder once),
 * skipping ignored names: files with an image extension, and DICOM files named without one. `visited` holds the folder ids already walked and is updated.
 */
export async function walkImages(dir: string, visited: Set<string>, problems: WalkProblem[]): Promise<string[]> {
  const id = await folderId(dir);
  if (id === undefined || visited.has(id)) return [];
  visited.add(id);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    problems.push({ path: dir, reason: folderErrorReason(error) });
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await walkImages(path, visited, problems)));
    } else if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      if (target?.isDirectory()) files.push(...(await walkImages(path, visited, problems)));
      // A link to a file, or a broken link (decoding reports it); never a FIFO or device, which could block a read.
      else if (hasImageExtension(entry.name) && (target === undefined || target.isFile())) files.push(path);
      else if (target?.isFile() === true && mayBeDicomName(entry.name) && (await hasDicomMarker(path))) files.push(path);
    } else if (entry.isFile() && hasImageExtension(entry.name)) {
      files.push(path);
    } else if (entry.isFile() && mayBeDicomName(entry.name) && (await hasDicomMarker(path))) {
      files.push(path);
    }
  }
  return files;
}

/** One-line reason for a folder that cannot be listed. */
export function folderErrorReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read folder (permission denied)';
  if (code === 'ENOENT') return 'folder disappeared during the scan';
  return `cannot read folder (${typeof code === 'string' ? code : String(error)})`;
}
