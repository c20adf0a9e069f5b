import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanDataset, type Rejection } from '../index.js';
import { writeTinyDataset } from '../testing/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-scan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const scan = (root: string, options?: Parameters<typeof scanDataset>[1]) => lastValueFrom(scanDataset(root, options).pipe(toArray()));
const touch = async (...parts: string[]): Promise<string> => {
  const path = join(dir, ...parts);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, 'x');
  return path;
};

describe('scanDataset', () => {
  it('finds the images of the Kaggle layout with labels, splits, class names and group ids, in order', async () => {
    const ds = await writeTinyDataset(dir, { perClass: 2 });
    const records = await scan(ds.root);
    expect(records.map((r) => [r.path, r.split, r.className, r.label])).toEqual(ds.images.map((f) => [f.path, f.split, f.className, f.label]));
    expect(records[0]).toMatchObject({ split: 'train', className: 'NORMAL', label: 0, groupId: 'IM-0001-0001' });
    expect(records.find((r) => r.className === 'PNEUMONIA')?.groupId).toBe('person3');
  });

  it('ignores dot files, __MACOSX, other files and the nested chest_xray copy', async () => {
    const ds = await writeTinyDataset(dir, { perClass: 1, clutter: true });
    expect((await scan(ds.root)).map((r) => r.path)).toEqual(ds.images.map((f) => f.path));
  });

  it('matches split and class folders and extensions in any case', async () => {
    const a = await touch('Train', 'normal', 'a.JPG');
    const b = await touch('Train', 'Pneumonia', 'person7_virus_3.Jpeg');
    const c = await touch('TEST', 'NORMAL', 'c.png');
    await touch('TEST', 'NORMAL', 'd.gif');
    const records = await scan(dir);
    expect(records.map((r) => [r.path, r.split, r.className, r.label, r.groupId])).toEqual([
      [a, 'train', 'NORMAL', 0, 'a'],
      [b, 'train', 'PNEUMONIA', 1, 'person7'],
      [c, 'test', 'NORMAL', 0, 'c'],
    ]);
  });

  it('reads a folder of class folders as one split, and a root that only wraps chest_xray/', async () => {
    const flat = await touch('flat', 'NORMAL', 'x.jpeg');
    expect((await scan(join(dir, 'flat'))).map((r) => [r.path, r.split])).toEqual([[flat, 'train']]);
    expect((await scan(join(dir, 'flat'), { flatSplit: 'test' }))[0]?.split).toBe('test');
    const wrapped = await touch('archive', 'chest_xray', 'val', 'PNEUMONIA', 'person1_bacteria_1.jpeg');
    await touch('archive', '__MACOSX', 'chest_xray', 'val', 'PNEUMONIA', '._person1_bacteria_1.jpeg');
    expect((await scan(join(dir, 'archive'))).map((r) => r.path)).toEqual([wrapped]);
  });

  it('walks sub-folders of class folders, follows symlinks and survives a symlink cycle', async () => {
    const nested = await touch('train', 'NORMAL', 'batch1', 'n.jpeg');
    const outside = await touch('elsewhere', 'o.jpeg');
    await symlink(join(dir, 'elsewhere'), join(dir, 'train', 'NORMAL', 'linked'));
    await symlink(join(dir, 'train'), join(dir, 'train', 'NORMAL', 'batch1', 'loop'));
    await symlink(join(dir, 'train', 'NORMAL'), join(dir, 'train', 'PNEUMONIA'));
    const records = await scan(dir);
    expect(records.map((r) => r.path)).toEqual([nested, join(dir, 'train', 'NORMAL', 'linked', 'o.jpeg')]);
    expect(outside).toBeTruthy();
  });

  it('takes a broken image symlink as a record (decoding then rejects it), but never a link to a device', async () => {
    await mkdir(join(dir, 'val', 'NORMAL'), { recursive: true });
    await symlink(join(dir, 'missing.jpeg'), join(dir, 'val', 'NORMAL', 'gone.jpeg'));
    await symlink('/dev/zero', join(dir, 'val', 'NORMAL', 'zero.png'));
    expect((await scan(dir)).map((r) => r.path)).toEqual([join(dir, 'val', 'NORMAL', 'gone.jpeg')]);
  });

  it('uses a custom class map and keeps only the requested splits', async () => {
    await touch('train', 'cat', 'c1.png');
    await touch('train', 'Dog', 'd1.png');
    await touch('val', 'cat', 'c2.png');
    const records = await scan(dir, { classMap: { DOG: 1, Cat: 0 }, splits: ['train'] });
    expect(records.map((r) => [r.className, r.label, r.split])).toEqual([
      ['CAT', 0, 'train'],
      ['DOG', 1, 'train'],
    ]);
  });

  it('sorts by split, class name, then path, whatever order files were created in', async () => {
    await touch('test', 'NORMAL', 'b.png');
    await touch('val', 'PNEUMONIA', 'z.png');
    await touch('train', 'PNEUMONIA', 'a.png');
    await touch('train', 'NORMAL', 'z.png');
    await touch('train', 'NORMAL', 'B.png');
    const rel = (await scan(dir)).map((r) => r.path.slice(dir.length + 1));
    expect(rel).toEqual(['train/NORMAL/B.png', 'train/NORMAL/z.png', 'train/PNEUMONIA/a.png', 'val/PNEUMONIA/z.png', 'test/NORMAL/b.png']);
  });

  it('scans afresh on each subscription', async () => {
    await touch('train', 'NORMAL', 'a.png');
    const source = scanDataset(dir);
    expect(await lastValueFrom(source.pipe(toArray()))).toHaveLength(1);
    await touch('train', 'NORMAL', 'b.png');
    expect(await lastValueFrom(source.pipe(toArray()))).toHaveLength(2);
  });

  it('fails with a CXR_USAGE error naming the folder when it is missing, a file, or has no layout', async () => {
    const missing = join(dir, 'nope');
    await expect(scan(missing)).rejects.toMatchObject({ code: 'CXR_USAGE', message: expect.stringContaining(`${missing} does not exist`) });
    const file = await touch('file.txt');
    await expect(scan(file)).rejects.toMatchObject({ code: 'CXR_USAGE', message: expect.stringContaining('is not a folder') });
    await touch('photos', 'holiday', 'a.jpeg');
    await expect(scan(join(dir, 'photos'))).rejects.toMatchObject({
      code: 'CXR_USAGE',
      message: expect.stringMatching(/^No recognisable dataset layout in .*photos: expected .*train,val,test.*NORMAL,PNEUMONIA/),
    });
    await touch('splitsonly', 'train', 'cats', 'a.jpeg');
    await expect(scan(join(dir, 'splitsonly'))).rejects.toMatchObject({ code: 'CXR_USAGE' });
  });

  it('reports unreadable sub-folders and goes on', async () => {
    const ok = await touch('train', 'NORMAL', 'a.png');
    await touch('train', 'NORMAL', 'locked', 'b.png');
    const rejected: Rejection[] = [];
    const { chmod } = await import('node:fs/promises');
    await chmod(join(dir, 'train', 'NORMAL', 'locked'), 0o000);
    try {
      const records = await scan(dir, { onReject: (r) => rejected.push(r) });
      // root ignores permissions: then the folder is simply read.
      if (process.getuid?.() === 0) expect(records).toHaveLength(2);
      else {
        expect(records.map((r) => r.path)).toEqual([ok]);
        expect(rejected).toEqual([{ path: join(dir, 'train', 'NORMAL', 'locked'), reason: 'cannot read folder (permission denied)' }]);
      }
    } finally {
      await chmod(join(dir, 'train', 'NORMAL', 'locked'), 0o755);
    }
  });

  it('rejects invalid options at creation with TypeError/RangeError naming the stage', () => {
    expect(() => scanDataset('')).toThrow(TypeError);
    expect(() => scanDataset(dir, { classMap: { A: 0 } })).toThrow(/scanDataset: classMap must map exactly two/);
    expect(() => scanDataset(dir, { classMap: { A: 0, B: 0 } })).toThrow(RangeError);
    expect(() => scanDataset(dir, { classMap: { A: 0, a: 1 } })).toThrow(/twice/);
    expect(() => scanDataset(dir, { classMap: { A: 0, B: 2 as 1 } })).toThrow(RangeError);
    expect(() => scanDataset(dir, { splits: [] })).toThrow(/scanDataset: splits/);
    expect(() => scanDataset(dir, { splits: ['dev' as 'val'] })).toThrow(TypeError);
    expect(() => scanDataset(dir, { splits: ['val', 'val'] })).toThrow(RangeError);
    expect(() => scanDataset(dir, { flatSplit: 'x' as 'val' })).toThrow(/flatSplit/);
  });
});
