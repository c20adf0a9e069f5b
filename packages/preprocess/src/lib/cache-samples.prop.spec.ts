import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { decodeImages, decodeSettingsKey, scanDataset, type ImageRecord, type Sample } from '@cxr/loader';
import { writeTinyDataset } from '@cxr/loader/testing';
import { cacheSamples } from './cache-samples.js';
import { fillSampleCache } from './fill-sample-cache.js';
import { openSampleCache } from './open-sample-cache.js';
import { forgetStore } from './internal/pack-store.js';

let work: string;
let records: ImageRecord[];
let fresh: Map<string, Sample>;
let runs = 0;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cxr-cache-prop-'));
  const { root } = await writeTinyDataset(path.join(work, 'data'), { perClass: 3, size: 12, splits: ['train', 'test'], corrupt: true });
  records = await firstValueFrom(scanDataset(root).pipe(toArray()));
  const decoded = await firstValueFrom(from(records).pipe(decodeImages({ size: 6 }), toArray()));
  fresh = new Map(decoded.map((s) => [s.record.path, s]));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

test.prop([fc.array(fc.nat(), { maxLength: 20 }), fc.constantFrom('memory', 'disk'), fc.integer({ min: 1, max: 4 })], { numRuns: 15 })(
  'the cache returns the same bytes as a fresh decode, cold and warm',
  async (picks, mode, concurrency) => {
    const input = picks.map((i) => records[i % records.length] as ImageRecord);
    const settingsKey = decodeSettingsKey({ size: 6 });
    const dir = path.join(work, `cache-${runs++}`);
    const op = cacheSamples(mode === 'memory' ? { mode } : { mode, dir, settingsKey }, decodeImages({ size: 6, concurrency }));
    const expected = input.filter((r) => fresh.has(r.path)).map((r) => Buffer.from((fresh.get(r.path) as Sample).pixels).toString('hex'));
    for (const _pass of ['cold', 'warm']) {
      const out = await firstValueFrom(from(input).pipe(op, toArray()));
      expect(out.map((s) => s.record.path)).toEqual(input.filter((r) => fresh.has(r.path)).map((r) => r.path));
      expect(out.map((s) => Buffer.from(s.pixels).toString('hex'))).toEqual(expected);
    }
  },
);

test.prop([fc.array(fc.nat(), { maxLength: 16 }), fc.integer({ min: 64, max: 4096 })], { numRuns: 10 })(
  'what fillSampleCache stores, a new process reads back byte for byte, whatever the pack size',
  async (picks, packBytes) => {
    const input = picks.map((i) => records[i % records.length] as ImageRecord);
    const settingsKey = decodeSettingsKey({ size: 6 });
    const dir = path.join(work, `fill-${runs++}`);
    openSampleCache(dir, { packBytes }); // small packs: sealed while filling
    const events = await firstValueFrom(from(input).pipe(fillSampleCache({ dir, settingsKey, decode: decodeImages({ size: 6 }) }), toArray()));
    expect(events.map((e) => e.record.path).sort()).toEqual(input.map((r) => r.path).sort());
    forgetStore(dir);
    const cache = openSampleCache(dir);
    for (const record of input) {
      const got = await cache.get(record, settingsKey);
      const want = fresh.get(record.path);
      expect(got === undefined ? undefined : Buffer.from(got.pixels).toString('hex')).toEqual(want === undefined ? undefined : Buffer.from(want.pixels).toString('hex'));
      expect(await cache.get(record, 'other settings')).toBeUndefined();
    }
    forgetStore(dir);
  },
);
