import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * `inputs[0] + scale * inputs[1]`: the scaled residual connection of Inception-ResNet
 * (Keras builds it with a Lambda layer, which tfjs cannot serialize). Registered for loading.
 */
export class ScaledSum extends tfl.layers.Layer {
  static readonly className = 'CxrScaledSum';
  readonly scale: number;

  constructor(args: { scale: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.scale = args.scale;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (inputShape as tfl.Shape[])[0] as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, b] = inputs as tf.Tensor[];
      return tf.add(a as tf.Tensor, tf.mul(b as tf.Tensor, this.scale));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(ScaledSum);
