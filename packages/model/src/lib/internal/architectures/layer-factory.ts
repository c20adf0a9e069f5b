import { deriveSeed } from '@cxr/preprocess';
import * as tfl from '@tensorflow/tfjs-layers';
import { CxrConv2D } from './cxr-conv.js';

/**
 * Creates layers with explicit, deterministic names (`<prefix>_<n>` when not given) and
 * kernel initializers seeded from one root seed, so the same seed builds the same model
 * and a second build gets the same layer names (weight transfer matches them by name).
 */
export class LayerFactory {
  private count = 0;

  constructor(private readonly seed: number) {}

  /** A fresh seed for the next initializer. */
  nextSeed(): number {
    this.count += 1;
    return deriveSeed(this.seed, 'init', this.count);
  }

  /** Conv2D without activation; `useBias` defaults to false (a batch norm follows). */
  conv(
    name: string,
    filters: number,
    kernelSize: number | [number, number],
    options: { strides?: number; padding?: 'same' | 'valid'; useBias?: boolean; activation?: 'relu' | 'linear' } = {},
  ): tfl.layers.Layer {
    return tfl.layers.conv2d({
      name,
      filters,
      kernelSize,
      strides: options.strides ?? 1,
      padding: options.padding ?? 'same',
      useBias: options.useBias ?? false,
      activation: options.activation ?? 'linear',
      kernelInitializer: tfl.initializers.heNormal({ seed: this.nextSeed() }),
    });
  }

  /**
   * The network's first convolution (no bias, no activation; a batch norm follows): a
   * {@link CxrConv2D}, so training does not compute a gradient for the input image.
   */
  inputConv(name: string, filters: number, kernelSize: number, options: { strides?: number; padding?: 'same' | 'valid' } = {}): tfl.layers.Layer {
    const strides = options.strides ?? 1;
    return new CxrConv2D({
      name,
      filters,
      kernelSize: [kernelSize, kernelSize],
      strides: [strides, strides],
      padding: options.padding ?? 'same',
      kernelInitializer: tfl.initializers.heNormal({ seed: this.nextSeed() }),
    });
  }

  /**
   * Conv2D 'same' at stride 1 with a bias and ReLU, as one {@link CxrConv2D}: the bias and ReLU
   * are applied as the convolution stores its outputs, in training too, and the training step
   * computes only the gradients it needs (none for an input image).
   */
  convRelu(name: string, filters: number, kernelSize: number): tfl.layers.Layer {
    return new CxrConv2D({
      name,
      filters,
      kernelSize: [kernelSize, kernelSize],
      strides: [1, 1],
      padding: 'same',
      useBias: true,
      activation: 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed: this.nextSeed() }),
    });
  }

  /** Batch norm over channels; `momentum` of the moving statistics (Keras' 0.99 by default). */
  batchNorm(name: string, scale = true, momentum = 0.99): tfl.layers.Layer {
    return tfl.layers.batchNormalization({ name, axis: -1, momentum, epsilon: 1e-3, scale });
  }

  relu(name: string): tfl.layers.Layer {
    return tfl.layers.activation({ name, activation: 'relu' });
  }

  maxPool(name: string, size = 2, strides = size, padding: 'same' | 'valid' = 'valid'): tfl.layers.Layer {
    return tfl.layers.maxPooling2d({ name, poolSize: size, strides, padding });
  }

  /** The one-logit output layer (linear); `bias` starts the logit at the class prior. */
  logit(name: string, bias: number): tfl.layers.Layer {
    return tfl.layers.dense({
      name,
      units: 1,
      activation: 'linear',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: this.nextSeed() }),
      biasInitializer: tfl.initializers.constant({ value: bias }),
    });
  }
}
