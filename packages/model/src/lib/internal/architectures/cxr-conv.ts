import { FUSED_CONV2D_GRADIENT } from '@cxr/wasm-training';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A tfjs-layers weight initializer (the package does not export its class). */
type KernelInitializer = ReturnType<typeof tfl.initializers.heNormal>;

/** The options of {@link CxrConv2D}. */
export interface CxrConv2DArgs {
  readonly name?: string;
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  /** A bias per filter (`<name>/bias`, zeros at first); default false. */
  readonly useBias?: boolean;
  /** Default linear. */
  readonly activation?: 'linear' | 'relu';
  /** Default: He normal. Not serialized: a loaded model gets its weights from the file. */
  readonly kernelInitializer?: KernelInitializer;
}

/**
 * A Conv2D (NHWC, dilation 1; optional bias and ReLU) whose training step computes only the
 * gradients it needs, with the bias and ReLU fused into the convolution.
 *
 * tfjs-layers' Conv2D runs `tf.fused.conv2d`. Under a gradient tape that is either a custom
 * gradient that always computes the input's gradient too (linear activation: for a network's
 * first layer, a full-resolution convolution thrown away, 95 of 420 ms of kernel time in a
 * compact-CNN training step on wasm), or, with a ReLU, separate convolution, bias-add and ReLU ops
 * and a ReLU gradient of two more passes (about a tenth of the benchmark CNN's step). This layer
 * runs `tf.conv2d` when it has neither bias nor activation, and the `FusedConv2D` kernel itself
 * otherwise, whose gradient `@cxr/wasm-training` registers for every backend
 * (`FUSED_CONV2D_GRADIENT`): the tape then asks only for the gradients it needs. Same weight
 * names (`<name>/kernel`, `<name>/bias`) and values as a Conv2D, so weights transfer by name.
 * Registered for loading as `CxrInputConv2D` (its name from when it served only as a first layer).
 */
export class CxrConv2D extends tfl.layers.Layer {
  static readonly className = 'CxrInputConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly useBias: boolean;
  readonly activation: 'linear' | 'relu';
  private readonly initializer: KernelInitializer;
  private kernel: tfl.LayerVariable | undefined;
  private bias: tfl.LayerVariable | undefined;

  constructor(args: CxrConv2DArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.filters = args.filters;
    this.kernelSize = [...args.kernelSize];
    this.strides = [...args.strides];
    this.padding = args.padding;
    this.useBias = args.useBias ?? false;
    this.activation = args.activation ?? 'linear';
    if (this.activation !== 'linear' && this.activation !== 'relu') throw new Error(`${this.name}: activation must be 'linear' or 'relu', got ${JSON.stringify(args.activation)}`);
    this.initializer = args.kernelInitializer ?? tfl.initializers.heNormal({});
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new Error(`${this.name}: the input's channel count must be known, got ${JSON.stringify(shape)}`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.filters], 'float32', this.initializer, undefined, true);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros(), undefined, true);
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
      const filter = this.kernel.read() as tf.Tensor4D;
      if (this.bias === undefined && this.activation === 'linear') return tf.conv2d(x, filter, this.strides, this.padding);
      const operands = this.bias === undefined ? { x, filter } : { x, filter, bias: this.bias.read() };
      const attrs = { strides: this.strides, pad: this.padding, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, activation: this.activation };
      return tf.engine().runKernel(tf.FusedConv2D, operands, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const options = { ...(this.useBias ? { useBias: true } : {}), ...(this.activation === 'linear' ? {} : { activation: this.activation }) };
    return { ...super.getConfig(), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding, ...options };
  }
}
tf.serialization.registerClass(CxrConv2D);
// Training a CxrConv2D with a bias or ReLU needs the FusedConv2D kernel's gradient, on any backend.
tf.registerGradient(FUSED_CONV2D_GRADIENT);
