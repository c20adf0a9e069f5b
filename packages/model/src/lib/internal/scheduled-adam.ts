import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs's Adam optimizer (`tf.train.adam(learningRate)`: beta1 0.9, beta2 0.999, the backend's
 * epsilon) whose learning rate a schedule may change between steps. tfjs keeps the rate in a
 * protected field that each step reads; this subclass is the supported way to set it. Everything
 * else (the update, the slots, `getWeights`/`setWeights`, the class name `Adam` in a saved
 * config) is tfjs's own, so training with it is bit for bit training with `tf.train.adam`.
 */
export class ScheduledAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999);
  }

  /** The rate of the next steps. */
  get rate(): number {
    return this.learningRate;
  }

  /** Sets the rate of the next steps (a finite number above 0). */
  set rate(value: number) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`ScheduledAdam: the learning rate must be a finite number above 0, got ${String(value)}`);
    this.learningRate = value;
  }
}
