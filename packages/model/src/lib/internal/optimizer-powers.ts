import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs' Adam divides by `1 - beta^t`, and keeps `beta1^t` and `beta2^t` as float32 running
 * products (one multiplication per step). `setWeights` rebuilds them as `pow(beta, t + 1)`, which
 * differs from the running product by one unit in the last place at most step counts (on the
 * WASM backend: at steps 2, 5 and 18 to 46 of beta2 = 0.999, for a start). One ulp there moves every
 * weight of the next step, so a run restored with `setWeights` alone drifts away from the
 * uninterrupted run. These helpers save and put back the exact products.
 */
interface AdamPowers {
  accBeta1?: unknown;
  accBeta2?: unknown;
}

/** The running products `beta1^t`, `beta2^t` of a tfjs Adam optimizer, or undefined for another optimizer. */
export function readAdamPowers(optimizer: tf.Optimizer): { readonly accBeta1: number; readonly accBeta2: number } | undefined {
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamPowers;
  if (!(accBeta1 instanceof tf.Variable) || !(accBeta2 instanceof tf.Variable)) return undefined;
  return { accBeta1: accBeta1.dataSync()[0] as number, accBeta2: accBeta2.dataSync()[0] as number };
}

/** Puts products saved by {@link readAdamPowers} back (after `setWeights`); nothing when either side has none. */
export function restoreAdamPowers(optimizer: tf.Optimizer, saved: { readonly accBeta1: number; readonly accBeta2: number } | undefined): void {
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamPowers;
  if (saved === undefined || !(accBeta1 instanceof tf.Variable) || !(accBeta2 instanceof tf.Variable)) return;
  if (!Number.isFinite(saved.accBeta1) || !Number.isFinite(saved.accBeta2)) return;
  tf.tidy(() => {
    accBeta1.assign(tf.scalar(saved.accBeta1, 'float32'));
    accBeta2.assign(tf.scalar(saved.accBeta2, 'float32'));
  });
}
