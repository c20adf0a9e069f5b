import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A tfjs-layers weight initializer (the package does not export its class). */
type KernelInitializer = ReturnType<typeof tfl.initializers.heNormal>;

/** The options of {@link InputConv2D}. */
export interface InputConv2DArgs {
  readonly name?: string;
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  /** Default: He normal. Not serialized: a loaded model gets its weights from the file. */
  readonly kernelInitializer?: KernelInitializer;
}

/**
 * A Conv2D (no bias, no activation) for a network's first convolution, whose input needs no
 * gradient. tfjs-layers' Conv2D runs `tf.fused.conv2d`, whose custom gradient always computes the
 * input gradient too when the activation is linear (with a ReLU, tfjs-core runs separate ops
 * under a gradient tape, which skip it); for the first layer that is a full-resolution
 * convolution thrown away (95 of 420 ms of kernel time in a compact-CNN training step on wasm). `tf.conv2d` lets the tape
 * skip it. Same weight name (`<name>/kernel`) and values as a Conv2D, so weights transfer by name.
 * Registered for loading.
 */
export class InputConv2D extends tfl.layers.Layer {
  static readonly className = 'CxrInputConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  private readonly initializer: KernelInitializer;
  private kernel: tfl.LayerVariable | undefined;

  constructor(args: InputConv2DArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.filters = args.filters;
    this.kernelSize = [...args.kernelSize];
    this.strides = [...args.strides];
    this.padding = args.padding;
    this.initializer = args.kernelInitializer ?? tfl.initializers.heNormal({});
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new Error(`${this.name}: the input's channel count must be known, got ${JSON.stringify(shape)}`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.filters], 'float32', this.initializer, undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [batch, height, width] = inputShape as tfl.Shape;
    const out = (size: number | null, k: number, s: number): number | null => {
      if (size === null || size === undefined) return null;
      return this.padding === 'same' ? Math.ceil(size / s) : Math.ceil((size - k + 1) / s);
    };
    return [batch ?? null, out(height ?? null, this.kernelSize[0], this.strides[0]), out(width ?? null, this.kernelSize[1], this.strides[1]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      if (this.kernel === undefined) throw new Error(`${this.name} was called before it was built`);
      return tf.conv2d(x, this.kernel.read() as tf.Tensor4D, this.strides, this.padding);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding };
  }
}
tf.serialization.registerClass(InputConv2D);
