import { copyFile, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
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

/** A file of {@link writeDirAtomic} taken from an existing file: hard-linked (copied where links fail), not written again. */
export interface LinkedFile {
  readonly linkFrom: string;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
    const handle = await open(to, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/**
 * Writes a whole folder at once: the files go to a hidden sibling folder `.<name>.tmp-<tag>`,
 * which is then renamed into place (the previous folder, if any, is first moved aside to
 * `.<name>.old-<tag>` and removed after). A crash leaves the old folder, the new one, or, between
 * the two renames, only the hidden pair; {@link recoverDir} (run before every write and read)
 * then finishes the swap. Never a folder holding a mix or a half-written file. A file given as
 * {@link LinkedFile} shares the existing file's data (files here are replaced, never changed in place).
 */
export async function writeDirAtomic(dir: string, files: ReadonlyMap<string, Uint8Array | string | LinkedFile>): Promise<void> {
  const parent = dirname(dir);
  const base = basename(dir);
  await mkdir(parent, { recursive: true });
  await recoverDir(dir);
  counter += 1;
  const tag = `${process.pid}-${Date.now()}-${counter}`;
  const tmp = join(parent, `.${base}.tmp-${tag}`);
  const old = join(parent, `.${base}.old-${tag}`);
  await mkdir(tmp);
  try {
    for (const [name, data] of files) {
      if (typeof data === 'string' || data instanceof Uint8Array) await writeFileSynced(join(tmp, name), data);
      else await linkOrCopy(data.linkFrom, join(tmp, name));
    }
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

interface Leftover {
  readonly path: string;
  readonly kind: 'tmp' | 'old';
  readonly tag: string;
  readonly pid: number;
  readonly time: number;
}

/** True when `pid` is this process or another live one (its leftovers may be a write in progress). */
function isLive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Finishes or undoes a {@link writeDirAtomic} that a crash interrupted, from the hidden folders it
 * left next to `dir` (those of live processes are left alone):
 * - `dir` missing, `.tmp-<tag>` and `.old-<tag>` both there: the crash fell between the two
 *   renames, so the new folder was complete; it is renamed into place.
 * - `dir` missing and only an `.old-<tag>`: the old folder is put back.
 * - every other leftover (a `.tmp` written only in part, an `.old` already replaced) is removed.
 * Does nothing when the parent folder cannot be read.
 */
export async function recoverDir(dir: string): Promise<void> {
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.`;
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  const leftovers: Leftover[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(tmp|old)-((\d+)-(\d+)-\d+)$/.exec(name.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[3]);
    if (isLive(pid)) continue;
    leftovers.push({ path: join(parent, name), kind: match[1] as 'tmp' | 'old', tag: match[2] as string, pid, time: Number(match[4]) });
  }
  if (leftovers.length === 0) return;
  let restored: Leftover | undefined;
  if (!(await exists(dir))) {
    const olds = new Set(leftovers.filter((l) => l.kind === 'old').map((l) => l.tag));
    const newest = (list: Leftover[]) => list.sort((a, b) => b.time - a.time)[0];
    restored = newest(leftovers.filter((l) => l.kind === 'tmp' && olds.has(l.tag))) ?? newest(leftovers.filter((l) => l.kind === 'old'));
    if (restored !== undefined) await rename(restored.path, dir);
  }
  for (const leftover of leftovers) {
    if (leftover !== restored) await rm(leftover.path, { recursive: true, force: true });
  }
}
