import { UsageError } from '@cxr/loader/browser';

/** Options of {@link fitTemperature}. */
export interface FitTemperatureOptions {
  /**
   * Smallest temperature searched, > 0. Default 0.01. The search also never goes below
   * max|logit| / 30, so no logit of the data is pushed to a probability that rounds to exactly 0 or 1
   * (that would create ties and change the ranking; data that the logits separate perfectly would
   * otherwise drive T towards 0).
   */
  readonly min?: number;
  /** Largest temperature searched, > `min`. Default 100. */
  readonly max?: number;
  /** Golden-section steps on log(T), an integer in [1, 500]. Default 100 (the bracket shrinks to 0.618^100 of its width). */
  readonly iterations?: number;
}

/** What {@link fitTemperature} found. */
export interface TemperatureFit {
  /** The fitted temperature T > 0: calibrated probability = sigmoid(logit / T). 1 when nothing better was found. */
  readonly temperature: number;
  /** Mean negative log-likelihood (natural log) of the data at T = 1, i.e. of the raw probabilities. */
  readonly nllBefore: number;
  /** Mean negative log-likelihood at the fitted T; never above `nllBefore`. */
  readonly nllAfter: number;
  /** Images the fit used. */
  readonly n: number;
}

/** Defaults of {@link fitTemperature}. */
export const FIT_TEMPERATURE_DEFAULTS = Object.freeze({ min: 0.01, max: 100, iterations: 100 });

/** |logit / T| the fit keeps below: sigmoid(30) = 1 - 9.4e-14, still distinct from 1 in double precision. */
const MAX_SCALED_LOGIT = 30;

/** log(1 + exp(x)) without overflow or loss of precision. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * The calibrated probability of one logit: `sigmoid(logit / temperature)`, computed in double
 * precision without overflow. Increasing in the logit for every temperature > 0, so ranking (and
 * the AUC) is kept; double precision rounds to exactly 0 or 1 only beyond |logit / T| of about 37.
 *
 * @example
 * ```ts
 * temperatureScale(2, 1); // 0.8808 (the plain sigmoid)
 * temperatureScale(2, 2); // 0.7311 (a softer probability)
 * ```
 * @throws RangeError when `logit` is not a finite number or `temperature` is not a finite number > 0.
 */
export function temperatureScale(logit: number, temperature: number): number {
  if (typeof logit !== 'number' || !Number.isFinite(logit)) throw new RangeError(`temperatureScale: logit must be a finite number, got ${String(logit)}.`);
  checkTemperature('temperatureScale', temperature);
  const z = logit / temperature;
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Mean binary negative log-likelihood (cross-entropy, natural log) of labels under
 * `sigmoid(logit / temperature)`: the quantity temperature scaling minimizes. Computed from the
 * logits directly (softplus), so saturated probabilities do not give infinities.
 *
 * @example
 * ```ts
 * binaryNll([0, 0], [0, 1]); // ln 2 = 0.693
 * binaryNll([4, -4], [1, 0], 2); // 0.127
 * ```
 * @throws RangeError for malformed inputs (see {@link fitTemperature}) or a temperature that is not > 0;
 *   an empty input gives NaN.
 */
export function binaryNll(logits: ArrayLike<number>, labels: ArrayLike<number>, temperature = 1): number {
  checkLogits('binaryNll', logits, labels);
  checkTemperature('binaryNll', temperature);
  return meanNll(logits, labels, 1 / temperature);
}

function meanNll(logits: ArrayLike<number>, labels: ArrayLike<number>, beta: number): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = (logits[i] as number) * beta;
    // -log sigmoid(z) = softplus(-z); -log(1 - sigmoid(z)) = softplus(z).
    sum += labels[i] === 1 ? softplus(-z) : softplus(z);
  }
  return sum / logits.length;
}

/**
 * Fits the temperature of temperature scaling (Guo et al. 2017) on a validation set: the T > 0
 * minimizing the mean negative log-likelihood of the labels under `sigmoid(logit / T)`.
 *
 * A model that is over-confident gets T > 1 (probabilities pulled towards 0.5), an
 * under-confident one T < 1. Dividing every logit by the same positive number keeps their order,
 * so the ranking, ROC curve and AUC do not change; only the probabilities (Brier score,
 * calibration, ECE) and the probability a threshold corresponds to do.
 *
 * The search is deterministic: golden-section search on log(T) over `[max(min, max|logit| / 30), max]`
 * (the NLL is convex in 1/T, so it has one minimum there), then the result is compared with T = 1 and kept
 * only when it lowers the NLL; otherwise T = 1. So `nllAfter <= nllBefore` always, and data that
 * is already calibrated keeps a temperature close to 1.
 *
 * @example
 * ```ts
 * const fit = fitTemperature(valLogits, valLabels); // { temperature: 1.8, nllBefore: 0.41, nllAfter: 0.29, n: 520 }
 * const p = temperatureScale(logit, fit.temperature);
 * ```
 * @param logits - the model's raw outputs (before the sigmoid), finite numbers.
 * @param labels - 0 (NORMAL) or 1 (PNEUMONIA), one per logit.
 * @param options - `min` (default 0.01), `max` (default 100), `iterations` (default 100).
 * @throws RangeError/TypeError for malformed inputs or options; an error with `code: 'CXR_USAGE'`
 *   when the labels lack a class (the fit would push every probability to 0 or 1).
 */
export function fitTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>, options: FitTemperatureOptions = {}): TemperatureFit {
  const { positives, negatives } = checkLogits('fitTemperature', logits, labels);
  const min = options.min ?? FIT_TEMPERATURE_DEFAULTS.min;
  const max = options.max ?? FIT_TEMPERATURE_DEFAULTS.max;
  const iterations = options.iterations ?? FIT_TEMPERATURE_DEFAULTS.iterations;
  if (typeof min !== 'number' || !Number.isFinite(min) || !(min > 0)) throw new RangeError(`fitTemperature: min must be a finite number > 0, got ${String(min)}.`);
  if (typeof max !== 'number' || !Number.isFinite(max) || !(max > min)) throw new RangeError(`fitTemperature: max must be a finite number > min (${min}), got ${String(max)}.`);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 500) throw new RangeError(`fitTemperature: iterations must be an integer in [1, 500], got ${String(iterations)}.`);
  if (positives === 0 || negatives === 0) {
    throw new UsageError(
      `Cannot fit a calibration temperature: the validation set has ${positives} PNEUMONIA and ${negatives} NORMAL images; it needs both classes (use a larger validation split).`,
    );
  }
  const nllAt = (u: number): number => meanNll(logits, labels, Math.exp(-u));
  const nllBefore = meanNll(logits, labels, 1);
  let largest = 0;
  for (let i = 0; i < logits.length; i++) largest = Math.max(largest, Math.abs(logits[i] as number));
  const lowest = Math.max(min, largest / MAX_SCALED_LOGIT);
  if (!(lowest < max)) return { temperature: 1, nllBefore, nllAfter: nllBefore, n: logits.length };
  // Golden-section search for the minimum of a unimodal function of u = ln T.
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(lowest);
  let b = Math.log(max);
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = nllAt(c);
  let fd = nllAt(d);
  for (let i = 0; i < iterations; i++) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = nllAt(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = nllAt(d);
    }
  }
  // The best point seen at the end of the bracket, or an end of the range when the minimum lies there.
  const candidates: [number, number][] = [
    [c, fc],
    [d, fd],
    [Math.log(lowest), nllAt(Math.log(lowest))],
    [Math.log(max), nllAt(Math.log(max))],
  ];
  let [bestU, bestNll] = candidates[0] as [number, number];
  for (const [u, f] of candidates) if (f < bestNll) [bestU, bestNll] = [u, f];
  // Keep T = 1 unless the fit is really better (not a rounding-level difference on a flat curve).
  if (!(bestNll < nllBefore - 1e-12 * Math.max(1, nllBefore))) return { temperature: 1, nllBefore, nllAfter: nllBefore, n: logits.length };
  return { temperature: Math.exp(bestU), nllBefore, nllAfter: bestNll, n: logits.length };
}

function checkTemperature(fn: string, temperature: number): void {
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || !(temperature > 0)) {
    throw new RangeError(`${fn}: temperature must be a finite number > 0, got ${String(temperature)}.`);
  }
}

function checkLogits(fn: string, logits: ArrayLike<number>, labels: ArrayLike<number>): { positives: number; negatives: number } {
  if (logits == null || typeof logits.length !== 'number') throw new TypeError(`${fn}: logits must be an array of numbers, got ${String(logits)}.`);
  if (labels == null || typeof labels.length !== 'number') throw new TypeError(`${fn}: labels must be an array of 0/1 values, got ${String(labels)}.`);
  if (logits.length !== labels.length) throw new RangeError(`${fn}: logits has ${logits.length} values but labels has ${labels.length}; they must pair up one to one.`);
  let positives = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i];
    if (typeof z !== 'number' || !Number.isFinite(z)) throw new RangeError(`${fn}: logits[${i}] is ${String(z)}; logits must be finite numbers.`);
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new RangeError(`${fn}: labels[${i}] is ${String(y)}; labels must be 0 (NORMAL) or 1 (PNEUMONIA).`);
    positives += y;
  }
  return { positives, negatives: logits.length - positives };
}
