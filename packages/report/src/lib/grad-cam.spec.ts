import { buildModel } from '@cxr/model';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyCamModel } from '../testing/cam-models.js';
import { colourScaleHeight, gradCamOverlayPng } from './grad-cam-overlay-png.js';
import { jet, upsampleBilinear } from './heatmap-colours.js';
import { gradCam, lastFeatureMapLayer } from './grad-cam.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** An image with a bright square in the top-left quadrant, deterministic. */
function blobImage(size: number): Uint8Array {
  const px = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) px[y * size + x] = y < size / 2 && x < size / 2 ? 220 : 20 + ((x * 7 + y * 13) % 30);
  return px;
}

/** Grad-CAM of a GAP model computed independently: relu(sum_c w_c A_c), scaled to max 1. */
function expectedCam(model: tf.LayersModel, featureLayer: string, headLayer: string, pixels: Uint8Array, size: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(pixels), [1, size, size, 1]);
    const feature = model.getLayer(featureLayer);
    // A nested backbone is a model of its own: run it on the rescaled image.
    const a = (
      feature instanceof tf.LayersModel
        ? feature.predict(tf.div(x, 255))
        : tf.model({ inputs: model.inputs, outputs: feature.output as tf.SymbolicTensor }).predict(x)
    ) as tf.Tensor4D;
    const w = model.getLayer(headLayer).getWeights()[0] as tf.Tensor2D; // [C, 1]
    const cam = tf.relu(tf.sum(tf.mul(a, tf.reshape(w, [1, 1, 1, -1])), -1));
    const max = tf.max(cam);
    return tf.div(cam, tf.maximum(max, 1e-30)).dataSync() as Float32Array;
  });
}

describe('gradCam', () => {
  const size = 12;
  const pixels = blobImage(size);

  for (const kind of ['gap', 'sequential', 'residual', 'nested'] as const) {
    it(`equals the independent computation on a ${kind} model`, async () => {
      const { model, featureLayer, headLayer } = tinyCamModel(kind, { size });
      const cam = await gradCam(model, { pixels, height: size, width: size }, kind === 'residual' ? { layerName: featureLayer } : {});
      expect(cam.layerName).toBe(featureLayer);
      expect(cam.heatmap.height).toBe(size);
      expect(cam.heatmap.width).toBe(size);
      const expected = expectedCam(model, featureLayer, headLayer, pixels, size);
      const got = Array.from(cam.heatmap.values);
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
      const logit = tf.tidy(() => (model.predict(tf.tensor4d(Float32Array.from(pixels), [1, size, size, 1])) as tf.Tensor).dataSync()[0] as number);
      expect(cam.logit).toBeCloseTo(logit, 4);
      model.dispose();
    });
  }

  it('finds the last feature map after the last convolution by itself', () => {
    const { model } = tinyCamModel('residual', { size });
    expect(lastFeatureMapLayer(model).name).toBe('skip');
    model.dispose();
  });

  it('uses the logit under a final sigmoid, so a saturated probability still gets a heatmap', async () => {
    const { model } = tinyCamModel('sigmoid', { size, seed: 3 });
    const cam = await gradCam(model, { pixels, height: size, width: size });
    expect(cam.probability).toBeGreaterThan(0.999999);
    expect(cam.peak).toBeGreaterThan(0);
    expect(Math.max(...cam.heatmap.values)).toBe(1);
    model.dispose();
  });

  it('resizes the image to the model input and disposes every tensor it makes', async () => {
    const { model } = tinyCamModel('gap', { size });
    const before = tf.memory().numTensors;
    const cam = await gradCam(model, { pixels: blobImage(20), height: 20, width: 20 });
    expect(tf.memory().numTensors).toBe(before);
    expect(cam.heatmap.values.length).toBe(size * size);
    for (const v of cam.heatmap.values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    model.dispose();
  });

  it("works on the model package's own network (standardize layer, batch norm, logit)", async () => {
    const model = buildModel({ imageSize: 16, seed: 1, compact: { filters: [4, 8], convsPerStage: 1 } });
    const cam = await gradCam(model, { pixels: blobImage(16), height: 16, width: 16 });
    const layer = lastFeatureMapLayer(model);
    expect(cam.layerName).toBe(layer.name);
    expect(layer.getClassName()).not.toBe('GlobalAveragePooling2D');
    const shape = layer.outputShape as number[];
    expect([cam.heatmap.height, cam.heatmap.width]).toEqual([shape[1], shape[2]]);
    expect(cam.heatmap.height).toBeGreaterThan(1);
    expect(Number.isFinite(cam.logit)).toBe(true);
    model.dispose();
  });

  it('rejects unknown layers, layers without feature maps, models without convolutions and bad images', async () => {
    const { model } = tinyCamModel('gap', { size });
    const image = { pixels, height: size, width: size };
    await expect(gradCam(model, image, { layerName: 'nope' })).rejects.toThrow(/no layer named "nope"; layers with feature maps: .*feat/);
    await expect(gradCam(model, image, { layerName: 'head' })).rejects.toThrow(/layer "head" has no 4-D output/);
    await expect(gradCam(model, { pixels, height: 5, width: 5 })).rejects.toThrow(/expected 5x5x1 = 25/);
    const dense = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 1 })] });
    await expect(gradCam(dense, { pixels: new Uint8Array(16), height: 4, width: 4 })).rejects.toThrow(/no convolution layer/);
    model.dispose();
    dense.dispose();
  });
});

describe('gradCamOverlayPng', () => {
  it('writes an RGB PNG of the image size, red where the heat is, the X-ray where it is cold', async () => {
    const size = 32;
    const pixels = new Uint8Array(size * size).fill(100);
    const values = new Float32Array(16);
    values[0] = 1; // hot top-left cell of a 4x4 heatmap
    const png = await gradCamOverlayPng(pixels, size, size, { values, height: 4, width: 4 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([size, size, 3]);
    const at = (x: number, y: number): number[] => Array.from(data.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));
    const hot = at(1, 1);
    expect(hot[0]).toBeGreaterThan(hot[2]! + 50); // reddish
    expect(at(30, 30)).toEqual([100, 100, 100]); // untouched
  });
  it('adds a colour scale under the image on request: the image part unchanged, the strip running blue to red between white margins', async () => {
    const width = 300;
    const height = 40;
    const pixels = new Uint8Array(width * height).map((_, i) => i % 251);
    const heatmap = { values: new Float32Array([0, 0.3, 1, 0.6]), height: 2, width: 2 };
    const plain = await sharp(await gradCamOverlayPng(pixels, height, width, heatmap)).raw().toBuffer({ resolveWithObject: true });
    const scaled = await sharp(await gradCamOverlayPng(pixels, height, width, heatmap, { colourScale: true })).raw().toBuffer({ resolveWithObject: true });
    const strip = colourScaleHeight(width);
    expect([scaled.info.width, scaled.info.height, scaled.info.channels]).toEqual([width, height + strip, 3]);
    expect(scaled.data.subarray(0, width * height * 3).equals(plain.data)).toBe(true);
    const at = (x: number, y: number): number[] => Array.from(scaled.data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    const middle = height + Math.floor(strip / 2);
    const left = Math.round(width * 0.16);
    const right = width - Math.round(width * 0.16);
    const along = (f: number): number[] => at(Math.round(left + f * (right - left - 1)), middle);
    expect(along(0)).toEqual([128, 128, 128]); // no heat: the image unchanged (here mid grey)
    expect(along(0.25)[2]).toBeGreaterThan(along(0.25)[0]! + 10); // bluish
    expect(along(1)[0]).toBeGreaterThan(along(1)[2]! + 50); // red
    expect(at(width / 2, height + 1)).toEqual([255, 255, 255]); // white margin above the bar
    // The labels are drawn: dark pixels left of the bar and right of it.
    const dark = (x0: number, x1: number): boolean => Array.from({ length: x1 - x0 }, (_, i) => at(x0 + i, middle)).some(([r]) => r! < 128);
    expect(dark(0, Math.round(width * 0.16))).toBe(true);
    expect(dark(width - Math.round(width * 0.16), width)).toBe(true);
  });
  it('upsamples bilinearly and keeps a constant map constant', () => {
    const up = upsampleBilinear({ values: new Float32Array([0.5, 0.5, 0.5, 0.5]), height: 2, width: 2 }, 7, 5);
    expect(Array.from(up).every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    const ramp = upsampleBilinear({ values: new Float32Array([0, 1]), height: 1, width: 2 }, 1, 4);
    expect(Array.from(ramp)).toEqual([0, 0.25, 0.75, 1]);
  });
  it('jet runs blue to red', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(1)).toEqual([128, 0, 0]);
  });
  it('rejects mismatched sizes', async () => {
    await expect(gradCamOverlayPng(new Uint8Array(3), 2, 2, { values: new Float32Array(1), height: 1, width: 1 })).rejects.toThrow(/2x2/);
    await expect(gradCamOverlayPng(new Uint8Array(4), 2, 2, { values: new Float32Array(2), height: 1, width: 1 })).rejects.toThrow(/heatmap/);
  });
});
