import { mkdtemp, readdir, rm, writeFile, utimes, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { decodeImages, decodeSettingsKey, scanDataset, type ImageRecord, type Rejection, type Sample } from '@cxr/loader';
import { encodeImage, writeTinyDataset } from '@cxr/loader/testing';
import { cacheSamples, type SampleCacheOptions } from './cache-samples.js';

let work: string;
let records: ImageRecord[];
const settings = { size: 8 };

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cxr-cache-'));
  const { root } = await writeTinyDataset(path.join(work, 'data'), { perClass: 3, size: 16, splits: ['train'], corrupt: true });
  records = await firstValueFrom(scanDataset(root).pipe(toArray()));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const plain = (samples: Sample[]) => samples.map((s) => ({ path: s.record.path, h: s.height, w: s.width, px: Buffer.from(s.pixels).toString('hex') }));

async function pass(options: SampleCacheOptions, input = records) {
  const hits: boolean[] = [];
  const rejected: Rejection[] = [];
  const op = cacheSamples({ ...options, onLookup: (_r, hit) => hits.push(hit) }, decodeImages({ ...settings, onReject: (r) => rejected.push(r) }));
  const out = await firstValueFrom(from(input).pipe(op, toArray()));
  return { out, hits, rejected, op };
}

describe('cacheSamples', () => {
  it('memory: decodes once, then serves the same bytes in input order, bad files skipped', async () => {
    const fresh = await firstValueFrom(from(records).pipe(decodeImages(settings), toArray()));
    const hits: boolean[] = [];
    const op = cacheSamples({ mode: 'memory', onLookup: (_r, hit) => hits.push(hit) }, decodeImages(settings));
    const cold = await firstValueFrom(from(records).pipe(op, toArray()));
    const warm = await firstValueFrom(from(records).pipe(op, toArray()));
    expect(plain(cold)).toEqual(plain(fresh));
    expect(plain(warm)).toEqual(plain(fresh));
    const valid = fresh.length;
    expect(hits.filter(Boolean)).toHaveLength(valid); // only the second pass hits, for the decodable files
    expect(warm.every((s, i) => s.record === fresh[i]?.record || s.record.path === fresh[i]?.record.path)).toBe(true);
  });

  it('disk: a second run reads what the first wrote, atomically, with no temp files left', async () => {
    const dir = path.join(work, 'cache-a');
    const options = { mode: 'disk', dir, settingsKey: decodeSettingsKey(settings) } as const;
    const first = await pass(options);
    expect(first.hits.every((h) => !h)).toBe(true);
    expect(first.rejected.length).toBeGreaterThan(0);
    const second = await pass(options);
    expect(plain(second.out)).toEqual(plain(first.out));
    expect(second.hits.filter(Boolean)).toHaveLength(first.out.length);
    const files = await readdir(dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(first.out.length);
  });

  it('keeps the decoder metadata (source) on hits, in memory and on disk', async () => {
    const target = records.filter((r) => !path.basename(r.path).startsWith('bad')).slice(0, 2);
    for (const options of [{ mode: 'memory' }, { mode: 'disk', dir: path.join(work, 'cache-meta'), settingsKey: 'meta' }] as const) {
      const op = cacheSamples(options, decodeImages({ ...settings, metadata: true }));
      const cold = await firstValueFrom(from(target).pipe(op, toArray()));
      const warm = await firstValueFrom(from(target).pipe(cacheSamples(options, decodeImages({ ...settings, metadata: true })), toArray()));
      const again = options.mode === 'memory' ? await firstValueFrom(from(target).pipe(op, toArray())) : warm;
      expect(cold[0]?.source?.format).toBe('jpeg');
      expect(again.map((s) => s.source)).toEqual(cold.map((s) => s.source));
    }
  });

  it('misses when the settings or the file change', async () => {
    const dir = path.join(work, 'cache-b');
    const target = records.find((r) => r.path.endsWith('.jpeg') && !path.basename(r.path).startsWith('bad')) as ImageRecord;
    const options = { mode: 'disk', dir, settingsKey: decodeSettingsKey(settings) } as const;
    await pass(options, [target]);
    expect((await pass({ ...options, settingsKey: 'other-settings' }, [target])).hits).toEqual([false]);
    expect((await pass(options, [target])).hits).toEqual([true]);
    const before = (await pass(options, [target])).out[0];
    await writeFile(target.path, await encodeImage({ width: 16, height: 16, mode: 'grey', format: 'jpeg', seed: 999 }));
    await utimes(target.path, new Date(), new Date(Date.now() + 5000));
    const changed = await pass(options, [target]);
    expect(changed.hits).toEqual([false]);
    expect(Buffer.from(changed.out[0]?.pixels ?? [])).not.toEqual(Buffer.from(before?.pixels ?? []));
    const memory = cacheSamples({ mode: 'memory' }, decodeImages(settings));
    await firstValueFrom(from([target]).pipe(memory, toArray()));
    await utimes(target.path, new Date(), new Date(Date.now() + 10_000));
    const hits: boolean[] = [];
    const again = cacheSamples({ mode: 'memory', onLookup: (_r, h) => hits.push(h) }, decodeImages(settings));
    await firstValueFrom(from([target]).pipe(again, toArray()));
    await firstValueFrom(from([target]).pipe(again, toArray()));
    expect(hits).toEqual([false, true]);
  });

  it('treats corrupt, truncated and foreign entries as misses and repairs them', async () => {
    const dir = path.join(work, 'cache-c');
    const options = { mode: 'disk', dir, settingsKey: decodeSettingsKey(settings) } as const;
    const first = await pass(options);
    const files = (await readdir(dir)).sort();
    const [a, b, c] = files.map((f) => path.join(dir, f));
    await writeFile(a as string, (await readFile(a as string)).subarray(0, 30)); // truncated
    const flipped = await readFile(b as string);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 0xff, flipped.length - 1); // one pixel changed
    await writeFile(b as string, flipped);
    await writeFile(c as string, 'not a cache entry');
    const second = await pass(options);
    expect(plain(second.out)).toEqual(plain(first.out));
    expect(second.hits.filter((h) => !h).length).toBeGreaterThanOrEqual(3 + first.rejected.length);
    const third = await pass(options);
    expect(third.hits.filter(Boolean)).toHaveLength(first.out.length);
  });

  it('two runs sharing one folder at once leave it whole', async () => {
    const dir = path.join(work, 'cache-d');
    const options = { mode: 'disk', dir, settingsKey: decodeSettingsKey(settings) } as const;
    const [a, b] = await Promise.all([pass(options), pass(options)]);
    expect(plain(a.out)).toEqual(plain(b.out));
    const c = await pass(options);
    expect(c.hits.filter(Boolean)).toHaveLength(a.out.length);
    expect(plain(c.out)).toEqual(plain(a.out));
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with a usage error when the cache folder cannot be created', async () => {
    const blocker = path.join(work, 'a-file');
    await writeFile(blocker, 'x');
    const op = cacheSamples({ mode: 'disk', dir: path.join(blocker, 'cache'), settingsKey: 'k' }, decodeImages(settings));
    const result = firstValueFrom(from(records).pipe(op, toArray()));
    await expect(result).rejects.toMatchObject({ code: 'CXR_USAGE' });
    await expect(result).rejects.toThrow(/cache folder .*a-file.cache cannot be created/);
  });

  it('rejects bad options at creation', () => {
    const decode = decodeImages(settings);
    expect(() => cacheSamples({ mode: 'ram' } as never, decode)).toThrow(/cacheSamples: mode/);
    expect(() => cacheSamples({ mode: 'disk', dir: '', settingsKey: 'k' }, decode)).toThrow(TypeError);
    expect(() => cacheSamples({ mode: 'disk', dir: 'x' } as never, decode)).toThrow(/settingsKey/);
    expect(() => cacheSamples({ mode: 'memory', settingsKey: '' }, decode)).toThrow(TypeError);
    expect(() => cacheSamples({ mode: 'memory' }, undefined as never)).toThrow(/decode/);
  });
});
