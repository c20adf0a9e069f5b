import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBenchCnn, toyBatches, withTempDir } from '../testing/index.js';
import { buildModel } from './build-model.js';
import { loadModel } from './load-model.js';
import { predict } from './predict.js';
import { saveModel, updateModelMetadata } from './save-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = () => buildModel({ imageSize: 16, seed: 3, compact: { filters: [4, 8] }, augment: { rotationDegrees: 5 }, outputBias: 0.3 });

describe('saveModel / loadModel', () => {
  it('a reloaded model predicts exactly what it predicted before saving, and keeps its metadata', async () => {
    await withTempDir(async (dir) => {
      const model = tiny();
      const before = await lastValueFrom(toyBatches({ count: 12 }).pipe(predict({ model }), toArray()));
      const metadata = { threshold: 0.42, imageSize: 16, classNames: ['NORMAL', 'PNEUMONIA'] as const, decode: { fit: 'contain' as const } };
      await saveModel(model, join(dir, 'model'), metadata);
      expect((await readdir(join(dir, 'model'))).sort()).toEqual(['model.json', 'weights.bin']);
      const loaded = await loadModel(join(dir, 'model'));
      expect(loaded.metadata).toEqual(metadata);
      const after = await lastValueFrom(toyBatches({ count: 12 }).pipe(predict({ model: loaded.model }), toArray()));
      expect(after.map((p) => p.probability)).toEqual(before.map((p) => p.probability));
      expect(loaded.model.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      model.dispose();
      loaded.model.dispose();
    });
  });

  it('replaces an existing model atomically and leaves no temporary folder', async () => {
    await withTempDir(async (dir) => {
      const a = tiny();
      const b = buildBenchCnn({ imageSize: 16, seed: 4 });
      await saveModel(a, join(dir, 'model'), { which: 'a' });
      await saveModel(b, join(dir, 'model'), { which: 'b' });
      expect(await readdir(dir)).toEqual(['model']);
      const loaded = await loadModel(join(dir, 'model'));
      expect(loaded.metadata).toEqual({ which: 'b' });
      expect(loaded.model.countParams()).toBe(b.countParams());
      [a, b, loaded.model].forEach((m) => m.dispose());
    });
  });

  it('reads a sharded weights manifest (as tensorflowjs_converter writes)', async () => {
    await withTempDir(async (dir) => {
      const model = tiny();
      await saveModel(model, join(dir, 'one'));
      const json = JSON.parse(await readFile(join(dir, 'one', 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: unknown[] }[] };
      const bin = await readFile(join(dir, 'one', 'weights.bin'));
      await mkdir(join(dir, 'sharded'));
      const half = Math.floor(bin.byteLength / 2);
      await writeFile(join(dir, 'sharded', 'group1-shard1of2.bin'), bin.subarray(0, half));
      await writeFile(join(dir, 'sharded', 'group1-shard2of2.bin'), bin.subarray(half));
      (json.weightsManifest[0] as { paths: string[] }).paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
      await writeFile(join(dir, 'sharded', 'model.json'), JSON.stringify(json));
      const loaded = await loadModel(join(dir, 'sharded'));
      expect(loaded.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
      model.dispose();
      loaded.model.dispose();
    });
  });

  it('a folder that is not a model gives a CXR_USAGE error naming the folder', async () => {
    await withTempDir(async (dir) => {
      const expectUsage = async (path: string, pattern: RegExp) => {
        const error = (await loadModel(path).catch((e: unknown) => e)) as { code?: string; message: string };
        expect(error.code).toBe('CXR_USAGE');
        expect(error.message).toContain(path);
        expect(error.message).toMatch(pattern);
      };
      await expectUsage(join(dir, 'missing'), /does not exist/);
      await mkdir(join(dir, 'empty'));
      await expectUsage(join(dir, 'empty'), /no model.json/);
      await mkdir(join(dir, 'garbage'));
      await writeFile(join(dir, 'garbage', 'model.json'), '{ not json');
      await expectUsage(join(dir, 'garbage'), /not valid JSON/);
      await mkdir(join(dir, 'other'));
      await writeFile(join(dir, 'other', 'model.json'), '{"hello": 1}');
      await expectUsage(join(dir, 'other'), /not a tfjs-layers model/);
      const model = tiny();
      await saveModel(model, join(dir, 'cut'));
      await truncate(join(dir, 'cut', 'weights.bin'), 10);
      await expectUsage(join(dir, 'cut'), /truncated/);
      await writeFile(join(dir, 'file.txt'), 'x');
      await expectUsage(join(dir, 'file.txt'), /not a folder/);
      model.dispose();
    });
  });

  it('refuses metadata that is not a JSON object', async () => {
    const model = tiny();
    await expect(saveModel(model, join(tmpdir(), 'cxr-never-written'), [1, 2] as never)).rejects.toThrow(/metadata must be a JSON object/);
    model.dispose();
  });

  it('checks the stored metadata on load: a field that breaks the schema, or an image size other than the input, is one sentence naming the file', async () => {
    await withTempDir(async (dir) => {
      const model = tiny();
      await saveModel(model, join(dir, 'model'), { threshold: 0.3 });
      const file = join(dir, 'model', 'model.json');
      const json = JSON.parse(await readFile(file, 'utf8')) as { userDefinedMetadata: Record<string, unknown> };
      for (const [change, pattern] of [
        [{ threshold: 1.5 }, /has an invalid threshold \(1\.5\)/],
        [{ imageSize: 32 }, /has an invalid imageSize \(32\): it must be the model's own input size, 16/],
      ] as const) {
        await writeFile(file, JSON.stringify({ ...json, userDefinedMetadata: change }));
        const error = (await loadModel(join(dir, 'model')).catch((e: unknown) => e)) as { code?: string; message: string };
        expect(error.code).toBe('CXR_USAGE');
        expect(error.message).toContain(file);
        expect(error.message).toMatch(pattern);
      }
      model.dispose();
    });
  });

  it('updateModelMetadata adds fields, keeps the others and the weights, and replaces the folder whole', async () => {
    await withTempDir(async (dir) => {
      const model = tiny();
      const folder = join(dir, 'best');
      await saveModel(model, folder, { imageSize: 16, epoch: 3, mine: 'kept' });
      const weights = await readFile(join(folder, 'weights.bin'));
      const stored = await updateModelMetadata(folder, { threshold: 0.25, calibration: { method: 'temperature', temperature: 1.5, fittedOn: 'val' } });
      const expected = { imageSize: 16, epoch: 3, mine: 'kept', threshold: 0.25, calibration: { method: 'temperature', temperature: 1.5, fittedOn: 'val' } };
      expect(stored).toEqual(expected);
      expect(await readdir(dir)).toEqual(['best']);
      expect((await readdir(folder)).sort()).toEqual(['model.json', 'weights.bin']);
      expect(await readFile(join(folder, 'weights.bin'))).toEqual(weights);
      const loaded = await loadModel(folder);
      expect(loaded.metadata).toEqual(expected);
      await expect(updateModelMetadata(folder, { threshold: 7 })).rejects.toThrow(new TypeError('updateModelMetadata: metadata.threshold must be a number between 0 and 1, got 7'));
      await expect(updateModelMetadata(join(dir, 'none'), { threshold: 0.5 })).rejects.toThrow(/none is not a model folder: model\.json is missing or not valid JSON/);
      model.dispose();
      loaded.model.dispose();
    });
  });
});
