import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBenchCnn } from '../testing/index.js';
import { ARCHITECTURES, buildModel, COMPACT_CNN_DEFAULTS } from './build-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const weightsOf = (model: ReturnType<typeof buildModel>): number[][] => model.getWeights().map((w) => Array.from(w.dataSync()));

describe('buildModel', () => {
  it('puts augmentation then standardization first and ends in one linear logit', () => {
    const model = buildModel({ imageSize: 32, seed: 1, augment: { flip: true, rotationDegrees: 5, zoom: 0.1 } });
    expect(model.layers.slice(1, 5).map((l) => l.getClassName())).toEqual(['CxrRandomFlip', 'CxrRandomRotation', 'CxrRandomZoom', 'CxrStandardize']);
    expect(model.outputs[0]?.shape).toEqual([null, 1]);
    const last = model.layers[model.layers.length - 1];
    expect((last?.getConfig() as { activation?: string }).activation).toBe('linear');
    model.dispose();
  });

  it('builds the compact CNN with batch norm and well under 2 M parameters (defaults at 128 px)', () => {
    const model = buildModel({ imageSize: 128, seed: 1 });
    expect(model.countParams()).toBeLessThan(2_000_000);
    expect(model.countParams()).toBeGreaterThan(100_000);
    expect(model.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
    expect(model.layers.filter((l) => l.getClassName() === 'CxrInputConv2D')).toHaveLength(1);
    expect(model.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength((COMPACT_CNN_DEFAULTS.filters.length - 1) * COMPACT_CNN_DEFAULTS.convsPerStage);
    model.dispose();
  });

  it('builds the benchmark CNN of the testing entry point exactly as specified, behind the same input layers', () => {
    const model = buildBenchCnn({ imageSize: 128, seed: 1 });
    expect(model.name).toBe('cxr_bench_cnn');
    expect(model.layers[1]?.getClassName()).toBe('CxrStandardize');
    const convs = model.layers
      .filter((l) => l.getClassName() === 'CxrInputConv2D')
      .map((l) => l.getConfig() as { filters: number; kernelSize: number[]; strides: number[]; padding: string; activation: string; useBias: boolean });
    expect(convs.map((c) => c.filters)).toEqual([16, 32, 64, 128]);
    expect(convs.every((c) => c.padding === 'same' && c.activation === 'relu' && c.useBias && c.kernelSize.join() === '3,3' && c.strides.join() === '1,1')).toBe(true);
    expect(model.layers.filter((l) => l.getClassName() === 'MaxPooling2D')).toHaveLength(3);
    // 1*9*16+16 + 16*9*32+32 + 32*9*64+64 + 64*9*128+128 + 128+1
    expect(model.countParams()).toBe(160 + 4640 + 18496 + 73856 + 129);
    model.dispose();
  });

  it('computes no gradient for the input image in a training step, for the compact and the benchmark CNN', async () => {
    // compact-cnn: the first conv is linear (a batch norm follows), a CxrConv2D (tf.conv2d).
    // bench-cnn: every conv is a CxrConv2D with bias and ReLU (the FusedConv2D kernel and its
    // registered gradient, whose thunks the tape calls only for what it needs).
    const x = tf.randomUniform([2, 32, 32, 1], 0, 255, 'float32', 3);
    for (const [architecture, convs] of [
      ['compact-cnn', 1 + (COMPACT_CNN_DEFAULTS.filters.length - 1) * COMPACT_CNN_DEFAULTS.convsPerStage],
      ['bench-cnn', 4],
    ] as const) {
      const model = architecture === 'bench-cnn' ? buildBenchCnn({ imageSize: 32, seed: 1 }) : buildModel({ architecture, imageSize: 32, seed: 1 });
      const info = await tf.profile(() => tf.tidy(() => tf.variableGrads(() => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar).value));
      const inputGradients = info.kernels.filter((k) => k.name === 'Conv2DBackpropInput');
      expect(info.kernels.filter((k) => k.name === 'Conv2DBackpropFilter')).toHaveLength(convs);
      expect(inputGradients).toHaveLength(convs - 1);
      expect(inputGradients.some((k) => k.outputShapes[0]?.join() === x.shape.join())).toBe(false);
      model.dispose();
    }
    x.dispose();
  });

  it('builds InceptionResNetV2 with the parameters of keras.applications (grey input, one logit)', () => {
    const model = buildModel({ architecture: 'inception-resnet-v2', imageSize: 75, seed: 1 });
    // keras InceptionResNetV2(include_top=False, pooling='avg'): 54,336,736 with RGB input;
    // a grey input has 3*3*2*32 fewer first-layer weights; the logit adds 1536 + 1.
    expect(model.countParams()).toBe(54_336_736 - 576 + 1537);
    expect(model.getLayer('block35_10').getClassName()).toBe('CxrScaledSum');
    expect(model.getLayer('conv_7b').outputShape).toEqual([null, 1, 1, 1536]);
    model.dispose();
  }, 120_000);

  it('is reproducible from its seed and differs across seeds', () => {
    const compact = { filters: [4, 8], stemStride: 1 } as const;
    const a = buildModel({ imageSize: 16, seed: 7, compact });
    const b = buildModel({ imageSize: 16, seed: 7, compact });
    const c = buildModel({ imageSize: 16, seed: 8, compact });
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(weightsOf(a)).not.toEqual(weightsOf(c));
    expect(a.layers.map((l) => l.name)).toEqual(b.layers.map((l) => l.name));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('starts the logit at outputBias', () => {
    for (const model of [buildModel({ imageSize: 32, seed: 1, outputBias: 1.5 }), buildBenchCnn({ imageSize: 16, seed: 1, outputBias: 1.5 })]) {
      const bias = model.layers[model.layers.length - 1]?.getWeights()[1] as tf.Tensor;
      expect(Array.from(bias.dataSync())).toEqual([1.5]);
      model.dispose();
    }
  });

  it('refuses bad options at creation, naming the stage and the value', () => {
    expect(() => buildModel({ architecture: 'resnet' as never, imageSize: 64, seed: 1 })).toThrow(/buildModel: architecture .* "resnet"/);
    // The benchmark network is not an architecture of the product.
    expect(ARCHITECTURES).not.toContain('bench-cnn');
    expect(() => buildModel({ architecture: 'bench-cnn' as never, imageSize: 64, seed: 1 })).toThrow(/architecture must be one of compact-cnn, inception-resnet-v2, got "bench-cnn"/);
    expect(() => buildBenchCnn({ imageSize: 8, seed: 1 })).toThrow(/buildBenchCnn: imageSize/);
    expect(() => buildModel({ imageSize: 8, seed: 1 })).toThrow(RangeError);
    expect(() => buildModel({ architecture: 'inception-resnet-v2', imageSize: 64, seed: 1 })).toThrow(/from 75/);
    expect(() => buildModel({ imageSize: 64, seed: 1.5 })).toThrow(/seed/);
    expect(() => buildModel({ imageSize: 64, seed: 1, outputBias: Infinity })).toThrow(/outputBias/);
    expect(() => buildModel({ imageSize: 64, seed: 1, compact: { filters: [] } })).toThrow(/compact.filters/);
  });
});
