import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findImageFiles } from '../index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-find-'));
});
afterEach(async () => {
  await chmod(dir, 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const touch = async (...parts: string[]): Promise<string> => {
  const path = join(dir, ...parts);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, 'x');
  return path;
};

describe('findImageFiles', () => {
  it('lists image files recursively, sorted, in any case of extension; skips dot files, __MACOSX and other files', async () => {
    const b = await touch('b.PNG');
    const a = await touch('a.jpeg');
    const nested = await touch('ward', 'c.JPG');
    await touch('.hidden.jpeg');
    await touch('.cache', 'd.jpeg');
    await touch('__MACOSX', 'e.jpeg');
    await touch('notes.txt');
    expect(await findImageFiles(dir)).toEqual([a, b, nested]);
  });

  it('follows symlinked folders and files', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'cxr-find-target-'));
    try {
      await mkdir(join(outside, 'NORMAL'));
      await writeFile(join(outside, 'NORMAL', 'x.jpeg'), 'x');
      await writeFile(join(outside, 'y.png'), 'x');
      await symlink(join(outside, 'NORMAL'), join(dir, 'normal-link'));
      await symlink(join(outside, 'y.png'), join(dir, 'y-link.png'));
      expect(await findImageFiles(dir)).toEqual([join(dir, 'normal-link', 'x.jpeg'), join(dir, 'y-link.png')]);
      // The folder given may itself be a symlink.
      expect(await findImageFiles(join(dir, 'normal-link'))).toEqual([join(dir, 'normal-link', 'x.jpeg')]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('visits each folder once: a symlink cycle ends, and a folder linked twice is listed once', async () => {
    const a = await touch('sub', 'a.jpeg');
    await symlink(dir, join(dir, 'sub', 'loop'));
    await symlink(join(dir, 'sub'), join(dir, 'sub-again'));
    const files = await findImageFiles(dir);
    expect(files).toEqual([a]);
  });

  it('returns an empty list for a folder without images', async () => {
    await touch('readme.md');
    expect(await findImageFiles(dir)).toEqual([]);
  });

  it('says in one sentence when the path is not a folder', async () => {
    const file = await touch('a.jpeg');
    await expect(findImageFiles(file)).rejects.toMatchObject({ code: 'CXR_USAGE', message: expect.stringContaining(`${file} is not a folder`) });
    await expect(findImageFiles(join(dir, 'missing'))).rejects.toMatchObject({ code: 'CXR_USAGE' });
    await expect(findImageFiles('')).rejects.toThrow(TypeError);
  });

  it.skipIf(process.getuid?.() === 0)('names an unreadable folder, or passes it to onProblem and goes on', async () => {
    const a = await touch('a.jpeg');
    await touch('locked', 'b.jpeg');
    await chmod(join(dir, 'locked'), 0o000);
    try {
      await expect(findImageFiles(dir)).rejects.toMatchObject({ code: 'CXR_USAGE', message: expect.stringContaining(join(dir, 'locked')) });
      const problems: string[] = [];
      expect(await findImageFiles(dir, { onProblem: (p) => problems.push(p.path) })).toEqual([a]);
      expect(problems).toEqual([join(dir, 'locked')]);
    } finally {
      await chmod(join(dir, 'locked'), 0o755);
    }
  });
});
