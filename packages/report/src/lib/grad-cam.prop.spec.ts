import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, expect } from 'vitest';
import { tinyCamModel } from '../testing/cam-models.js';
import { gradCamOverlayPng } from './grad-cam-overlay-png.js';
import { gradCam } from './grad-cam.js';

const size = 10;
let tiny: ReturnType<typeof tinyCamModel>;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tiny = tinyCamModel('gap', { size });
});
afterAll(() => tiny.model.dispose());

const image = fc.uint8Array({ minLength: size * size, maxLength: size * size });

test.prop([image], { numRuns: 25 })('the heatmap is in [0, 1] and peaks at exactly 1 unless it is all 0; no tensor leaks', async (pixels) => {
  const before = tf.memory().numTensors;
  const cam = await gradCam(tiny.model, { pixels, height: size, width: size });
  expect(tf.memory().numTensors).toBe(before);
  const max = Math.max(...cam.heatmap.values);
  expect(Math.min(...cam.heatmap.values)).toBeGreaterThanOrEqual(0);
  expect(max === 1 || (max === 0 && cam.peak === 0)).toBe(true);
});

test.prop([fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })], { numRuns: 20 })(
  'the overlay has the image size and 3 channels whatever the heatmap size',
  async (h, w, hh, hw) => {
    const png = await gradCamOverlayPng(new Uint8Array(h * w).fill(90), h, w, { values: new Float32Array(hh * hw).fill(0.5), height: hh, width: hw });
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([w, h, 3]);
  },
);
