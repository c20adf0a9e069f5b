import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  augmentImage,
  drawAugmentParams,
  flipImage,
  flipImages,
  rescaleImages,
  rotateImage,
  rotateImages,
  standardizeImage,
  standardizeImages,
  zoomImage,
} from './image-ops.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const grid = (h: number, w: number) => tf.tensor3d(Array.from({ length: h * w }, (_, i) => i), [h, w, 1]);
const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('image ops', () => {
  it('rotates 90 degrees counter-clockwise exactly', () => {
    const img = grid(5, 5);
    const out = rotateImage(img, 90).arraySync() as number[][][];
    const src = img.arraySync() as number[][][];
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) expect(out[r]?.[c]?.[0]).toBeCloseTo(src[c]?.[4 - r]?.[0] ?? Number.NaN, 4);
  });

  it('leaves images unchanged at angle 0, zoom 1 and a double flip', () => {
    const img = grid(4, 6);
    expect(values(rotateImage(img, 0))).toEqual(values(img));
    expect(values(zoomImage(img, 1))).toEqual(values(img));
    expect(values(flipImage(flipImage(img, true), true))).toEqual(values(img));
    expect(values(flipImage(img, false))).toEqual(values(img));
  });

  it('mirrors left-right', () => {
    const out = flipImage(grid(2, 3), true).squeeze().arraySync();
    expect(out).toEqual([
      [2, 1, 0],
      [5, 4, 3],
    ]);
  });

  it('flips only the images asked for', () => {
    const batch = tf.stack([grid(2, 2), grid(2, 2)]) as tf.Tensor4D;
    const out = flipImages(batch, [false, true]).arraySync() as number[][][][];
    expect(out[0]?.[0]?.map((p) => p[0])).toEqual([0, 1]);
    expect(out[1]?.[0]?.map((p) => p[0])).toEqual([1, 0]);
  });

  it('zooms in about the centre and fills by reflection, never with black', () => {
    const img = tf.tensor3d(Array.from({ length: 49 }, (_, i) => 10 + (i % 7)), [7, 7, 1]);
    const zoomedIn = zoomImage(img, 2).arraySync() as number[][][];
    expect(zoomedIn[3]?.[3]?.[0]).toBeCloseTo(13, 4); // the centre stays
    const out = values(rotateImage(img, 45));
    expect(Math.min(...out)).toBeGreaterThanOrEqual(10 - 1e-4);
    const black = values(rotateImage(img, 45, 'constant'));
    expect(Math.min(...black)).toBe(0);
  });

  it('applies per-image angles in one batch', () => {
    const batch = tf.stack([grid(5, 5), grid(5, 5)]) as tf.Tensor4D;
    const out = rotateImages(batch, [0, 90]);
    const [a, b] = tf.unstack(out);
    expect(values(a as tf.Tensor)).toEqual(values(grid(5, 5)));
    expect(values(b as tf.Tensor)).toEqual(values(rotateImage(grid(5, 5), 90)).map((v) => expect.closeTo(v, 4)));
  });

  it('standardizes each image to mean 0, std 1; a constant image becomes zeros', () => {
    const img = rescaleImages(grid(4, 4).mul<tf.Tensor3D>(17)); // 0..255
    const z = standardizeImage(img);
    const { mean, variance } = tf.moments(z);
    expect(mean.dataSync()[0]).toBeCloseTo(0, 5);
    expect(Math.sqrt(variance.dataSync()[0] ?? Number.NaN)).toBeCloseTo(1, 4);
    expect(values(standardizeImage(tf.fill([3, 3, 1], 7) as tf.Tensor3D))).toEqual(Array.from({ length: 9 }, () => 0));
    expect(values(standardizeImage(tf.tensor3d([0, 1], [1, 2, 1]), 10))).toEqual([-0.05, 0.05].map((v) => expect.closeTo(v, 6)));
  });

  it('draws parameters in range, reproducibly', () => {
    const p = drawAugmentParams(11, { rotationDegrees: 10, zoom: 0.1 });
    expect(drawAugmentParams(11, { rotationDegrees: 10, zoom: 0.1 })).toEqual(p);
    expect(Math.abs(p.rotationDegrees)).toBeLessThanOrEqual(10);
    expect(Math.abs(p.zoom - 1)).toBeLessThanOrEqual(0.1);
    expect(drawAugmentParams(11, { flip: false, rotationDegrees: 0, zoom: 0 })).toMatchObject({ flip: false, rotationDegrees: 0, zoom: 1, shiftX: 0, shiftY: 0, gamma: 1, contrast: 1, brightness: 0, noise: 0 });
    expect(drawAugmentParams(11, { rotationDegrees: 20 }).rotationDegrees).toBeCloseTo(2 * drawAugmentParams(11).rotationDegrees, 9);
  });

  it('leaks no tensors', () => {
    const img = grid(6, 6);
    const before = tf.memory().numTensors;
    const outs = [augmentImage(img, drawAugmentParams(1)), standardizeImages(img), rotateImage(img, 5), zoomImage(img, 0.9), flipImage(img, true)];
    expect(tf.memory().numTensors).toBe(before + outs.length);
    outs.forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad input', () => {
    expect(() => standardizeImages(tf.tensor1d([1, 2]))).toThrow(RangeError);
    expect(() => rotateImages(tf.zeros([2, 3, 3, 1]), [1])).toThrow(/expected 2 parameters/);
    expect(() => zoomImage(grid(3, 3), 0)).toThrow(RangeError);
    expect(() => drawAugmentParams(1, { rotationDegrees: 400 })).toThrow(/rotationDegrees/);
    expect(() => drawAugmentParams(1, { zoom: -0.1 })).toThrow(RangeError);
  });
});
