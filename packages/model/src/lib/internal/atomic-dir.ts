import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a whole folder at once: the files go to a hidden sibling folder, which is then
 * renamed into place (the previous folder, if any, is moved aside first and removed after).
 * A crash leaves either the old folder or the new one (or a hidden leftover), never a
 * folder holding a mix or a half-written file.
 */
export async function writeDirAtomic(dir: string, files: ReadonlyMap<string, Uint8Array | string>): Promise<void> {
  const parent = dirname(dir);
  const base = basename(dir);
  await mkdir(parent, { recursive: true });
  counter += 1;
  const tag = `${process.pid}-${Date.now()}-${counter}`;
  const tmp = join(parent, `.${base}.tmp-${tag}`);
  const old = join(parent, `.${base}.old-${tag}`);
  await mkdir(tmp);
  try {
    for (const [name, data] of files) await writeFileSynced(join(tmp, name), data);
    if (await exists(dir)) {
      await rename(dir, old);
      await rename(tmp, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, dir);
    }
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
