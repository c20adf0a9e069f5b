import * as tf from '@tensorflow/tfjs';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, expect } from 'vitest';
import { AUGMENT_NONE, cropImages, drawAugmentParams, gammaImages, intensityImages, shiftImages, standardizeImages } from './image-ops.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const image = fc
  .record({ h: fc.integer({ min: 2, max: 8 }), w: fc.integer({ min: 2, max: 8 }) })
  .chain(({ h, w }) => fc.tuple(fc.constant([h, w, 1] as [number, number, number]), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: h * w, maxLength: h * w })));

const ranges = fc.record({
  flip: fc.boolean(),
  rotationDegrees: fc.double({ min: 0, max: 180, noNaN: true }),
  zoom: fc.double({ min: 0, max: 0.9, noNaN: true }),
  shift: fc.double({ min: 0, max: 0.5, noNaN: true }),
  gamma: fc.double({ min: 0, max: 2, noNaN: true }),
  contrast: fc.double({ min: 0, max: 0.9, noNaN: true }),
  brightness: fc.double({ min: 0, max: 2, noNaN: true }),
  noise: fc.double({ min: 0, max: 1, noNaN: true }),
  crop: fc.double({ min: 0, max: 0.5, noNaN: true }),
});

// Kept example: a contrast range of 1.2e-16 drew 1 + 1.1e-16, which is 1 + 2.2e-16 (one ulp above 1) in floating point.
const tinyContrast = { flip: false, rotationDegrees: 0, zoom: 0, shift: 0, gamma: 0, contrast: 1.2435865293773027e-16, brightness: 0, noise: 0, crop: 0 };

test.prop([fc.integer(), ranges], { numRuns: 100, examples: [[506795305, tinyContrast]] })('new ranges never move the flip, angle and zoom drawn from a seed, and every draw stays in its range', (seed, o) => {
  const p = drawAugmentParams(seed, o);
  const old = drawAugmentParams(seed, { flip: o.flip, rotationDegrees: o.rotationDegrees, zoom: o.zoom });
  expect([p.flip, p.rotationDegrees, p.zoom]).toEqual([old.flip, old.rotationDegrees, old.zoom]);
  expect(Math.abs(p.shiftX)).toBeLessThanOrEqual(o.shift);
  expect(Math.abs(p.shiftY)).toBeLessThanOrEqual(o.shift);
  expect(Math.abs(Math.log(p.gamma))).toBeLessThanOrEqual(Math.log1p(o.gamma) + 1e-12);
  // 1 + d is rounded to the doubles around 1, one ulp (Number.EPSILON) apart.
  expect(Math.abs(p.contrast - 1)).toBeLessThanOrEqual(o.contrast + Number.EPSILON);
  expect(Math.abs(p.brightness)).toBeLessThanOrEqual(o.brightness);
  expect(p.noise).toBeGreaterThanOrEqual(0);
  expect(p.noise).toBeLessThanOrEqual(o.noise);
  expect(p.cropScale).toBeLessThanOrEqual(1);
  expect(p.cropScale).toBeGreaterThanOrEqual(1 - o.crop);
  for (const c of [p.cropX, p.cropY]) expect(c >= 0 && c <= 1).toBe(true);
  const off = drawAugmentParams(seed, AUGMENT_NONE);
  expect(off).toMatchObject({ flip: false, rotationDegrees: 0, zoom: 1, shiftX: 0, shiftY: 0, gamma: 1, contrast: 1, brightness: 0, noise: 0, cropScale: 1 });
});

test.prop([image, fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 })], { numRuns: 50 })(
  'a shift by whole pixels moves every pixel by that many pixels (constant fill outside)',
  ([shape, pixels], dx, dy) => {
    const [h, w] = shape;
    const out = tf.tidy(() => Array.from(shiftImages(tf.tensor3d(pixels, shape), [dx / w, dy / h], 'constant').dataSync()));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sy = y - dy;
        const sx = x - dx;
        const expected = sy >= 0 && sy < h && sx >= 0 && sx < w ? (pixels[sy * w + sx] as number) : 0;
        expect(out[y * w + x]).toBeCloseTo(expected, 3);
      }
    }
  },
);

test.prop([image, fc.double({ min: 0.2, max: 3, noNaN: true })], { numRuns: 50 })('gamma keeps 0 and 255, keeps pixel order, stays in [0, 255], and 1 is the identity', ([shape, pixels], gamma) => {
  const out = tf.tidy(() => Array.from(gammaImages(tf.tensor3d(pixels, shape), gamma).dataSync()));
  const same = tf.tidy(() => Array.from(gammaImages(tf.tensor3d(pixels, shape), 1).dataSync()));
  expect(same).toEqual(pixels);
  pixels.forEach((p, i) => {
    const v = out[i] as number;
    expect(v).toBeGreaterThanOrEqual(-1e-3);
    expect(v).toBeLessThanOrEqual(255 + 1e-3);
    if (p === 0 || p === 255) expect(v).toBeCloseTo(p, 2);
    pixels.forEach((q, j) => {
      if (p < q) expect(v).toBeLessThanOrEqual((out[j] as number) + 1e-3);
    });
  });
});

test.prop([image, fc.double({ min: 0.1, max: 1.9, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true })], { numRuns: 50 })(
  'contrast and brightness move the mean by brightness standard deviations and scale the spread by the contrast; on a standardized image they are x * c + b',
  ([shape, pixels], contrast, brightness) => {
    const p = { contrast, brightness, noise: 0, noiseSeed: 1 };
    tf.tidy(() => {
      const x = tf.tensor4d(pixels, [1, ...shape]);
      const out = intensityImages(x, [p]);
      const before = tf.moments(x);
      const after = tf.moments(out);
      const m = before.mean.dataSync()[0] as number;
      const s = Math.sqrt(before.variance.dataSync()[0] as number);
      expect(after.mean.dataSync()[0]).toBeCloseTo(m + brightness * s, 1);
      expect(Math.sqrt(after.variance.dataSync()[0] as number)).toBeCloseTo(contrast * s, 1);
      const z = standardizeImages(x);
      const expected = z.mul(contrast).add(brightness).dataSync();
      const got = intensityImages(z, [p]).dataSync();
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 3));
    });
  },
);

test.prop([image, fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 30 })(
  'noise is reproducible from its seed, keeps the shape, stays finite and changes every image that is not flat',
  ([shape, pixels], noise, noiseSeed) => {
    const p = { contrast: 1, brightness: 0, noise, noiseSeed };
    tf.tidy(() => {
      const x = tf.tensor4d(pixels, [1, ...shape]);
      const a = intensityImages(x, [p]);
      const b = intensityImages(x, [p]);
      expect(a.shape).toEqual(x.shape);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      expect(Array.from(a.dataSync()).every(Number.isFinite)).toBe(true);
      // The noise is measured in the image's standard deviations: a flat image has none to add.
      if (pixels.some((v) => v !== pixels[0])) expect(Array.from(a.dataSync())).not.toEqual(pixels);
    });
  },
);

test.prop([image, fc.double({ min: 0.5, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })], { numRuns: 50 })(
  'a crop keeps the shape, only mixes pixels of its square, puts the square corner on the first pixel, and scale 1 is the identity',
  ([shape, pixels], scale, x, y) => {
    const [h, w] = shape;
    tf.tidy(() => {
      const img = tf.tensor3d(pixels, shape);
      expect(Array.from(cropImages(img, [{ scale: 1, x, y }]).dataSync())).toEqual(pixels);
      const out = cropImages(img, [{ scale, x, y }]);
      expect(out.shape).toEqual(shape);
      const left = (1 - scale) * x * (w - 1);
      const top = (1 - scale) * y * (h - 1);
      const r0 = Math.floor(top);
      const c0 = Math.floor(left);
      const r1 = Math.min(h - 1, Math.ceil(top + scale * (h - 1)));
      const c1 = Math.min(w - 1, Math.ceil(left + scale * (w - 1)));
      const inside: number[] = [];
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) inside.push(pixels[r * w + c] as number);
      const values = Array.from(out.dataSync());
      for (const v of values) {
        expect(v).toBeGreaterThanOrEqual(Math.min(...inside) - 1e-3);
        expect(v).toBeLessThanOrEqual(Math.max(...inside) + 1e-3);
      }
      if (Number.isInteger(top) && Number.isInteger(left)) expect(values[0]).toBeCloseTo(pixels[top * w + left] as number, 3);
    });
  },
);
