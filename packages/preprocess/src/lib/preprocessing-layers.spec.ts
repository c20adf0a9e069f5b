import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentImages, drawAugmentParams } from './image-ops.js';
import {
  previewAugmentation,
  randomFlipLayer,
  RandomRotationLayer,
  randomRotationLayer,
  randomZoomLayer,
  rescaleLayer,
  standardizeLayer,
} from './preprocessing-layers.js';
import { deriveSeed } from './seeded-random.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function buildModel(seed: number): tf.Sequential {
  const model = tf.sequential();
  model.add(rescaleLayer({ inputShape: [8, 8, 1] }));
  model.add(standardizeLayer());
  model.add(randomFlipLayer({ seed }));
  model.add(randomRotationLayer({ seed, degrees: 10 }));
  model.add(randomZoomLayer({ seed, factor: 0.1 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: 'ones' }));
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'binaryCrossentropy' });
  return model;
}

const images = (n: number) => tf.tensor4d(Array.from({ length: n * 64 }, (_, i) => (i * 37) % 256), [n, 8, 8, 1]);

async function saveToMemory(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts as tf.io.ModelArtifacts;
}

describe('preprocessing layers', () => {
  it('save and load back with their settings, predicting the same', async () => {
    const model = buildModel(3);
    const x = images(2);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
    expect(loaded.layers.slice(0, 5).map((l) => l.getClassName())).toEqual([
      'CxrRescale',
      'CxrStandardize',
      'CxrRandomFlip',
      'CxrRandomRotation',
      'CxrRandomZoom',
    ]);
    const rotation = loaded.layers[3] as RandomRotationLayer;
    expect(rotation).toBeInstanceOf(RandomRotationLayer);
    expect(rotation.getConfig()).toMatchObject({ seed: 3, degrees: 10, fillMode: 'reflect' });
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
  });

  it('augments only in training, with the parameters drawAugmentParams gives', () => {
    const seed = 9;
    const flip = randomFlipLayer({ seed });
    const rotate = randomRotationLayer({ seed });
    const zoom = randomZoomLayer({ seed });
    const x = images(3);
    const stack = (training: boolean) => [flip, rotate, zoom].reduce<tf.Tensor>((t, l) => l.apply(t, { training }) as tf.Tensor, x);
    expect(Array.from(stack(false).dataSync())).toEqual(Array.from(x.dataSync()));
    expect(rotate.trainingCalls).toBe(0);
    const trained = stack(true);
    const callSeed = deriveSeed(seed, 0);
    const params = [0, 1, 2].map((i) => drawAugmentParams(deriveSeed(callSeed, i), { flip: true, rotationDegrees: 10, zoom: 0.1 }));
    expect(Array.from(trained.dataSync())).toEqual(Array.from(augmentImages(x, params).dataSync()));
    expect(Array.from(stack(true).dataSync())).not.toEqual(Array.from(trained.dataSync())); // next call, new draws
    [flip, rotate, zoom].forEach((l) => (l.trainingCalls = 0)); // resume from a saved counter
    expect(Array.from(stack(true).dataSync())).toEqual(Array.from(trained.dataSync()));
    expect(() => (rotate.trainingCalls = -1)).toThrow(RangeError);
  });

  it('trains inside model.fit without leaking tensors', async () => {
    const model = buildModel(1);
    const x = images(4);
    const y = tf.tensor2d([0, 1, 0, 1], [4, 1]);
    const before = tf.memory().numTensors;
    const history = await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    expect(history.history['loss']?.every((v) => Number.isFinite(v as number))).toBe(true);
    expect((model.layers[3] as RandomRotationLayer).trainingCalls).toBe(4);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2); // optimizer slots at most
  });

  it('previews a draw through the model own layers', () => {
    const model = buildModel(5);
    const img = images(1).squeeze([0]) as tf.Tensor3D;
    const { image, params } = previewAugmentation(model.layers, img, 17);
    expect(params).toEqual(drawAugmentParams(17, { flip: true, rotationDegrees: 10, zoom: 0.1 }));
    expect(image.shape).toEqual([8, 8, 1]);
    expect(Array.from(image.dataSync())).toEqual(Array.from(augmentImages(img, [params]).dataSync()));
  });

  it('rejects bad settings', () => {
    expect(() => randomRotationLayer({ seed: 1, degrees: 270 })).toThrow(/RandomRotationLayer: degrees/);
    expect(() => randomZoomLayer({ seed: 1, factor: 1 })).toThrow(RangeError);
    expect(() => randomFlipLayer({} as never)).toThrow(TypeError);
    expect(() => randomZoomLayer({ seed: 1, fillMode: 'mirror' as never })).toThrow(/fillMode/);
    expect(() => standardizeLayer({ stdFloor: -1 })).toThrow(RangeError);
  });
});
