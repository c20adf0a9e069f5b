import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '@cxr/preprocess/browser';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Kwargs = Parameters<tfl.layers.Layer['call']>[1];

/** Options of {@link SeededDropout}. */
export interface SeededDropoutArgs extends LayerArgs {
  /** Share of the units dropped in training, in [0, 1). */
  readonly rate: number;
  /** Root seed of the masks (any safe integer). */
  readonly seed: number;
}

/**
 * Dropout whose mask on training call `k` comes from `deriveSeed(seed, k)`: a new mask every step,
 * the same masks in every run with the same seed. (tfjs' own dropout layer, given a seed, draws the
 * same mask on every step; without one it is not reproducible.) Its call counter is its whole
 * random state and is checkpointed like the augmentation layers' (`trainingCalls`).
 * Identity outside training. Serializable as `CxrSeededDropout`.
 */
export class SeededDropout extends tfl.layers.Layer {
  static readonly className = 'CxrSeededDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) throw new RangeError(`SeededDropout: rate must be a number in [0, 1), got ${String(args.rate)}`);
    if (!Number.isSafeInteger(args.seed)) throw new RangeError(`SeededDropout: seed must be a safe integer, got ${String(args.seed)}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  /** Training calls drawn so far (set it to resume a run exactly). */
  get trainingCalls(): number {
    return this.calls;
  }

  set trainingCalls(value: number) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`SeededDropout: trainingCalls must be an integer >= 0, got ${String(value)}`);
    this.calls = value;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (kwargs['training'] !== true || this.rate === 0) return x;
    const seed = deriveSeed(this.seed, this.calls);
    this.calls++;
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.rate)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);
