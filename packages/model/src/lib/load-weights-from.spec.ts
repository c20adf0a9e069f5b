import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBenchCnn, withTempDir } from '../testing/index.js';
import { loadWeightsFrom } from './load-weights-from.js';
import { saveModel } from './save-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const values = (model: tfl.LayersModel, layer: string): number[][] => model.getLayer(layer).getWeights().map((w) => Array.from(w.dataSync()));

describe('loadWeightsFrom', () => {
  it('copies every weight from a model of the same architecture (matched by name)', async () => {
    await withTempDir(async (dir) => {
      const source = buildBenchCnn({ imageSize: 16, seed: 1 });
      await saveModel(source, join(dir, 'm'));
      const target = buildBenchCnn({ imageSize: 16, seed: 2 });
      const result = await loadWeightsFrom(target, join(dir, 'm'));
      expect(result.kept).toEqual([]);
      expect(result.transferred).toHaveLength(source.weights.length);
      expect(target.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(source.getWeights().map((w) => Array.from(w.dataSync())));
      source.dispose();
      target.dispose();
    });
  });

  it('matches renamed layers in order, keeps layers that do not fit, and feeds an RGB first conv into a grey one', async () => {
    await withTempDir(async (dir) => {
      // A "converted Keras" model: other layer names, RGB input, a 3-class head.
      const source = tfl.sequential({
        layers: [
          tfl.layers.conv2d({ name: 'conv2d_1', inputShape: [16, 16, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.conv2d({ name: 'conv2d_2', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tfl.layers.globalAveragePooling2d({}),
          tfl.layers.dense({ name: 'predictions', units: 3 }),
        ],
      });
      await saveModel(source, join(dir, 'keras'));
      const target = buildBenchCnn({ imageSize: 16, seed: 2 });
      const logitBefore = values(target, 'bench_logit');
      const conv3Before = values(target, 'bench_conv3');
      const result = await loadWeightsFrom(target, join(dir, 'keras'));
      expect(result.transferred).toEqual(['bench_conv1/kernel', 'bench_conv1/bias', 'bench_conv2/kernel', 'bench_conv2/bias']);
      const rgb = source.getLayer('conv2d_1').getWeights()[0] as tf.Tensor;
      const grey = tf.sum(rgb, 2, true);
      expect(values(target, 'bench_conv1')[0]).toEqual(Array.from(grey.dataSync()));
      expect(values(target, 'bench_conv2')).toEqual(values(source, 'conv2d_2'));
      expect(values(target, 'bench_conv3')).toEqual(conv3Before);
      expect(values(target, 'bench_logit')).toEqual(logitBefore);
      grey.dispose();
      source.dispose();
      target.dispose();
    });
  });

  it('refuses a folder that is not a model, or a model with nothing in common', async () => {
    await withTempDir(async (dir) => {
      const target = buildBenchCnn({ imageSize: 16, seed: 2 });
      const missing = (await loadWeightsFrom(target, join(dir, 'nope')).catch((e: unknown) => e)) as { code?: string; message: string };
      expect(missing.code).toBe('CXR_USAGE');
      expect(missing.message).toContain(join(dir, 'nope'));
      const other = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [7], units: 5 })] });
      await saveModel(other, join(dir, 'other'));
      const unrelated = (await loadWeightsFrom(target, join(dir, 'other')).catch((e: unknown) => e)) as { code?: string; message: string };
      expect(unrelated.code).toBe('CXR_USAGE');
      expect(unrelated.message).toMatch(/No layer of the model in .* fits this model/);
      target.dispose();
      other.dispose();
    });
  });
});
