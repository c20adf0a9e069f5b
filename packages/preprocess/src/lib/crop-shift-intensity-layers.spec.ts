import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentImages, drawAugmentParams } from './image-ops.js';
import { previewAugmentation, randomCropLayer, randomGammaLayer, RandomIntensityLayer, randomIntensityLayer, randomShiftLayer, standardizeLayer } from './preprocessing-layers.js';
import { deriveSeed } from './seeded-random.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const images = (n: number) => tf.tensor4d(Array.from({ length: n * 64 }, (_, i) => (i * 37) % 256), [n, 8, 8, 1]);

function buildModel(seed: number): tf.Sequential {
  const model = tf.sequential();
  model.add(randomCropLayer({ inputShape: [8, 8, 1], seed, crop: 0.3 }));
  model.add(randomShiftLayer({ seed, shift: 0.1 }));
  model.add(randomGammaLayer({ seed, gamma: 0.3 }));
  model.add(standardizeLayer());
  model.add(randomIntensityLayer({ seed, contrast: 0.2, brightness: 0.2, noise: 0.1 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: 'ones' }));
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'binaryCrossentropy' });
  return model;
}

describe('crop, shift, gamma and intensity layers', () => {
  it('save and load back with their settings, predicting the same', async () => {
    const model = buildModel(4);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(loaded.layers.slice(0, 5).map((l) => l.getClassName())).toEqual(['CxrRandomCrop', 'CxrRandomShift', 'CxrRandomGamma', 'CxrStandardize', 'CxrRandomIntensity']);
    expect(loaded.layers[4]).toBeInstanceOf(RandomIntensityLayer);
    expect(loaded.layers[4]?.getConfig()).toMatchObject({ seed: 4, contrast: 0.2, brightness: 0.2, noise: 0.1 });
    expect(loaded.layers[0]?.getConfig()).toMatchObject({ seed: 4, crop: 0.3 });
    const x = images(2);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
  });

  it('are the identity outside training and draw what drawAugmentParams gives in training', () => {
    const seed = 11;
    const layers = [randomCropLayer({ seed, crop: 0.3 }), randomShiftLayer({ seed, shift: 0.1 }), randomGammaLayer({ seed, gamma: 0.3 }), randomIntensityLayer({ seed, contrast: 0.2, brightness: 0.2, noise: 0.1 })];
    const x = images(3);
    const stack = (training: boolean) => layers.reduce<tf.Tensor>((t, l) => l.apply(t, { training }) as tf.Tensor, x);
    expect(Array.from(stack(false).dataSync())).toEqual(Array.from(x.dataSync()));
    const trained = stack(true);
    const callSeed = deriveSeed(seed, 0);
    const params = [0, 1, 2].map((i) => drawAugmentParams(deriveSeed(callSeed, i), { flip: false, rotationDegrees: 0, zoom: 0, shift: 0.1, gamma: 0.3, contrast: 0.2, brightness: 0.2, noise: 0.1, crop: 0.3 }));
    const expected = augmentImages(x, params).dataSync();
    trained.dataSync().forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 3));
    layers.forEach((l) => (l.trainingCalls = 0));
    expect(Array.from(stack(true).dataSync())).toEqual(Array.from(trained.dataSync()));
  });

  it('trains inside model.fit and shows in the preview', async () => {
    const model = buildModel(2);
    const history = await model.fit(images(4), tf.tensor2d([0, 1, 0, 1], [4, 1]), { epochs: 1, batchSize: 2, verbose: 0 });
    expect(history.history['loss']?.every((v) => Number.isFinite(v as number))).toBe(true);
    const { image, params } = previewAugmentation(model.layers, images(1).squeeze([0]) as tf.Tensor3D, 5);
    expect(image.shape).toEqual([8, 8, 1]);
    expect(params.gamma).not.toBe(1);
    expect(params.contrast).not.toBe(1);
  });

  it('rejects bad settings', () => {
    expect(() => randomShiftLayer({ seed: 1, shift: 0.6 })).toThrow(/RandomShiftLayer: shift/);
    expect(() => randomGammaLayer({ seed: 1, gamma: -1 })).toThrow(RangeError);
    expect(() => randomIntensityLayer({ seed: 1, noise: 2 })).toThrow(/RandomIntensityLayer: noise/);
    expect(() => randomShiftLayer({} as never)).toThrow(TypeError);
    expect(() => randomCropLayer({ seed: 1, crop: 0.7 })).toThrow(/RandomCropLayer: crop/);
  });
});
