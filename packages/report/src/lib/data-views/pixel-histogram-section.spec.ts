import * as tf from '@tensorflow/tfjs';
import type { Sample } from '@cxr/loader';
import { buildModel } from '@cxr/model';
import { randomFlipLayer, randomRotationLayer, randomZoomLayer, rescaleLayer, standardizeLayer } from '@cxr/preprocess';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { pixelHistogramSection } from './pixel-histogram-section.js';

function sample(name: string, width: number, height: number, f: (x: number, y: number) => number): Sample {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(f(x, y))));
  return { record: { path: `/data/train/NORMAL/${name}`, split: 'train', label: 0, className: 'NORMAL', groupId: name }, pixels, height, width };
}

function model(size: number, middle: tf.layers.Layer[] = [standardizeLayer({ name: 'std' })]): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 1] });
  let y = input;
  for (const layer of [rescaleLayer(), randomFlipLayer({ seed: 1 }), randomRotationLayer({ seed: 2 }), randomZoomLayer({ seed: 3 }), ...middle]) {
    y = layer.apply(y) as tf.SymbolicTensor;
  }
  const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(y)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const images = [
  sample('gradient.png', 16, 16, (x, y) => x * 10 + y),
  sample('checker.png', 16, 16, (x, y) => ((x + y) % 2) * 200 + 20),
  sample('wide.png', 24, 12, (x) => x * 9),
  sample('dark.png', 16, 16, (x, y) => (x * y) % 40),
  sample('flat.png', 16, 16, () => 77),
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pixelHistogramSection', () => {
  it('reads before and after from the model’s own standardization layer', async () => {
    const m = model(16);
    const section = await pixelHistogramSection(m, images, { seed: 3, count: 5 });
    expect(section.id).toBe('pixel-histograms');
    expect(section.stats).toHaveLength(5);
    for (const s of section.stats) {
      // The layer receives rescaled pixels (the rescale layer runs first) ...
      expect(s.before.min).toBeGreaterThanOrEqual(0);
      expect(s.before.max).toBeLessThanOrEqual(1 + 1e-6);
      // ... and returns standardized ones: mean 0, std 1 (divided by the default floor 1/16 when the
      // spread is smaller, as for the dark image), a constant image finite (all 0).
      expect(Math.abs(s.after.mean)).toBeLessThan(1e-4);
      if (s.image === 'flat.png') expect([s.after.min, s.after.max, s.after.std]).toEqual([0, 0, 0]);
      else expect(s.after.std).toBeCloseTo(s.before.std / Math.max(s.before.std, 1 / 16), 3);
      if (s.image === 'gradient.png') expect(s.after.std).toBeCloseTo(1, 3);
    }
    m.dispose();
  });

  it('shows the layer as configured in this model, not a re-implementation', async () => {
    // A floor far above any real std turns the layer into (x - mean) / 1000: a copy of the
    // textbook formula would report std 1; running the model's layer reports the tiny spread.
    const m = model(16, [standardizeLayer({ name: 'odd', stdFloor: 1000 })]);
    const section = await pixelHistogramSection(m, images.slice(0, 2), { seed: 1, count: 2 });
    for (const s of section.stats) expect(s.after.std).toBeCloseTo(s.before.std / 1000, 6);
    expect(section.html).toContain('layer “odd” (CxrStandardize)');
    m.dispose();
  });

  it('embeds thumbnails and the chart, returns the chart as a PNG, frees its tensors', async () => {
    const m = model(16);
    const before = tf.memory().numTensors;
    const section = await pixelHistogramSection(m, images, { seed: 9, count: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(section.html.match(/<img /g)).toHaveLength(3 + 1);
    expect(section.html).toContain('data:image/svg+xml;base64,');
    expect(section.html).toMatch(/^<section class="cxr-dv" id="pixel-histograms">/);
    const [file] = section.files;
    expect(file?.name).toBe('pixel-histograms.png');
    const meta = await sharp(file?.data).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(400);
    m.dispose();
  });

  it('chooses the same images for the same seed, and others for another seed', async () => {
    const m = model(16);
    const many = Array.from({ length: 30 }, (_, i) => sample(`img_${i}.png`, 16, 16, (x, y) => x * i + y));
    const a = await pixelHistogramSection(m, many, { seed: 1 });
    const b = await pixelHistogramSection(m, many, { seed: 1 });
    const c = await pixelHistogramSection(m, many, { seed: 2 });
    expect(a.stats.map((s) => s.image)).toEqual(b.stats.map((s) => s.image));
    expect(a.html).toBe(b.html);
    expect(a.stats.map((s) => s.image)).not.toEqual(c.stats.map((s) => s.image));
    expect(a.stats).toHaveLength(4);
    expect(a.shown.map((x) => x.record.path.split('/').pop())).toEqual(a.stats.map((s) => s.image));
    m.dispose();
  });

  it('works on the model @cxr/model builds for training (raw 0-255 pixels into its standardize layer)', async () => {
    const m = buildModel({ imageSize: 16, seed: 1, augment: {}, compact: { filters: [4, 8] } });
    const section = await pixelHistogramSection(m, images, { seed: 2, count: 2 });
    for (const s of section.stats) {
      expect(s.before.max).toBeGreaterThan(1);
      expect(s.before.max).toBeLessThanOrEqual(255);
      expect(Math.abs(s.after.mean)).toBeLessThan(1e-4);
    }
    expect(section.html).toContain('layer “standardize” (CxrStandardize)');
    m.dispose();
  });

  it('finds the layer inside a nested model', async () => {
    const inner = tf.sequential({ layers: [rescaleLayer({ inputShape: [16, 16, 1] }), standardizeLayer({ name: 'inner_std' })] });
    const input = tf.input({ shape: [16, 16, 1] });
    const y = inner.apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(y)) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    const section = await pixelHistogramSection(m, images.slice(0, 2), { seed: 1 });
    for (const s of section.stats) expect(s.after.std).toBeCloseTo(1, 3);
    expect(section.html).toContain('inner_std');
    m.dispose();
  });

  it('says how many training images the shown ones were drawn from (population), and refuses fewer than given', async () => {
    const m = model(16);
    const drawn = await pixelHistogramSection(m, images.slice(0, 2), { seed: 1, count: 2, population: 4172 });
    expect(drawn.html).toContain('2 of 4,172 training images, chosen at random (seed 1)');
    const plain = await pixelHistogramSection(m, images.slice(0, 2), { seed: 1, count: 2 });
    expect(plain.html).toContain('2 of 2 training images');
    await expect(pixelHistogramSection(m, images.slice(0, 2), { seed: 1, population: 1 })).rejects.toThrow(/population must be between 2/);
    m.dispose();
  });

  it('says clearly when the model has no standardization layer', async () => {
    const input = tf.input({ shape: [16, 16, 1] });
    const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    await expect(pixelHistogramSection(m, images, { seed: 1 })).rejects.toMatchObject({
      code: 'CXR_USAGE',
      message: expect.stringContaining('no standardization layer (class CxrStandardize)'),
    });
    m.dispose();
  });

  it('rejects invalid options at once, naming the value', async () => {
    const m = model(16);
    await expect(pixelHistogramSection(m, images, { seed: 1.5 })).rejects.toThrow(TypeError);
    await expect(pixelHistogramSection(m, images, { seed: 1, count: 0 })).rejects.toThrow(/count must be between 1 and 16, got 0/);
    await expect(pixelHistogramSection(m, images, { seed: 1, bins: 1 })).rejects.toThrow(RangeError);
    await expect(pixelHistogramSection(m, [], { seed: 1 })).rejects.toThrow(/non-empty/);
    await expect(pixelHistogramSection(m, [{ ...images[0]!, height: 3 }], { seed: 1 })).rejects.toThrow(/images\[0\] must be a decoded grey sample/);
    m.dispose();
  });
});
