import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, copySubset, isOneSentence } from './testing/cli.js';

// The disk cache through the command, on a small real subset: 6 images per split and class.
const work = mkdtempSync(join(tmpdir(), 'cxr-disk-cache-'));
const cache = join(work, 'cache');
let data = '';

interface RunCache {
  readonly dir: string | null;
  readonly mode: string;
  readonly reason: string;
  readonly hits: number;
  readonly decoded: number;
}
const runCache = (out: string): RunCache => (JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { cache: RunCache }).cache;
const dryRun = (name: string, ...flags: string[]) => cli(['train', '--dry-run', '--data', data, '--out', join(work, name), '--image-size', '32', '--backend', 'cpu', '--external', 'none', ...flags], { cwd: work });

beforeAll(() => {
  data = copySubset(6);
});

describe('cxr train with the disk cache', () => {
  it('a second run decodes nothing; a changed file or another image size is a miss; cache info and clear', async () => {
    const total = ['train', 'val', 'test'].reduce((n, split) => n + readdirSync(join(data, split, 'NORMAL')).length + readdirSync(join(data, split, 'PNEUMONIA')).length, 0);
    const first = await dryRun('a', '--cache', cache);
    expect(first.code, first.stderr).toBe(0);
    expect(runCache(join(work, 'a'))).toMatchObject({ dir: cache, hits: 0, decoded: total, mode: 'memory' });
    expect(first.stdout).toMatch(/none was in the disk cache/);
    expect(first.stdout).toMatch(/Kept in memory and in the disk cache \(.* fits the memory budget/);

    const second = await dryRun('b', '--cache', cache, '--memory-cache', 'off');
    expect(second.code, second.stderr).toBe(0);
    expect(runCache(join(work, 'b'))).toMatchObject({ hits: total, decoded: 0, mode: 'stream' });
    expect(second.stdout).toMatch(new RegExp(`${total} read from the disk cache .*, 0 decoded`));
    expect(readFileSync(join(work, 'b', 'audit.json'), 'utf8')).toBe(readFileSync(join(work, 'a', 'audit.json'), 'utf8'));

    // Another cached file's bytes under one name: found by content, nothing decoded (entries are content-addressed).
    const dir = join(data, 'train', 'NORMAL');
    const [x, y] = readdirSync(dir).sort();
    copyFileSync(join(dir, y as string), join(dir, x as string));
    expect(runCache(await dryRun('c0', '--cache', cache).then(() => join(work, 'c0')))).toMatchObject({ hits: total, decoded: 0 });
    // A changed file: that one is decoded again, the rest is not.
    writeFileSync(join(dir, x as string), await sharp(join(dir, y as string)).flop().jpeg().toBuffer());
    expect(runCache(await dryRun('c', '--cache', cache).then(() => join(work, 'c')))).toMatchObject({ hits: total - 1, decoded: 1 });
    expect(runCache(await dryRun('d', '--cache', cache, '--image-size', '48').then(() => join(work, 'd')))).toMatchObject({ hits: 0, decoded: total });

    const info = await cli(['cache', 'info', '--cache', cache, '--json'], { cwd: work });
    expect(info.code, info.stderr).toBe(0);
    const parsed = JSON.parse(info.stdout) as { entries: number; packs: number; bytes: number; bySettings: Record<string, number>; source: string };
    expect(parsed.source).toBe('--cache');
    expect(Object.keys(parsed.bySettings)).toHaveLength(2); // 32 px and 48 px
    expect(parsed.entries).toBeGreaterThanOrEqual(2 * total - 1);
    expect(parsed.packs).toBeLessThanOrEqual(4); // a few large files, not one per image
    const text = await cli(['cache', 'info', '--cache', cache], { cwd: work });
    expect(text.stdout).toMatch(/decoded images in \d+ packs?, .* on disk/);

    const cleared = await cli(['cache', 'clear', '--cache', cache], { cwd: work });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(/^Cleared .*: \d+ files, .* freed\.\n$/);
    expect(runCache(await dryRun('e', '--cache', cache).then(() => join(work, 'e')))).toMatchObject({ hits: 0, decoded: total });
  });

  it('the default folder is $CXR_CACHE_DIR, else $XDG_CACHE_HOME/cxr; --no-cache uses none', async () => {
    const xdg = join(work, 'xdg');
    const viaXdg = await cli(['cache', 'info', '--json'], { cwd: work, env: { XDG_CACHE_HOME: xdg } });
    expect(JSON.parse(viaXdg.stdout)).toMatchObject({ dir: join(xdg, 'cxr'), source: 'XDG_CACHE_HOME' });
    const viaEnv = await cli(['cache', 'info', '--json'], { cwd: work, env: { XDG_CACHE_HOME: xdg, CXR_CACHE_DIR: 'here' } });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ dir: join(work, 'here'), source: 'CXR_CACHE_DIR' });
    const none = await dryRun('f', '--no-cache');
    expect(none.code, none.stderr).toBe(0);
    expect(runCache(join(work, 'f'))).toMatchObject({ dir: null, mode: 'memory' });
  });

  it('training streamed from the disk cache gives the same weights as in memory', async () => {
    const outs = ['g', 'h'].map((name) => join(work, name));
    for (const [i, out] of outs.entries()) {
      const result = await cli(['train', '--data', data, '--out', out, '--image-size', '32', '--epochs', '1', '--batch-size', '8', '--external', 'none', '--cache', cache, '--memory-cache', i === 0 ? 'on' : 'off'], { cwd: work });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/input wait \d+\.\d s \(\d+\.\d% of step time\)/);
    }
    expect(runCache(outs[1] as string).mode).toBe('stream');
    expect(readFileSync(join(outs[0] as string, 'model', 'weights.bin')).equals(readFileSync(join(outs[1] as string, 'model', 'weights.bin')))).toBe(true);
    const input = (JSON.parse(readFileSync(join(outs[1] as string, 'run.json'), 'utf8')) as { results: { input: { steps: number; waitSeconds: number; waitShareOfStep: number } } }).results.input;
    expect(input.steps).toBeGreaterThan(0);
    expect(input.waitShareOfStep).toBeGreaterThanOrEqual(0);
    expect(input.waitShareOfStep).toBeLessThan(1);
  });

  it('predict and evaluate fill and reuse the cache', async () => {
    const model = join(work, 'g', 'model');
    const folder = join(data, 'test');
    const own = join(work, 'cache-predict');
    const first = await cli(['predict', '--model', model, folder, '--json', '--cache', own], { cwd: work });
    expect(first.code, first.stderr).toBe(0);
    const info = JSON.parse((await cli(['cache', 'info', '--json', '--cache', own], { cwd: work })).stdout) as { entries: number };
    const images = (JSON.parse(first.stdout) as { predictions: unknown[] }).predictions.length;
    expect(info.entries).toBe(images);
    const second = await cli(['predict', '--model', model, folder, '--json', '--cache', own], { cwd: work });
    expect(second.stdout).toBe(first.stdout);
    const evaluated = await cli(['evaluate', '--model', model, '--data', data, '--cache', own, '--json'], { cwd: work });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect((JSON.parse((await cli(['cache', 'info', '--json', '--cache', own], { cwd: work })).stdout) as { entries: number }).entries).toBe(images);
  });

  it('bad cache flags are one sentence', async () => {
    const both = await dryRun('i', '--cache', cache, '--no-cache');
    expect(both.code).toBe(2);
    expect(isOneSentence(both.stderr)).toBe(true);
    expect(both.stderr).toMatch(/--cache and --no-cache/);
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, 'x');
    const blocked = await dryRun('j', '--cache', join(blocker, 'sub'));
    expect(blocked.code).toBe(2);
    expect(isOneSentence(blocked.stderr)).toBe(true);
    expect(blocked.stderr).toMatch(/cache folder .*a-file.sub cannot be created.*--no-cache/);
    const action = await cli(['cache', 'drop'], { cwd: work });
    expect(action.code).toBe(2);
    expect(action.stderr).toMatch(/info or clear/);
  });
});
