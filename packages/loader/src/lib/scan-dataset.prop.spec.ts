import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect } from 'vitest';
import { scanDataset } from '../index.js';
import { arbDatasetTree, scanOrder, writeDatasetTree } from '../testing/index.js';

describe('scanDataset properties', () => {
  test.prop([arbDatasetTree()], { numRuns: 40 })(
    'returns exactly the image files of a generated tree, with their labels and splits, sorted, whatever else lies in it',
    async (tree) => {
      const root = await mkdtemp(join(tmpdir(), 'cxr-scanprop-'));
      try {
        await writeDatasetTree(root, tree);
        const records = await lastValueFrom(scanDataset(root).pipe(toArray()));
        const expected = tree.images.map((i) => ({ ...i, path: join(root, ...i.path.split('/')) })).sort(scanOrder);
        expect(records.map((r) => [r.path, r.split, r.className, r.label])).toEqual(expected.map((i) => [i.path, i.split, i.className, i.label]));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  );

  test.prop([fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), fc.integer({ min: 0, max: 99999 }), fc.stringMatching(/^[a-z0-9_]{0,8}$/)])(
    'group id is personN for personN_ files and the file stem otherwise',
    async (stem, n, rest) => {
      const root = await mkdtemp(join(tmpdir(), 'cxr-group-'));
      try {
        await writeDatasetTree(root, {
          images: [
            { path: `train/PNEUMONIA/person${n}_${rest}.jpeg`, split: 'train', className: 'PNEUMONIA', label: 1 },
            { path: `train/NORMAL/${stem}.png`, split: 'train', className: 'NORMAL', label: 0 },
          ],
          noise: [],
        });
        const records = await lastValueFrom(scanDataset(root).pipe(toArray()));
        expect(records.map((r) => r.groupId)).toEqual([/^person\d+_/i.test(`${stem}.png`) ? stem.replace(/^(person\d+)_.*$/i, '$1') : stem, `person${n}`]);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  );
});
