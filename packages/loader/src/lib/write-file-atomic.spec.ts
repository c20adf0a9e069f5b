import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from './write-file-atomic.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes the file (creating its folders), replaces an old one, and leaves no temporary file', async () => {
    const path = join(dir, 'a', 'b', 'out.txt');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, new TextEncoder().encode('second'));
    expect(await readFile(path, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['out.txt']);
  });

  it('leaves the old file and no temporary file when the write fails', async () => {
    const path = join(dir, 'out.txt');
    await writeFile(path, 'old');
    await expect(writeFileAtomic(path, 42 as never)).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['out.txt']);
  });

  it('writeJsonAtomic writes indented JSON with a final newline', async () => {
    const path = join(dir, 'run.json');
    await writeJsonAtomic(path, { a: [1] });
    expect(await readFile(path, 'utf8')).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});
