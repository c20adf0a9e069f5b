import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fc, test } from '@fast-check/vitest';
import type { ImageRecord, Split } from '@cxr/loader';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { exampleGrids } from './example-grids.js';

let dir: string;
const files: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-grids-'));
  for (let i = 0; i < 6; i++) {
    const path = join(dir, `img_${i}.png`);
    const pixels = Buffer.alloc(8 * (6 + i), i * 40);
    await writeFile(path, await sharp(pixels, { raw: { width: 8, height: 6 + i, channels: 1 } }).png().toBuffer());
    files.push(path);
  }
  await writeFile(join(dir, 'broken.png'), 'not an image');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = fc.record({
  split: fc.constantFrom<Split>('train', 'val', 'test'),
  label: fc.constantFrom<0 | 1>(0, 1),
  file: fc.oneof({ weight: 5, arbitrary: fc.nat(5) }, { weight: 1, arbitrary: fc.constantFrom(-1, -2) }),
  id: fc.nat(1000),
});

describe('exampleGrids', () => {
  test.prop([fc.array(record, { maxLength: 24 }), fc.integer({ min: 1, max: 5 }), fc.integer(), fc.nat(3)], { numRuns: 20 })(
    'shows min(perCell, usable) images per split and class, never an excluded one; every failure is named; same seed, same choice',
    async (specs, perCell, seed, excludeCount) => {
      // Records point at real, broken or missing files (a path may repeat: the choice is per record).
      const records: ImageRecord[] = specs.map((s) => ({
        path: s.file >= 0 ? (files[s.file] as string) : join(dir, s.file === -1 ? 'broken.png' : 'missing.png'),
        split: s.split,
        label: s.label,
        className: s.label === 0 ? 'NORMAL' : 'PNEUMONIA',
        groupId: `g${s.id}`,
      }));
      const exclude = new Set(records.slice(0, excludeCount).map((r) => r.path));
      const settings = { seed, perCell, thumbnailSize: 32, columns: 4, exclude };
      const grids = await exampleGrids(records, settings);
      const again = await exampleGrids(records, settings);
      expect(again.map((g) => [g.shown, g.failed])).toEqual(grids.map((g) => [g.shown, g.failed]));
      for (const g of grids) {
        const cell = records.filter((r) => r.split === g.split && r.className === g.className && !exclude.has(r.path));
        expect(g.total).toBe(cell.length);
        expect(g.shown.length + g.failed.length).toBe(Math.min(perCell, cell.length));
        for (const p of g.shown) expect(exclude.has(p)).toBe(false);
        for (const f of g.failed) {
          expect(f.path.endsWith('broken.png') || f.path.endsWith('missing.png')).toBe(true);
          expect(f.reason.length).toBeGreaterThan(0);
          expect(g.html.includes(f.path.endsWith('broken.png') ? 'broken.png' : 'missing.png')).toBe(true);
        }
        for (const p of g.shown) expect(p.endsWith('broken.png') || p.endsWith('missing.png')).toBe(false);
      }
    },
  );
});
