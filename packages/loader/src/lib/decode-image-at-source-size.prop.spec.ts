import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { arbImageSpec, effectiveFormat, encodeImage } from '../testing/index.js';
import { decodeImage, decodeImageAtSourceSize } from './decode-image.js';

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-source-size-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test.prop([arbImageSpec(40)], { numRuns: 30 })('decodes at the source size (sides swapped by EXIF orientations 5-8), grey, with the pixels decodeImage gives at that size when square', async (spec) => {
  counter += 1;
  const path = join(dir, `s${counter}.${effectiveFormat(spec)}`);
  await writeFile(path, await encodeImage(spec));
  const decoded = await decodeImageAtSourceSize(path);
  const swapped = (spec.orientation ?? 1) >= 5; // sharp writes the orientation into PNGs too
  expect([decoded.width, decoded.height]).toEqual(swapped ? [spec.height, spec.width] : [spec.width, spec.height]);
  expect(decoded.pixels).toHaveLength(spec.width * spec.height);
  if (spec.width === spec.height) {
    const resized = await decodeImage(path, { size: spec.width });
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(resized.pixels))).toBe(true);
  }
});

it('rejects what decodeImage rejects, with its reason', async () => {
  const path = join(dir, 'not-an-image.jpeg');
  await writeFile(path, 'This is not an image.\n');
  await expect(decodeImageAtSourceSize(path)).rejects.toMatchObject({ code: 'CXR_USAGE', path, reason: 'not an image (unsupported or unrecognised format)' });
  await expect(decodeImageAtSourceSize(join(dir, 'missing.png'))).rejects.toMatchObject({ reason: 'file not found' });
});
