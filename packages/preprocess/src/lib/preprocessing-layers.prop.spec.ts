import * as tf from '@tensorflow/tfjs';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, expect } from 'vitest';
import {
  randomCropLayer,
  randomFlipLayer,
  randomGammaLayer,
  randomIntensityLayer,
  randomRotationLayer,
  randomShiftLayer,
  randomZoomLayer,
  standardizeLayer,
  type RandomAugmentLayer,
} from './preprocessing-layers.js';
import { deriveSeed } from './seeded-random.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const batchShape = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }));

test.prop([batchShape, fc.integer(), fc.double({ min: 0, max: 180, noNaN: true }), fc.double({ min: 0, max: 0.9, noNaN: true })], { numRuns: 25 })(
  'augmentation layers keep the shape and are reproducible from their seed',
  ([n, h, w], seed, degrees, factor) => {
    const make = () => [randomFlipLayer({ seed }), randomRotationLayer({ seed, degrees }), randomZoomLayer({ seed, factor })];
    tf.tidy(() => {
      const x = tf.tensor4d(Array.from({ length: n * h * w }, (_, i) => (i * 31) % 256), [n, h, w, 1]);
      const run = (layers: tf.layers.Layer[]) => layers.reduce<tf.Tensor>((t, l) => l.apply(t, { training: true }) as tf.Tensor, x);
      const a = run(make());
      const b = run(make());
      expect(a.shape).toEqual(x.shape);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    });
  },
);

/** Distinct pixel values (0..255 for up to 256 pixels), so that no image equals its mirror or a resampling of itself. */
const distinct = (n: number, h: number, w: number): tf.Tensor4D => tf.tensor4d(Array.from({ length: n * h * w }, (_, i) => (i * 97) % 256), [n, h, w, 1]);

/** Each `h x w` image of `values` mirrored left-right, in plain JavaScript. */
function mirrored(values: readonly number[], n: number, h: number, w: number): number[] {
  return Array.from({ length: n * h * w }, (_, i) => {
    const col = i % w;
    return values[i - col + (w - 1 - col)] as number;
  });
}

test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 6 }), fc.integer(), fc.nat(20)], { numRuns: 25 })(
  'the flip layer mirrors exactly the images its draws flip and leaves the others untouched',
  (n, h, w, seed, calls) => {
    const layer = randomFlipLayer({ seed });
    layer.trainingCalls = calls;
    const flips = layer.drawParams(deriveSeed(seed, calls), n).map((p) => p.flip);
    tf.tidy(() => {
      const x = distinct(n, h, w);
      const input = Array.from(x.dataSync());
      const mirror = mirrored(input, n, h, w);
      const out = Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync());
      for (let i = 0; i < n; i++) {
        const image = (values: readonly number[]): number[] => values.slice(i * h * w, (i + 1) * h * w);
        expect(image(out)).toEqual(image(flips[i] === true ? mirror : input));
      }
    });
  },
);

test.prop([fc.integer()], { numRuns: 10 })('the flip layer mirrors about half of the images', (seed) => {
  // 400 fair coins: outside [140, 260] is six standard deviations away.
  const layer = randomFlipLayer({ seed });
  const flipped = tf.tidy(() => {
    const x = distinct(400, 1, 2);
    const out = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    const input = x.dataSync();
    let count = 0;
    for (let i = 0; i < 400; i++) if (out[2 * i] !== input[2 * i]) count++;
    return count;
  });
  expect(flipped).toBeGreaterThanOrEqual(140);
  expect(flipped).toBeLessThanOrEqual(260);
});

const changingLayers: fc.Arbitrary<{ readonly name: string; readonly make: (seed: number) => RandomAugmentLayer }> = fc.oneof(
  fc.double({ min: 5, max: 180, noNaN: true }).map((degrees) => ({ name: `rotation ${degrees}`, make: (seed: number) => randomRotationLayer({ seed, degrees }) })),
  fc.double({ min: 0.05, max: 0.9, noNaN: true }).map((factor) => ({ name: `zoom ${factor}`, make: (seed: number) => randomZoomLayer({ seed, factor }) })),
  fc.double({ min: 0.05, max: 0.5, noNaN: true }).map((crop) => ({ name: `crop ${crop}`, make: (seed: number) => randomCropLayer({ seed, crop }) })),
  fc.double({ min: 0.05, max: 0.5, noNaN: true }).map((shift) => ({ name: `shift ${shift}`, make: (seed: number) => randomShiftLayer({ seed, shift }) })),
  fc.double({ min: 0.1, max: 2, noNaN: true }).map((gamma) => ({ name: `gamma ${gamma}`, make: (seed: number) => randomGammaLayer({ seed, gamma }) })),
  fc.double({ min: 0.05, max: 0.9, noNaN: true }).map((contrast) => ({ name: `contrast ${contrast}`, make: (seed: number) => randomIntensityLayer({ seed, contrast }) })),
  fc.double({ min: 0.05, max: 2, noNaN: true }).map((brightness) => ({ name: `brightness ${brightness}`, make: (seed: number) => randomIntensityLayer({ seed, brightness }) })),
  fc.double({ min: 0.05, max: 1, noNaN: true }).map((noise) => ({ name: `noise ${noise}`, make: (seed: number) => randomIntensityLayer({ seed, noise }) })),
);

test.prop([changingLayers, fc.integer()], { numRuns: 40 })(
  'a random layer with a non-zero range changes images in training, and none at inference',
  ({ make }, seed) => {
    tf.tidy(() => {
      const x = distinct(6, 6, 6);
      const input = Array.from(x.dataSync());
      const trained = Array.from((make(seed).apply(x, { training: true }) as tf.Tensor).dataSync());
      expect(trained).not.toEqual(input);
      expect(Array.from((make(seed).apply(x, { training: false }) as tf.Tensor).dataSync())).toEqual(input);
    });
  },
);

// Regression example found by fast-check: a constant 5x6 image of 125 gave ~1e-6, not exactly 0 (float32 mean).
test.prop([batchShape, fc.integer({ min: 0, max: 255 })], { numRuns: 25, examples: [[[1, 5, 6], 125]] })(
  'the standardize layer gives mean 0 per image and keeps constant images finite',
  ([n, h, w], value) => {
    tf.tidy(() => {
      const x = tf.fill([n, h, w, 1], value);
      const out = standardizeLayer().apply(x) as tf.Tensor;
      for (const v of out.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-3);
      const noisy = tf.tensor4d(Array.from({ length: n * h * w }, (_, i) => (i * 97 + value) % 256), [n, h, w, 1]);
      const means = tf.mean(standardizeLayer().apply(noisy) as tf.Tensor, [1, 2, 3]).dataSync();
      for (const m of means) expect(Math.abs(m)).toBeLessThan(1e-4);
    });
  },
);
