import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usageMessage as usage } from '../testing/usage-message.js';
import { acquireRunLock, checkRunFolderFree, LOCK_FILE, runFolderOwner } from './run-lock.js';

const folder = (): string => mkdtempSync(join(tmpdir(), 'cxr-lock-'));
const DEAD = 2 ** 30 + 7; // above the kernel's pid limit: never a live process
const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number; token: string; command: string };

describe('acquireRunLock', () => {
  it('writes the owner, refuses a second owner while held, and frees the folder on release', () => {
    const dir = folder();
    const lock = acquireRunLock(dir, 'cxr train --out x');
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, command: 'cxr train --out x' });
    expect(runFolderOwner(dir)?.pid).toBe(process.pid);
    expect(usage(() => acquireRunLock(dir, 'cxr train --resume'))).toMatch(new RegExp(`^The run folder ${dir} is in use by another cxr process \\(this process: \`cxr train --out x\`, since .+\\); wait for it to finish or stop it, or give another --out folder\\.$`));
    expect(() => checkRunFolderFree(dir)).toThrow(/is in use by another cxr process/);
    lock.release();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(() => checkRunFolderFree(dir)).not.toThrow();
    acquireRunLock(dir, 'again').release();
  });

  it("takes over the lock of a dead process, or one it cannot read, and a release never removes another owner's lock", () => {
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: DEAD, host: hostname(), command: 'killed', since: 'then', token: 'old' }));
    expect(runFolderOwner(dir)).toBeUndefined();
    const lock = acquireRunLock(dir, 'new owner');
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, command: 'new owner' });
    // Someone replaced the lock by hand: releasing ours leaves theirs.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...lockOf(dir), token: 'someone else' }));
    lock.release();
    expect(lockOf(dir).token).toBe('someone else');

    writeFileSync(join(dir, LOCK_FILE), 'garbage');
    acquireRunLock(dir, 'after garbage').release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("counts another host's lock as live, and says how to clear it if that process is gone", () => {
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: DEAD, host: `not-${hostname()}`, command: 'cxr train', since: 'then', token: 't' }));
    expect(usage(() => acquireRunLock(dir, 'x'))).toContain(`(pid ${DEAD} on host not-${hostname()}: \`cxr train\`, since then); wait for it to finish or stop it (if that process is gone, delete ${join(dir, LOCK_FILE)}), or give another --out folder.`);
  });
});
