import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeSectionFiles } from './write-section-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeSectionFiles', () => {
  it('writes every file of every section, creating the folder, leaving no temporary file', async () => {
    const out = join(dir, 'plots');
    const paths = await writeSectionFiles('test', out, [
      { files: [{ name: 'a.png', data: Buffer.from('A') }] },
      { files: [{ name: 'b.png', data: Buffer.from('B') }, { name: 'c-1.png', data: Buffer.from('C') }] },
    ]);
    expect(paths).toEqual([join(out, 'a.png'), join(out, 'b.png'), join(out, 'c-1.png')]);
    expect((await readdir(out)).sort()).toEqual(['a.png', 'b.png', 'c-1.png']);
    expect(await readFile(join(out, 'b.png'), 'utf8')).toBe('B');
  });

  it('refuses a file name that would leave the folder', async () => {
    for (const name of ['../x.png', 'a/b.png', '.hidden.png', '']) {
      await expect(writeSectionFiles('test', dir, [{ files: [{ name, data: Buffer.from('') }] }])).rejects.toThrow(/^test: section file name .* must be a plain file name/);
    }
    // Checked before anything is written.
    const out = join(dir, 'none');
    await expect(writeSectionFiles('test', out, [{ files: [{ name: 'ok.png', data: Buffer.from('') }, { name: '../x.png', data: Buffer.from('') }] }])).rejects.toThrow(RangeError);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});
