import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@cxr/loader';

/** Name of the lock file in a run folder while a cxr process writes it. */
export const LOCK_FILE = 'run.lock';

/** What a lock file says about its owner. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** The owner's command line, e.g. `cxr train --out runs/a`. */
  readonly command: string;
  /** When it took the lock (ISO time). */
  readonly since: string;
  /** The owner's start time as the kernel counts it (Linux), to tell a reused pid from the owner. */
  readonly processStart?: string;
  /** Random per lock: a release removes only its own lock. */
  readonly token: string;
}

/** A lock held by this process; `release()` removes it (idempotent). */
export interface RunLock {
  readonly file: string;
  readonly owner: LockOwner;
  release(): void;
}

/** The start time of a process from /proc (field 22 of its stat line), where there is one. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * True unless the owner is known to be gone: another host's lock counts as live (its pid cannot be
 * checked from here); on this host the pid must exist and, where the kernel tells it, have started
 * when the lock says (a pid reused by another program is not the owner).
 */
function isLive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EPERM') return false;
  }
  const start = processStart(owner.pid);
  return owner.processStart === undefined || start === undefined || start === owner.processStart;
}

function readOwner(file: string): LockOwner | 'unreadable' | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as { code?: string }).code === 'ENOENT' ? undefined : 'unreadable';
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.token === 'string') {
      return { command: '', since: '', ...owner } as LockOwner;
    }
  } catch {
    // Not ours, or from a crash mid-write (the lock is linked whole, so only by hand): stale.
  }
  return 'unreadable';
}

/** The live process that holds the lock of `dir`, if any (a stale lock of a dead process counts as free). */
export function runFolderOwner(dir: string): LockOwner | undefined {
  const owner = readOwner(join(dir, LOCK_FILE));
  return owner === undefined || owner === 'unreadable' || !isLive(owner) ? undefined : owner;
}

/** The one-sentence error for a run folder another live process owns. */
function busyError(dir: string, owner: LockOwner, file: string): Error {
  const who = owner.pid === process.pid && owner.host === hostname() ? 'this process' : `pid ${owner.pid}${owner.host === hostname() ? '' : ` on host ${owner.host}`}`;
  const what = owner.command ? `: \`${owner.command}\`` : '';
  const since = owner.since ? `, since ${owner.since}` : '';
  const gone = owner.host === hostname() ? '' : ` (if that process is gone, delete ${file})`;
  return new UsageError(`The run folder ${dir} is in use by another cxr process (${who}${what}${since}); wait for it to finish or stop it${gone}, or give another --out folder.`);
}

/** Throws the one-sentence usage error when another live process owns `dir` (a cheap check before long work). */
export function checkRunFolderFree(dir: string): void {
  const owner = runFolderOwner(dir);
  if (owner !== undefined) throw busyError(dir, owner, join(dir, LOCK_FILE));
}

/**
 * Makes this process the one owner of the run folder `dir` (which must exist): writes
 * `dir/run.lock` with the pid, host, command and time, created whole and only when no lock is there.
 * A lock left by a dead process (crash, kill -9) is taken over; a live owner's is not.
 * The lock is removed by `release()`, and when the process exits.
 *
 * @throws a usage error naming the folder and its owner when another live process holds it.
 */
export function acquireRunLock(dir: string, command: string): RunLock {
  const file = join(dir, LOCK_FILE);
  const start = processStart(process.pid);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
    ...(start === undefined ? {} : { processStart: start }),
    token: randomBytes(8).toString('hex'),
  };
  const temp = join(dir, `.${LOCK_FILE}.${process.pid}.${owner.token}.tmp`);
  writeFileSync(temp, `${JSON.stringify(owner, null, 2)}\n`, { flush: true });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, file); // atomic: fails when a lock is there, never shows a half-written one
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST' || attempt >= 5) throw error;
      }
      const current = readOwner(file);
      if (current === undefined) continue; // released meanwhile
      if (current !== 'unreadable' && isLive(current)) throw busyError(dir, current, file);
      // Stale: move it aside, then look again at what was moved (another process may have taken over in between).
      const aside = join(dir, `.${LOCK_FILE}.stale-${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readOwner(aside);
      if (moved !== undefined && moved !== 'unreadable' && isLive(moved)) {
        try {
          linkSync(aside, file); // put a live owner's lock back
        } catch {
          // Someone else locked meanwhile: the folder is busy either way.
        }
        unlinkSync(aside);
        throw busyError(dir, moved, file);
      }
      unlinkSync(aside);
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    const current = readOwner(file);
    if (current !== undefined && current !== 'unreadable' && current.token === owner.token) {
      try {
        unlinkSync(file);
      } catch {
        // removed by hand: nothing to do
      }
    }
  };
  process.on('exit', release);
  return { file, owner, release };
}
