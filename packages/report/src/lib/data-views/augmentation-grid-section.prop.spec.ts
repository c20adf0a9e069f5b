import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs';
import type { Sample } from '@cxr/loader';
import { randomFlipLayer, randomRotationLayer, randomZoomLayer } from '@cxr/preprocess';
import { beforeAll, describe, expect } from 'vitest';

import { augmentationGridSection } from './augmentation-grid-section.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const image: Sample = {
  record: { path: '/d/train/NORMAL/a.png', split: 'train', label: 0, className: 'NORMAL', groupId: 'a' },
  pixels: Uint8Array.from({ length: 10 * 10 }, (_, i) => (i * 37) % 256),
  height: 10,
  width: 10,
};

describe('augmentationGridSection properties', () => {
  test.prop(
    [
      fc.double({ min: 0, max: 180, noNaN: true }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      fc.array(fc.integer(), { minLength: 1, maxLength: 5 }),
    ],
    { numRuns: 15 },
  )('every shown draw lies within the layers’ ranges, and the same seeds show the same page', async (degrees, zoom, seeds) => {
    const layers = [randomFlipLayer({ seed: 1 }), randomRotationLayer({ seed: 2, degrees }), randomZoomLayer({ seed: 3, factor: zoom })];
    const a = await augmentationGridSection(layers, image, { seeds, thumbnailSize: 32 });
    expect(a.draws).toHaveLength(seeds.length);
    for (const d of a.draws) {
      expect(Math.abs(d.params.rotationDegrees)).toBeLessThanOrEqual(degrees);
      expect(d.params.zoom).toBeGreaterThanOrEqual(1 - zoom);
      expect(d.params.zoom).toBeLessThanOrEqual(1 + zoom);
    }
    const b = await augmentationGridSection(layers, image, { seeds, thumbnailSize: 32 });
    expect(b.html).toBe(a.html);
  });
});
