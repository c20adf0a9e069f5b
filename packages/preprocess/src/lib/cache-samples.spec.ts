import { mkdtemp, readdir, rm, writeFile, utimes, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { decodeImages, decodeSettingsKey, scanDataset, type ImageRecord, type Rejection, type Sample } from '@cxr/loader';
import { encodeImage, writeTinyDataset } from '@cxr/loader/testing';
import { cacheSamples, type SampleCacheOptions } from './cache-samples.js';
import { fillSampleCache } from './fill-sample-cache.js';
import { openSampleCache } from './open-sample-cache.js';
import { FORMAT_DIR, forgetStore, PackStore } from './internal/pack-store.js';

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

  it('disk: a second run reads what the first wrote from a few pack files, with no temp files left', async () => {
    const dir = path.join(work, 'cache-a');
    const options = { mode: 'disk', dir, settingsKey: decodeSettingsKey(settings) } as const;
    const first = await pass(options);
    expect(first.hits.every((h) => !h)).toBe(true);
    expect(first.rejected.length).toBeGreaterThan(0);
    const same = await pass(options); // same process: served from the pack being written
    expect(same.hits.filter(Boolean)).toHaveLength(first.out.length);
    forgetStore(dir); // seals the pack, as the process's exit does; the next pass acts as a new process
    const second = await pass(options);
    expect(plain(second.out)).toEqual(plain(first.out));
    expect(second.hits.filter(Boolean)).toHaveLength(first.out.length);
    const files = (await readdir(path.join(dir, FORMAT_DIR))).sort();
    expect(files.filter((f) => f.startsWith('tmp-'))).toEqual([]);
    expect(files.map((f) => path.extname(f))).toEqual(['.idx', '.pack']);
    expect(await readdir(dir)).toContain('CACHEDIR.TAG');
    forgetStore(dir);
  });

  it('memory backed by disk: a new process fills its memory from disk without decoding', async () => {
    const dir = path.join(work, 'cache-m');
    const options = { mode: 'memory', dir, settingsKey: decodeSettingsKey(settings) } as const;
    const first = await pass(options);
    forgetStore(dir);
    const second = await pass(options);
    expect(second.hits.filter(Boolean)).toHaveLength(first.out.length);
    expect(plain(second.out)).toEqual(plain(first.out));
    const third = await firstValueFrom(from(records).pipe(second.op, toArray())); // from memory now
    expect(plain(third)).toEqual(plain(first.out));
    forgetStore(dir);
  });

  it('keeps the decoder metadata (source) on hits, in memory and on disk', async () => {
    const target = records.filter((r) => !path.basename(r.path).startsWith('bad')).slice(0, 2);
    for (const options of [{ mode: 'memory' }, { mode: 'disk', dir: path.join(work, 'cache-meta'), settingsKey: 'meta' }] as const) {
      const op = cacheSamples(options, decodeImages({ ...settings, metadata: true }));
      const cold = await firstValueFrom(from(target).pipe(op, toArray()));
      if (options.mode === 'disk') forgetStore(options.dir);
      const warm = await firstValueFrom(from(target).pipe(cacheSamples(options, decodeImages({ ...settings, metadata: true })), toArray()));
      const again = options.mode === 'memory' ? await firstValueFrom(from(target).pipe(op, toArray())) : warm;
      expect(cold[0]?.source?.format).toBe('jpeg');
      expect(again.map((s) => s.source)).toEqual(cold.map((s) => s.source));
    }
  });

  it('misses when the settings or the file change; a touched file with the same bytes still hits', async () => {
    const dir = path.join(work, 'cache-b');
    const target = records.find((r) => r.path.endsWith('.jpeg') && !path.basename(r.path).startsWith('bad')) as ImageRecord;
    const options = { mode: 'disk', dir, settingsKey: decodeSettingsKey(settings) } as const;
    await pass(options, [target]);
    expect((await pass({ ...options, settingsKey: 'other-settings' }, [target])).hits).toEqual([false]);
    expect((await pass(options, [target])).hits).toEqual([true]);
    await utimes(target.path, new Date(), new Date(Date.now() + 2000)); // same bytes, new time
    forgetStore(dir);
    expect((await pass(options, [target])).hits).toEqual([true]);
    const before = (await pass(options, [target])).out[0];
    await writeFile(target.path, await encodeImage({ width: 16, height: 16, mode: 'grey', format: 'jpeg', seed: 999 }));
    await utimes(target.path, new Date(), new Date(Date.now() + 5000));
    const changed = await pass(options, [target]);
    expect(changed.hits).toEqual([false]);
    expect(Buffer.from(changed.out[0]?.pixels ?? [])).not.toEqual(Buffer.from(before?.pixels ?? []));
    forgetStore(dir);
    expect((await pass(options, [target])).hits).toEqual([true]);
    forgetStore(dir);
    const memory = cacheSamples({ mode: 'memory' }, decodeImages(settings));
    await firstValueFrom(from([target]).pipe(memory, toArray()));
    await utimes(target.path, new Date(), new Date(Date.now() + 10_000));
    const hits: boolean[] = [];
    const again = cacheSamples({ mode: 'memory', onLookup: (_r, h) => hits.push(h) }, decodeImages(settings));
    await firstValueFrom(from([target]).pipe(again, toArray()));
    await firstValueFrom(from([target]).pipe(again, toArray()));
    expect(hits).toEqual([false, true]);
  });

  it('treats damaged entries, a cut pack and a broken index as misses and repairs them', async () => {
    const dir = path.join(work, 'cache-c');
    const options = { mode: 'disk', dir, settingsKey: decodeSettingsKey(settings) } as const;
    const first = await pass(options);
    forgetStore(dir);
    const packDir = path.join(dir, FORMAT_DIR);
    const pack = path.join(packDir, (await readdir(packDir)).find((f) => f.endsWith('.pack')) as string);
    const bytes = await readFile(pack);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1); // one pixel of the last entry changed
    bytes.write('XXXX', 8, 'latin1'); // the first entry's header broken
    await writeFile(pack, bytes);
    const second = await pass(options);
    expect(plain(second.out)).toEqual(plain(first.out));
    expect(second.hits.filter((h) => !h).length).toBeGreaterThanOrEqual(2 + first.rejected.length);
    forgetStore(dir);
    const third = await pass(options);
    expect(third.hits.filter(Boolean)).toHaveLength(first.out.length);
    forgetStore(dir);
    // A pack cut short and an index that is not JSON: every entry they held is a miss.
    for (const file of await readdir(packDir)) {
      const full = path.join(packDir, file);
      if (file.endsWith('.pack')) await writeFile(full, (await readFile(full)).subarray(0, 30));
      else await writeFile(full, 'not an index');
    }
    const fourth = await pass(options);
    expect(fourth.hits.every((h) => !h)).toBe(true);
    expect(plain(fourth.out)).toEqual(plain(first.out));
    forgetStore(dir);
  });

  it('two writers sharing one folder at once leave it whole, and a third reader sees both', async () => {
    const dir = path.join(work, 'cache-d');
    const key = decodeSettingsKey(settings);
    const a = new PackStore(dir);
    const b = new PackStore(dir);
    const decoded = await firstValueFrom(from(records).pipe(decodeImages(settings), toArray()));
    const half = Math.ceil(decoded.length / 2);
    decoded.forEach((sample, i) => {
      const store = i < half ? a : b;
      store.put(sample.record, store.lookup(sample.record, key), key, sample);
    });
    // Both write at once (interleaved), each to its own file; nothing is visible to others until sealed.
    expect(a.info()).toMatchObject({ packs: 0, entries: 0, unfinished: { files: 2, live: 2 } });
    a.close();
    b.close();
    const reader = openSampleCache(dir);
    for (const sample of decoded) expect(Buffer.from((await reader.get(sample.record, key))?.pixels ?? [])).toEqual(Buffer.from(sample.pixels));
    expect(reader.info()).toMatchObject({ packs: 2, unfinished: { files: 0 } });
    forgetStore(dir);
  });

  it('a reader that looked before another process sealed its pack finds the entries at once (no wait for a periodic rescan)', async () => {
    const dir = path.join(work, 'cache-e');
    const key = decodeSettingsKey(settings);
    const reader = openSampleCache(dir);
    const decoded = await firstValueFrom(from(records).pipe(decodeImages(settings), toArray()));
    for (const sample of decoded) expect(reader.has(sample.record, key)).toBe(false); // the reader has listed the folder just now
    const writer = new PackStore(dir); // another process
    for (const sample of decoded) writer.put(sample.record, writer.lookup(sample.record, key), key, sample);
    writer.close();
    for (const sample of decoded) expect(Buffer.from((await reader.get(sample.record, key))?.pixels ?? []), sample.record.path).toEqual(Buffer.from(sample.pixels));
    forgetStore(dir);
  });

  it('fills with fillSampleCache, reports cached, decoded and rejected, and clears', async () => {
    const dir = path.join(work, 'cache-f');
    const key = decodeSettingsKey(settings);
    const fill = fillSampleCache({ dir, settingsKey: key, decode: decodeImages(settings) });
    const first = await firstValueFrom(from(records).pipe(fill, toArray()));
    const count = (events: typeof first, status: string) => events.filter((e) => e.status === status).length;
    expect(count(first, 'decoded') + count(first, 'rejected')).toBe(records.length);
    expect(count(first, 'rejected')).toBeGreaterThan(0);
    expect((await readdir(path.join(dir, FORMAT_DIR))).filter((f) => f.startsWith('tmp-'))).toEqual([]); // sealed at completion
    forgetStore(dir);
    const second = await firstValueFrom(from(records).pipe(fill, toArray()));
    expect(count(second, 'cached')).toBe(count(first, 'decoded'));
    const cache = openSampleCache(dir);
    const info = cache.info();
    expect(info).toMatchObject({ dir: path.resolve(dir), packs: 1, entries: count(first, 'decoded'), bySettings: { [key]: count(first, 'decoded') } });
    expect(info.bytes).toBeGreaterThan(0);
    const cleared = cache.clear();
    expect(cleared.bytes).toBe(info.bytes);
    expect(cache.info()).toMatchObject({ packs: 0, entries: 0, bytes: 0 });
    expect(cache.has(records[0] as ImageRecord, key)).toBe(false);
    forgetStore(dir);
  });

  it('fails with a usage error when the cache folder cannot be created', async () => {
    const blocker = path.join(work, 'a-file');
    await writeFile(blocker, 'x');
    const op = cacheSamples({ mode: 'disk', dir: path.join(blocker, 'cache'), settingsKey: 'k' }, decodeImages(settings));
    const result = firstValueFrom(from(records).pipe(op, toArray()));
    await expect(result).rejects.toMatchObject({ code: 'CXR_USAGE' });
    await expect(result).rejects.toThrow(/cache folder .*a-file.cache cannot be created.*--cache DIR/);
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
