import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyDataset } from '@cxr/loader/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, isOneSentence } from './testing/cli.js';

// cxr train --fold I/K: cross-validation folds of train+val, through the command.

const work = mkdtempSync(join(tmpdir(), 'cxr-fold-'));
let data = '';
beforeAll(async () => {
  data = (await writeTinyDataset(join(work, 'data'), { perClass: 15, size: 32, seed: 5 })).root;
});

const splitRows = (run: string): string[][] =>
  readFileSync(join(run, 'split.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));

describe('cxr train --fold', () => {
  it('the K folds of one seed validate on disjoint, patient-disjoint sets that together cover train+val, and run.json records the fold', async () => {
    const seen = new Map<string, string>();
    let pooled = 0;
    for (const fold of ['1/3', '2/3', '3/3']) {
      const out = join(work, `fold-${fold.replace('/', 'of')}`);
      const result = await cli(['train', '--dry-run', '--data', data, '--out', out, '--fold', fold, '--seed', '4', '--external', 'none', '--image-size', '32'], { cwd: work });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Split (seed 4, fold ${fold.split('/')[0]} of 3 of train+val to val, patient-disjoint)`);
      const rows = splitRows(out);
      const val = rows.filter((r) => r[1] === 'val');
      const trainGroups = new Set(rows.filter((r) => r[1] === 'train').map((r) => r[3]));
      expect(val.filter((r) => trainGroups.has(r[3]))).toEqual([]);
      pooled = rows.filter((r) => r[1] !== 'test').length;
      expect(val.length).toBeGreaterThanOrEqual(Math.floor(pooled / 3) - 2);
      for (const r of val) {
        expect(seen.has(r[0] as string), `${r[0]} validated twice`).toBe(false);
        seen.set(r[0] as string, fold);
      }
      expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).settings.fold).toBe(fold);
    }
    expect(seen.size).toBe(pooled);
  });

  it('a malformed fold is one sentence naming the flag (exit 2)', async () => {
    for (const bad of ['4/3', '0/3', '1/1', 'two']) {
      const result = await cli(['train', '--dry-run', '--data', data, '--out', join(work, 'bad'), '--fold', bad], { cwd: work });
      expect(result.code).toBe(2);
      expect(isOneSentence(result.stderr), result.stderr).toBe(true);
      expect(result.stderr).toContain(`--fold must be I/K with K from 2 to 1000 folds and I from 1 to K, e.g. --fold 1/5 (got "${bad}").`);
    }
  });
});
