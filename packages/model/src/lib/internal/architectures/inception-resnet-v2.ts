import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerFactory } from './layer-factory.js';
import { ScaledSum } from './scaled-sum.js';

type ST = tfl.SymbolicTensor;

/**
 * InceptionResNetV2 (Szegedy et al. 2016, as in keras.applications, the original Keras notebook's network):
 * stem, mixed_5b, 10 x block35, mixed_6a, 20 x block17, mixed_7a, 10 x block8, conv_7b
 * (1536), then global average pooling and one logit. Needs inputs of at least 75 x 75.
 * Layer names follow Keras where Keras names them (block35_1_conv, mixed_6a, conv_7b, ...).
 */
export function inceptionResNetV2(x: ST, f: LayerFactory, outputBias: number): ST {
  let auto = 0;
  const convBn = (
    input: ST,
    filters: number,
    kernel: number | [number, number],
    opts: { strides?: number; padding?: 'same' | 'valid'; relu?: boolean; useBias?: boolean; name?: string; first?: boolean } = {},
  ): ST => {
    auto += 1;
    const name = opts.name ?? `irv2_conv${auto}`;
    const useBias = opts.useBias ?? false;
    const conv =
      opts.first === true && typeof kernel === 'number' && !useBias
        ? f.inputConv(name, filters, kernel, { strides: opts.strides ?? 1, padding: opts.padding ?? 'same' })
        : f.conv(name, filters, kernel, { strides: opts.strides ?? 1, padding: opts.padding ?? 'same', useBias });
    let y = conv.apply(input) as ST;
    if (!useBias) y = f.batchNorm(`${name}_bn`, false).apply(y) as ST;
    if (opts.relu ?? true) y = f.relu(`${name}_ac`).apply(y) as ST;
    return y;
  };
  const concat = (name: string, inputs: ST[]): ST => tfl.layers.concatenate({ name, axis: -1 }).apply(inputs) as ST;
  const maxPool3 = (name: string, input: ST): ST => f.maxPool(name, 3, 2, 'valid').apply(input) as ST;

  const block = (input: ST, scale: number, type: 'block35' | 'block17' | 'block8', index: number, relu = true): ST => {
    let branches: ST[];
    if (type === 'block35') {
      const b0 = convBn(input, 32, 1);
      const b1 = convBn(convBn(input, 32, 1), 32, 3);
      const b2 = convBn(convBn(convBn(input, 32, 1), 48, 3), 64, 3);
      branches = [b0, b1, b2];
    } else if (type === 'block17') {
      const b0 = convBn(input, 192, 1);
      const b1 = convBn(convBn(convBn(input, 128, 1), 160, [1, 7]), 192, [7, 1]);
      branches = [b0, b1];
    } else {
      const b0 = convBn(input, 192, 1);
      const b1 = convBn(convBn(convBn(input, 192, 1), 224, [1, 3]), 256, [3, 1]);
      branches = [b0, b1];
    }
    const name = `${type}_${index}`;
    const mixed = concat(`${name}_mixed`, branches);
    const channels = input.shape[input.shape.length - 1] as number;
    const up = convBn(mixed, channels, 1, { relu: false, useBias: true, name: `${name}_conv` });
    let y = new ScaledSum({ scale, name }).apply([input, up]) as ST;
    if (relu) y = f.relu(`${name}_ac`).apply(y) as ST;
    return y;
  };

  // Stem
  let y = convBn(x, 32, 3, { strides: 2, padding: 'valid', first: true });
  y = convBn(y, 32, 3, { padding: 'valid' });
  y = convBn(y, 64, 3);
  y = maxPool3('irv2_pool1', y);
  y = convBn(y, 80, 1, { padding: 'valid' });
  y = convBn(y, 192, 3, { padding: 'valid' });
  y = maxPool3('irv2_pool2', y);

  // mixed_5b (Inception-A)
  {
    const b0 = convBn(y, 96, 1);
    const b1 = convBn(convBn(y, 48, 1), 64, 5);
    const b2 = convBn(convBn(convBn(y, 64, 1), 96, 3), 96, 3);
    const pool = tfl.layers.averagePooling2d({ name: 'irv2_avgpool', poolSize: 3, strides: 1, padding: 'same' }).apply(y) as ST;
    const b3 = convBn(pool, 64, 1);
    y = concat('mixed_5b', [b0, b1, b2, b3]);
  }
  for (let i = 1; i <= 10; i += 1) y = block(y, 0.17, 'block35', i);

  // mixed_6a (Reduction-A)
  {
    const b0 = convBn(y, 384, 3, { strides: 2, padding: 'valid' });
    const b1 = convBn(convBn(convBn(y, 256, 1), 256, 3), 384, 3, { strides: 2, padding: 'valid' });
    const pool = maxPool3('irv2_pool3', y);
    y = concat('mixed_6a', [b0, b1, pool]);
  }
  for (let i = 1; i <= 20; i += 1) y = block(y, 0.1, 'block17', i);

  // mixed_7a (Reduction-B)
  {
    const b0 = convBn(convBn(y, 256, 1), 384, 3, { strides: 2, padding: 'valid' });
    const b1 = convBn(convBn(y, 256, 1), 288, 3, { strides: 2, padding: 'valid' });
    const b2 = convBn(convBn(convBn(y, 256, 1), 288, 3), 320, 3, { strides: 2, padding: 'valid' });
    const pool = maxPool3('irv2_pool4', y);
    y = concat('mixed_7a', [b0, b1, b2, pool]);
  }
  for (let i = 1; i <= 9; i += 1) y = block(y, 0.2, 'block8', i);
  y = block(y, 1, 'block8', 10, false);

  y = convBn(y, 1536, 1, { name: 'conv_7b' });
  y = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(y) as ST;
  return f.logit('irv2_logit', outputBias).apply(y) as ST;
}
