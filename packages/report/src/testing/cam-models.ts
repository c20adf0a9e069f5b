import * as tf from '@tensorflow/tfjs';

/** A tiny seeded model for Grad-CAM tests, and what the tests need to know about it. */
export interface TinyCamModel {
  readonly model: tf.LayersModel;
  /** The feature-map layer Grad-CAM should explain. */
  readonly featureLayer: string;
  /** The final Dense layer (one unit) after global average pooling. */
  readonly headLayer: string;
}

/**
 * Builds a tiny model `size x size x 1 -> conv(3x3, filters) -> relu -> [...] -> GAP -> dense(1)`.
 * With global average pooling, the exact Grad-CAM is relu(sum_c w_c A_c) / max, which tests compute independently.
 *
 * - `gap`: a functional model ending in a linear logit (like the model package's networks).
 * - `sigmoid`: the dense layer has a sigmoid and a bias of 40, so the float32 probability is exactly 1.
 * - `residual`: a second conv whose output is added to the first (a skip connection); explain `featureLayer`.
 * - `sequential`: the `gap` model built with `tf.sequential`.
 * - `nested`: the convolution and its ReLU inside a sub-model `backbone` used as one layer (as a
 *   fine-tuned Keras application is); `featureLayer` is that sub-model.
 */
export function tinyCamModel(kind: 'gap' | 'sigmoid' | 'residual' | 'sequential' | 'nested', options: { readonly size?: number; readonly filters?: number; readonly seed?: number } = {}): TinyCamModel {
  const size = options.size ?? 12;
  const filters = options.filters ?? 4;
  const seed = options.seed ?? 7;
  const conv = (name: string, s: number): tf.layers.Layer =>
    tf.layers.conv2d({ name, filters, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: s }), biasInitializer: 'zeros' });
  const head = (activation: 'linear' | 'sigmoid'): tf.layers.Layer =>
    tf.layers.dense({
      name: 'head',
      units: 1,
      activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }),
      // With a sigmoid, a large bias saturates the float32 probability at exactly 1.
      biasInitializer: activation === 'sigmoid' ? tf.initializers.constant({ value: 40 }) : 'zeros',
    });
  if (kind === 'sequential') {
    const model = tf.sequential({ name: 'tiny_sequential' });
    model.add(tf.layers.rescaling({ inputShape: [size, size, 1], scale: 1 / 255, name: 'rescale' }));
    model.add(conv('conv', seed));
    model.add(tf.layers.reLU({ name: 'feat' }));
    model.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
    model.add(head('linear'));
    return { model, featureLayer: 'feat', headLayer: 'head' };
  }
  if (kind === 'nested') {
    const inner = tf.input({ shape: [size, size, 1], name: 'backbone_in' });
    const innerOut = tf.layers.reLU({ name: 'backbone_relu' }).apply(conv('conv', seed).apply(inner)) as tf.SymbolicTensor;
    const backbone = tf.model({ inputs: inner, outputs: innerOut, name: 'backbone' });
    const image = tf.input({ shape: [size, size, 1], name: 'image' });
    const scaledImage = tf.layers.rescaling({ scale: 1 / 255, name: 'rescale' }).apply(image) as tf.SymbolicTensor;
    const features = backbone.apply(scaledImage) as tf.SymbolicTensor;
    const pooledFeatures = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(features) as tf.SymbolicTensor;
    const logit = head('linear').apply(pooledFeatures) as tf.SymbolicTensor;
    return { model: tf.model({ inputs: image, outputs: logit, name: 'tiny_nested' }), featureLayer: 'backbone', headLayer: 'head' };
  }
  const input = tf.input({ shape: [size, size, 1], name: 'image' });
  const scaled = tf.layers.rescaling({ scale: 1 / 255, name: 'rescale' }).apply(input) as tf.SymbolicTensor;
  let feat = tf.layers.reLU({ name: kind === 'residual' ? 'first' : 'feat' }).apply(conv('conv', seed).apply(scaled)) as tf.SymbolicTensor;
  if (kind === 'residual') {
    const second = tf.layers.reLU({ name: 'feat' }).apply(conv('conv2', seed + 1).apply(feat)) as tf.SymbolicTensor;
    feat = tf.layers.add({ name: 'skip' }).apply([feat, second]) as tf.SymbolicTensor;
  }
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(feat) as tf.SymbolicTensor;
  const out = head(kind === 'sigmoid' ? 'sigmoid' : 'linear').apply(pooled) as tf.SymbolicTensor;
  return { model: tf.model({ inputs: input, outputs: out, name: `tiny_${kind}` }), featureLayer: 'feat', headLayer: 'head' };
}
