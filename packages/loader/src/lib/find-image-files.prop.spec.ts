import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { findImageFiles } from '../index.js';

/** A random folder tree: folder i (i > 0) sits in folder parent[i] < i; files and folder symlinks (to any folder, ancestors included) anywhere. */
const arbTree = fc
  .integer({ min: 1, max: 6 })
  .chain((folders) =>
    fc.record({
      parents: fc.array(fc.nat(), { minLength: folders - 1, maxLength: folders - 1 }).map((xs) => xs.map((x, i) => x % (i + 1))),
      files: fc.array(fc.record({ folder: fc.nat(folders - 1), ext: fc.constantFrom('.jpeg', '.JPG', '.png', '.txt', '.gif') }), { maxLength: 12 }),
      links: fc.array(fc.record({ from: fc.nat(folders - 1), to: fc.nat(folders - 1) }), { maxLength: 4 }),
    }),
  );

describe('findImageFiles', () => {
  it.prop([arbTree], { numRuns: 40 })(
    'with symlinked folders (cycles included), every image file is listed exactly once (by its real path), sorted',
    async ({ parents, files, links }) => {
      const root = await mkdtemp(join(tmpdir(), 'cxr-find-prop-'));
      try {
        const paths = [root];
        for (const [i, parent] of parents.entries()) {
          const path = join(paths[parent] as string, `f${i + 1}`);
          await mkdir(path);
          paths.push(path);
        }
        const images: string[] = [];
        for (const [i, f] of files.entries()) {
          const path = join(paths[f.folder] as string, `img${i}${f.ext}`);
          await writeFile(path, 'x');
          if (f.ext !== '.txt' && f.ext !== '.gif') images.push(path);
        }
        for (const [i, l] of links.entries()) await symlink(paths[l.to] as string, join(paths[l.from] as string, `link${i}`));

        const found = await findImageFiles(root);
        expect(found).toEqual([...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        const real = await Promise.all(found.map((p) => realpath(p)));
        expect(new Set(real).size).toBe(real.length);
        expect(new Set(real)).toEqual(new Set(await Promise.all(images.map((p) => realpath(p)))));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  );
});
