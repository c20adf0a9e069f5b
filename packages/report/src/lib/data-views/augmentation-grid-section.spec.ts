import * as tf from '@tensorflow/tfjs';
import type { Sample } from '@cxr/loader';
import { buildModel } from '@cxr/model';
import { drawAugmentParams, randomFlipLayer, randomRotationLayer, randomZoomLayer, rescaleLayer, standardizeLayer } from '@cxr/preprocess';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { augmentationGridSection } from './augmentation-grid-section.js';

function sample(width: number, height: number): Sample {
  const pixels = new Uint8Array(width * height);
  // An asymmetric picture (bright block top-left, ramp elsewhere): flips and turns change it.
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = x < width / 3 && y < height / 3 ? 250 : (x * 7 + y * 3) % 200;
  return { record: { path: '/data/train/PNEUMONIA/person1_bacteria_1.jpeg', split: 'train', label: 1, className: 'PNEUMONIA', groupId: 'person1' }, pixels, height, width };
}

function model(size: number, augment: tf.layers.Layer[]): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 1] });
  let y = input;
  for (const layer of [rescaleLayer(), ...augment, standardizeLayer()]) y = layer.apply(y) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(y)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const imgSources = (html: string): string[] => [...html.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1] as string);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('augmentationGridSection', () => {
  it('shows the parameters drawn from the model’s own ranges, in degrees', async () => {
    const m = model(16, [randomFlipLayer({ seed: 1 }), randomRotationLayer({ seed: 2, degrees: 30 }), randomZoomLayer({ seed: 3, factor: 0.2 })]);
    const seeds = [11, 12, 13, 14, 15, 16];
    const section = await augmentationGridSection(m, sample(16, 16), { seeds });
    expect(section.draws.map((d) => d.seed)).toEqual(seeds);
    for (const d of section.draws) {
      expect(d.params).toEqual(drawAugmentParams(d.seed, { flip: true, rotationDegrees: 30, zoom: 0.2 }));
      const text = Math.abs(d.params.rotationDegrees).toFixed(1);
      const sign = text === '0.0' ? '' : d.params.rotationDegrees < 0 ? '−' : '+';
      expect(section.html).toContain(`angle ${sign}${text}°`);
      expect(section.html).toContain(`zoom ${d.params.zoom.toFixed(3)}×`);
    }
    expect(section.html).toContain('rotation uniform in ±30°');
    expect(section.html).toContain('zoom factor uniform in [0.80, 1.20]');
    // The original, then one tile per draw.
    expect(imgSources(section.html)).toHaveLength(seeds.length + 1);
    m.dispose();
  });

  it('applies the layers: with a flip layer alone, unflipped draws equal the original and flipped ones differ', async () => {
    const m = model(16, [randomFlipLayer({ seed: 1 })]);
    const section = await augmentationGridSection(m, sample(16, 16), { seed: 4, count: 12 });
    const [original, ...tiles] = imgSources(section.html);
    section.draws.forEach((d, i) => {
      if (d.params.flip) expect(tiles[i]).not.toBe(original);
      else expect(tiles[i]).toBe(original);
    });
    expect(section.draws.some((d) => d.params.flip)).toBe(true);
    expect(section.draws.some((d) => !d.params.flip)).toBe(true);
    m.dispose();
  });

  it('is reproducible from its seed and returns the grid as a PNG; frees its tensors', async () => {
    const m = model(16, [randomRotationLayer({ seed: 2 }), randomZoomLayer({ seed: 3 })]);
    const before = tf.memory().numTensors;
    const a = await augmentationGridSection(m, sample(20, 12), { seed: 8, count: 4 });
    const b = await augmentationGridSection(m, sample(20, 12), { seed: 8, count: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.html).toBe(b.html);
    expect(a.html).toContain('input size 16×16');
    const [file] = a.files;
    expect(file?.name).toBe('augmentation-grid.png');
    expect((await sharp(file?.data).metadata()).format).toBe('png');
    m.dispose();
  });

  it('works on the model @cxr/model builds for training, with its ranges', async () => {
    const m = buildModel({ imageSize: 16, seed: 1, augment: { rotationDegrees: 7, zoom: 0.05 }, compact: { filters: [4, 8] } });
    const section = await augmentationGridSection(m, sample(16, 16), { seed: 3, count: 4 });
    for (const d of section.draws) expect(d.params).toEqual(drawAugmentParams(d.seed, { flip: true, rotationDegrees: 7, zoom: 0.05 }));
    expect(section.html).toContain('rotation uniform in ±7° (layer “augment_rotation”, CxrRandomRotation)');
    m.dispose();
  });

  it('shows only the parameters the layers use, read from the layers themselves', async () => {
    const m = model(16, [randomRotationLayer({ seed: 2, degrees: 20 })]);
    const section = await augmentationGridSection(m, sample(16, 16), { seed: 5, count: 4 });
    const header = /<thead>.*?<\/thead>/.exec(section.html)?.[0] ?? '';
    expect(header).toContain('angle (degrees)');
    expect(header).not.toMatch(/flipped|zoom/);
    expect(section.html).toContain('angle ');
    expect(section.html).not.toMatch(/flip (yes|no)|zoom \d/);
    expect(section.html).toContain('rotation uniform in ±20°');
    expect(section.html).not.toContain('Zoom above 1');
    m.dispose();
  });

  it('accepts a list of layers instead of a model', async () => {
    const layers = [randomRotationLayer({ seed: 2, degrees: 5 })];
    const section = await augmentationGridSection(layers, sample(12, 12), { seed: 1, count: 3 });
    for (const d of section.draws) expect(Math.abs(d.params.rotationDegrees)).toBeLessThanOrEqual(5);
    expect(section.html).toContain('input size 12×12');
  });

  it('says clearly when there is no augmentation layer', async () => {
    const m = model(16, []);
    await expect(augmentationGridSection(m, sample(16, 16), { seed: 1 })).rejects.toMatchObject({
      code: 'CXR_USAGE',
      message: expect.stringContaining('there is no augmentation layer'),
    });
    m.dispose();
  });

  it('rejects invalid options, naming the value', async () => {
    const layers = [randomFlipLayer({ seed: 1 })];
    await expect(augmentationGridSection(layers, sample(8, 8), {})).rejects.toThrow(/seed must be a safe integer/);
    await expect(augmentationGridSection(layers, sample(8, 8), { seed: 1, count: 33 })).rejects.toThrow(RangeError);
    await expect(augmentationGridSection(layers, sample(8, 8), { seeds: [] })).rejects.toThrow(/1 to 32 seeds/);
    await expect(augmentationGridSection(layers, { ...sample(8, 8), height: 9 }, { seed: 1 })).rejects.toThrow(TypeError);
  });
});
