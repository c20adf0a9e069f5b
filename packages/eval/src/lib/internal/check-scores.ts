/** Probabilities and 0/1 labels, checked to be the same length and well-formed. */
export interface Scored {
  readonly probs: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly positives: number;
  readonly negatives: number;
}

/**
 * Checks that `probs` and `labels` pair up: same length, every probability a finite number in
 * [0, 1], every label 0 or 1. Throws a RangeError naming the function and the first bad index.
 */
export function checkScores(fn: string, probs: ArrayLike<number>, labels: ArrayLike<number>): Scored {
  if (probs == null || typeof probs.length !== 'number') {
    throw new TypeError(`${fn}: probs must be an array of numbers, got ${String(probs)}.`);
  }
  if (labels == null || typeof labels.length !== 'number') {
    throw new TypeError(`${fn}: labels must be an array of 0/1 values, got ${String(labels)}.`);
  }
  if (probs.length !== labels.length) {
    throw new RangeError(`${fn}: probs has ${probs.length} values but labels has ${labels.length}; they must pair up one to one.`);
  }
  let positives = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
      throw new RangeError(`${fn}: probs[${i}] is ${String(p)}; probabilities must be finite numbers in [0, 1].`);
    }
    const y = labels[i];
    if (y !== 0 && y !== 1) {
      throw new RangeError(`${fn}: labels[${i}] is ${String(y)}; labels must be 0 (NORMAL) or 1 (PNEUMONIA).`);
    }
    positives += y;
  }
  return { probs, labels, positives, negatives: probs.length - positives };
}

/** Indices of `probs` sorted by descending probability (stable: ties keep input order). */
export function indicesByDescendingProbability(probs: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(probs.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Sort a plain array (stable) then copy back.
  const sorted = Array.from(order).sort((a, b) => (probs[b] as number) - (probs[a] as number));
  order.set(sorted);
  return order;
}

/** True and false positives when every probability at or above `threshold` counts as positive. */
export interface CountsAt {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
}

/**
 * The cumulative true and false positives at each distinct probability, from the highest down (tied
 * probabilities form one step): the sweep behind the ROC and precision-recall curves and the threshold rules.
 */
export function countsAtEachThreshold(probs: ArrayLike<number>, labels: ArrayLike<number>): CountsAt[] {
  const order = indicesByDescendingProbability(probs);
  const out: CountsAt[] = [];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < order.length) {
    const p = probs[order[i] as number] as number;
    while (i < order.length && probs[order[i] as number] === p) {
      if (labels[order[i] as number] === 1) tp++;
      else fp++;
      i++;
    }
    out.push({ threshold: p, tp, fp });
  }
  return out;
}

/** Checks that a threshold is a number (not NaN); ±Infinity are allowed (nothing/everything positive). */
export function checkThreshold(fn: string, threshold: number): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new RangeError(`${fn}: threshold must be a number, got ${String(threshold)}.`);
  }
}
