import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverDir, writeDirAtomic } from './atomic-dir.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxr-atomic-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A pid that is not running (the kernel's pid limit is far below it). */
const DEAD = 2 ** 30 + 7;
const folder = async (name: string, content: string) => {
  await mkdir(join(root, name));
  await writeFile(join(root, name, 'model.json'), content);
};
const contentOf = (name: string) => readFile(join(root, name, 'model.json'), 'utf8');
const listing = async () => (await readdir(root)).sort();

describe('writeDirAtomic and recoverDir', () => {
  it('replaces a folder and leaves nothing else behind', async () => {
    await writeDirAtomic(join(root, 'model'), new Map([['model.json', 'v1']]));
    await writeDirAtomic(join(root, 'model'), new Map([['model.json', 'v2']]));
    expect(await contentOf('model')).toBe('v2');
    expect(await listing()).toEqual(['model']);
  });

  it('finishes a swap cut between its two renames: the new folder goes into place', async () => {
    await folder(`.model.tmp-${DEAD}-100-1`, 'new');
    await folder(`.model.old-${DEAD}-100-1`, 'old');
    await recoverDir(join(root, 'model'));
    expect(await contentOf('model')).toBe('new');
    expect(await listing()).toEqual(['model']);
  });

  it('puts the old folder back when the new one was never complete, and drops the partial one', async () => {
    await folder(`.model.tmp-${DEAD}-200-1`, 'partial');
    await folder(`.model.old-${DEAD}-100-1`, 'old');
    await recoverDir(join(root, 'model'));
    expect(await contentOf('model')).toBe('old');
    expect(await listing()).toEqual(['model']);
  });

  it('removes a partial write and an already replaced old folder next to a good folder', async () => {
    await folder('model', 'current');
    await folder(`.model.tmp-${DEAD}-300-2`, 'partial');
    await folder(`.model.old-${DEAD}-300-1`, 'stale');
    await folder('.other.tmp-1-1-1', 'not ours');
    await recoverDir(join(root, 'model'));
    expect(await contentOf('model')).toBe('current');
    expect(await listing()).toEqual(['.other.tmp-1-1-1', 'model']);
  });

  it('leaves the folders of a live writer (this process) alone', async () => {
    await folder(`.model.tmp-${process.pid}-400-1`, 'in progress');
    await recoverDir(join(root, 'model'));
    expect(await listing()).toEqual([`.model.tmp-${process.pid}-400-1`]);
  });

  it('takes a linked file from an existing one without writing it again, and it outlives the folder it came from', async () => {
    await writeDirAtomic(join(root, 'last'), new Map([['weights.bin', 'w1'], ['state.json', '{}']]));
    const inode = (await stat(join(root, 'last', 'weights.bin'))).ino;
    await writeDirAtomic(join(root, 'previous'), new Map([['weights.bin', { linkFrom: join(root, 'last', 'weights.bin') }], ['state.json', { linkFrom: join(root, 'last', 'state.json') }]]));
    await writeDirAtomic(join(root, 'last'), new Map([['weights.bin', 'w2'], ['state.json', '{"n": 2}']]));
    expect((await stat(join(root, 'previous', 'weights.bin'))).ino).toBe(inode);
    expect(await readFile(join(root, 'previous', 'weights.bin'), 'utf8')).toBe('w1');
    expect(await readFile(join(root, 'last', 'weights.bin'), 'utf8')).toBe('w2');
    expect(await listing()).toEqual(['last', 'previous']);
  });

  it('does nothing when the parent folder does not exist', async () => {
    await expect(recoverDir(join(root, 'missing', 'model'))).resolves.toBeUndefined();
  });
});
