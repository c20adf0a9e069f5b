import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { decodeImages, type ImageRecord, type Rejection } from '../index.js';
import { arbImageSpec, encodeImage, effectiveFormat } from '../testing/index.js';
import { mapOrdered } from './internal/map-ordered.js';

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-decodeprop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (path: string): ImageRecord => ({ path, split: 'train', label: 1, className: 'PNEUMONIA', groupId: 'g' });
const put = async (ext: string, data: Uint8Array): Promise<string> => {
  counter += 1;
  const path = join(dir, `f${counter}.${ext}`);
  await writeFile(path, data);
  return path;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('decodeImages properties', () => {
  test.prop([arbImageSpec(40), fc.integer({ min: 1, max: 40 }), fc.constantFrom('fill' as const, 'contain' as const)], { numRuns: 50 })(
    'decode always yields size x size x 1 in [0, 255] for any valid image of any mode and size',
    async (spec, size, fit) => {
      const path = await put(effectiveFormat(spec), await encodeImage(spec));
      const rejected: Rejection[] = [];
      const samples = await lastValueFrom(from([record(path)]).pipe(decodeImages({ size, fit, onReject: (r) => rejected.push(r) }), toArray()));
      expect(rejected).toEqual([]);
      expect(samples).toHaveLength(1);
      const [s] = samples;
      expect([s!.width, s!.height, s!.pixels.length]).toEqual([size, size, size * size]);
      expect(s!.pixels).toBeInstanceOf(Uint8Array);
      expect(s!.pixels.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    },
  );

  test.prop([fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 30 }), fc.integer({ min: 1, max: 6 })], { numRuns: 40 })(
    'output order equals input order whatever order the work finishes in, with at most `concurrency` in flight',
    async (delays, concurrency) => {
      let inFlight = 0;
      let maxInFlight = 0;
      const out = await lastValueFrom(
        from(delays).pipe(
          mapOrdered(async (delay: number, index: number) => {
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await sleep(delay);
            inFlight -= 1;
            return delay % 3 === 0 ? { kind: 'skip' as const } : { kind: 'value' as const, value: index };
          }, concurrency),
          toArray(),
        ),
      );
      expect(out).toEqual(delays.flatMap((d, i) => (d % 3 === 0 ? [] : [i])));
      expect(maxInFlight).toBeLessThanOrEqual(concurrency);
    },
  );

  test.prop([fc.array(arbImageSpec(24), { minLength: 1, maxLength: 8 }), fc.integer({ min: 2, max: 4 })], { numRuns: 15 })(
    'decoded samples come out in input order and equal a one-at-a-time decode',
    async (specs, concurrency) => {
      const paths: string[] = [];
      for (const spec of specs) paths.push(await put(effectiveFormat(spec), await encodeImage(spec)));
      const run = (c: number) => lastValueFrom(from(paths.map(record)).pipe(decodeImages({ size: 8, concurrency: c }), toArray()));
      const [parallel, serial] = [await run(concurrency), await run(1)];
      expect(parallel.map((s) => s.record.path)).toEqual(paths);
      expect(parallel.map((s) => Buffer.from(s.pixels).toString('hex'))).toEqual(serial.map((s) => Buffer.from(s.pixels).toString('hex')));
    },
  );

  const magic = fc.constantFrom(
    new Uint8Array([]),
    new Uint8Array([0xff, 0xd8, 0xff, 0xe0]),
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  );
  test.prop([magic, fc.uint8Array({ maxLength: 3000 }), fc.boolean()], { numRuns: 50 })(
    'random bytes never escape the stage as an exception',
    async (prefix, body, strict) => {
      const path = await put('jpeg', Buffer.concat([prefix, body]));
      const rejected: Rejection[] = [];
      const outcome = await new Promise<{ samples: number; error?: unknown }>((resolve) => {
        let samples = 0;
        from([record(path)])
          .pipe(decodeImages({ size: 4, strict, onReject: (r) => rejected.push(r) }))
          .subscribe({ next: () => (samples += 1), error: (error: unknown) => resolve({ samples, error }), complete: () => resolve({ samples }) });
      });
      if (strict) {
        expect(rejected).toEqual([]);
        if (outcome.error !== undefined) expect(outcome.error).toMatchObject({ code: 'CXR_USAGE', path });
        else expect(outcome.samples).toBe(1);
      } else {
        expect(outcome.error).toBeUndefined();
        expect(outcome.samples + rejected.length).toBe(1);
        for (const r of rejected) expect(r.reason).toMatch(/^[^\n]+$/);
      }
    },
  );
});
