import type { Prediction } from '@cxr/model';
import { type OperatorFunction, map, toArray, pipe } from 'rxjs';
import { aucConfidenceInterval } from './auc-confidence-interval.js';
import { binaryMetrics } from './binary-metrics.js';
import { calibration } from './calibration.js';
import { countAt } from './confusion-at.js';
import { DEFAULT_ECE_BINS, expectedCalibrationError } from './expected-calibration-error.js';
import { temperatureScale } from './fit-temperature.js';
import { checkScores } from './internal/check-scores.js';
import { precisionRecallCurve } from './precision-recall-curve.js';
import { rocCurve } from './roc-curve.js';
import type { EvaluationReport, LabelledPrediction, OperatingPoint } from './types.js';

/** A named threshold to report metrics at. */
export interface NamedThreshold {
  readonly name: string;
  readonly threshold: number;
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The operating threshold, chosen on validation (see `chooseThreshold`). Required, in [0, 1]. */
  readonly threshold: number;
  /** Name of the split, copied into the report. Default `undefined`. */
  readonly split?: string;
  /**
   * Further thresholds to report metrics at, before the chosen one.
   * Default {@link DEFAULT_COMPARISON_THRESHOLDS}: `default 0.5` and `notebook 0.75` (the fixed threshold of the original Keras notebook).
   */
  readonly compareAt?: readonly NamedThreshold[];
  /** Reliability bins for calibration, integer in [1, 1000]. Default 10. */
  readonly calibrationBins?: number;
  /** Coverage of the AUC confidence interval, in (0, 1). Default 0.95. */
  readonly ciLevel?: number;
  /** Equal-width bins of the expected calibration error, integer in [1, 1000]. Default {@link DEFAULT_ECE_BINS} (15). */
  readonly eceBins?: number;
  /**
   * A calibration temperature (> 0, e.g. from `fitTemperature` on validation). When given, every
   * labelled prediction must carry its `logit`, its probability is taken as `sigmoid(logit / temperature)`
   * (its `probability` field is ignored), and the report's `uncalibrated` holds the Brier score and
   * ECE of `sigmoid(logit)`. Default: none (probabilities used as given).
   */
  readonly temperature?: number;
}

/** The thresholds every report compares: the textbook 0.5 and the fixed 0.75 of the original Keras notebook. */
export const DEFAULT_COMPARISON_THRESHOLDS: readonly NamedThreshold[] = Object.freeze([
  { name: 'default 0.5', threshold: 0.5 },
  { name: 'notebook 0.75', threshold: 0.75 },
]);

interface ResolvedOptions {
  readonly threshold: number;
  readonly split: string | undefined;
  readonly compareAt: readonly NamedThreshold[];
  readonly calibrationBins: number;
  readonly ciLevel: number;
  readonly eceBins: number;
  readonly temperature: number | undefined;
}

function inUnit(x: unknown): x is number {
  return typeof x === 'number' && x >= 0 && x <= 1;
}

function resolve(options: EvaluateOptions): ResolvedOptions {
  if (options == null || typeof options !== 'object') throw new TypeError(`evaluate: options must be an object with a threshold, got ${String(options)}.`);
  if (!inUnit(options.threshold)) throw new RangeError(`evaluate: threshold must be a number in [0, 1], got ${String(options.threshold)}.`);
  const compareAt = options.compareAt ?? DEFAULT_COMPARISON_THRESHOLDS;
  if (!Array.isArray(compareAt)) throw new TypeError(`evaluate: compareAt must be an array of { name, threshold }, got ${String(compareAt)}.`);
  for (const t of compareAt as readonly NamedThreshold[]) {
    if (typeof t?.name !== 'string' || !inUnit(t.threshold)) {
      throw new RangeError(`evaluate: compareAt entries need a name and a threshold in [0, 1], got ${JSON.stringify(t)}.`);
    }
  }
  const calibrationBins = options.calibrationBins ?? 10;
  if (!Number.isInteger(calibrationBins) || calibrationBins < 1 || calibrationBins > 1000) {
    throw new RangeError(`evaluate: calibrationBins must be an integer in [1, 1000], got ${String(calibrationBins)}.`);
  }
  const ciLevel = options.ciLevel ?? 0.95;
  if (typeof ciLevel !== 'number' || !(ciLevel > 0 && ciLevel < 1)) throw new RangeError(`evaluate: ciLevel must be in (0, 1), got ${String(ciLevel)}.`);
  const eceBins = options.eceBins ?? DEFAULT_ECE_BINS;
  if (!Number.isInteger(eceBins) || eceBins < 1 || eceBins > 1000) throw new RangeError(`evaluate: eceBins must be an integer in [1, 1000], got ${String(eceBins)}.`);
  const temperature = options.temperature;
  if (temperature !== undefined && (typeof temperature !== 'number' || !Number.isFinite(temperature) || !(temperature > 0))) {
    throw new RangeError(`evaluate: temperature must be a finite number > 0, got ${String(temperature)}.`);
  }
  return { threshold: options.threshold, split: options.split, compareAt, calibrationBins, ciLevel, eceBins, temperature };
}

/**
 * Computes every metric of one split from a finished list of predictions (the pure core of {@link evaluate}).
 *
 * @throws RangeError when a probability is not a finite number in [0, 1], or, with a `temperature`,
 *   when a labelled prediction has no finite `logit`.
 */
export function evaluatePredictions(predictions: readonly Prediction[], options: EvaluateOptions): EvaluationReport {
  const o = resolve(options);
  const labelled: LabelledPrediction[] = [];
  const raw: number[] = [];
  for (const p of predictions) {
    if (p.label !== 0 && p.label !== 1) continue;
    const logit = p.logit;
    if (o.temperature === undefined) {
      labelled.push(typeof logit === 'number' ? { id: p.id, probability: p.probability, label: p.label, logit } : { id: p.id, probability: p.probability, label: p.label });
      continue;
    }
    if (typeof logit !== 'number' || !Number.isFinite(logit)) {
      throw new RangeError(`evaluate: the prediction for ${p.id} has no finite logit (${String(logit)}); a temperature needs every prediction's logit.`);
    }
    labelled.push({ id: p.id, probability: temperatureScale(logit, o.temperature), label: p.label, logit });
    raw.push(temperatureScale(logit, 1));
  }
  const probs = Float64Array.from(labelled, (p) => p.probability);
  const labels = Uint8Array.from(labelled, (p) => p.label);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (!Number.isFinite(p) || p < 0 || p > 1) {
      throw new RangeError(`evaluate: the prediction for ${labelled[i]?.id} has probability ${p}; it must be a finite number in [0, 1].`);
    }
  }
  const { positives, negatives } = checkScores('evaluate', probs, labels);
  const roc = rocCurve(probs, labels);
  const pr = precisionRecallCurve(probs, labels);
  const cal = calibration(probs, labels, { bins: o.calibrationBins });
  const ci = aucConfidenceInterval(probs, labels, { level: o.ciLevel });
  const ece = expectedCalibrationError(probs, labels, { bins: o.eceBins });
  const uncalibrated = o.temperature === undefined ? null : { brier: calibration(raw, labels, { bins: 1 }).brier, ece: expectedCalibrationError(raw, labels, { bins: o.eceBins }) };
  const undefinedReasons: Record<string, string> = {};
  if (roc.undefinedReason !== undefined) undefinedReasons['auc'] = roc.undefinedReason;
  if (ci.undefinedReason !== undefined) undefinedReasons['aucCi'] = ci.undefinedReason;
  if (pr.undefinedReason !== undefined) undefinedReasons['averagePrecision'] = pr.undefinedReason;
  if (cal.undefinedReason !== undefined) undefinedReasons['brier'] = cal.undefinedReason;
  const at = (name: string, threshold: number): OperatingPoint => {
    const confusion = countAt(probs, labels, threshold);
    return { name, threshold, confusion, metrics: binaryMetrics(confusion) };
  };
  const chosen = at('chosen', o.threshold);
  return {
    split: o.split,
    n: labelled.length,
    positives,
    negatives,
    unlabeled: predictions.length - labelled.length,
    threshold: o.threshold,
    auc: roc.auc,
    aucCi: ci.interval,
    averagePrecision: pr.averagePrecision,
    brier: cal.brier,
    ece,
    eceBins: o.eceBins,
    temperature: o.temperature ?? null,
    uncalibrated,
    confusion: chosen.confusion,
    metrics: chosen.metrics,
    operatingPoints: [...o.compareAt.map((t) => at(t.name, t.threshold)), chosen],
    roc,
    pr,
    calibration: cal,
    undefinedReasons,
    predictions: labelled,
  };
}

/**
 * Evaluates a stream of predictions: collects them, then emits one report when the stream completes.
 *
 * The report holds the confusion matrix and metrics at the operating `threshold` (chosen on
 * validation) and at the comparison thresholds (0.5 and the original Keras notebook's 0.75 by default), the ROC
 * curve with its exact AUC and DeLong 95% interval, the precision-recall curve with average
 * precision, and calibration (reliability bins, Brier score, expected calibration error over 15
 * bins). With a `temperature`, probabilities are `sigmoid(logit / temperature)` and the raw
 * probabilities' Brier score and ECE are kept in `uncalibrated`. Predictions without a label are
 * counted in `unlabeled` and left out. Figures that a one-class split cannot define are `null`,
 * with the reason in `undefinedReasons` (or `metrics.undefinedReasons`). Each subscription
 * collects on its own.
 *
 * @example
 * ```ts
 * const report = await lastValueFrom(predictions$.pipe(evaluate({ threshold: choice.threshold, split: 'test' })));
 * report.auc; report.metrics.sensitivity; report.operatingPoints;
 * ```
 * @param options - `threshold` (required, in [0, 1]); `split`; `compareAt` (default 0.5 and 0.75);
 *   `calibrationBins` (reliability diagram, default 10); `ciLevel` (default 0.95); `eceBins`
 *   (default 15); `temperature` (default none).
 * @throws RangeError/TypeError at creation for invalid options; RangeError in the stream for a
 *   probability outside [0, 1].
 */
export function evaluate(options: EvaluateOptions): OperatorFunction<Prediction, EvaluationReport> {
  resolve(options); // invalid options throw here, at creation
  return pipe(
    toArray(),
    map((predictions) => evaluatePredictions(predictions, options)),
  );
}
