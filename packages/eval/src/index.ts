// Metrics, threshold choice, evaluation
export type {
  AucInterval,
  BinaryMetrics,
  Calibration,
  CalibrationBin,
  CalibrationFigures,
  Confusion,
  EvaluationReport,
  LabelledPrediction,
  MaybeNumber,
  MetricName,
  OperatingPoint,
  PrCurve,
  PrPoint,
  RocCurve,
  RocPoint,
  ThresholdChoice,
  ThresholdMethod,
} from './lib/types.js';
export { confusionAt } from './lib/confusion-at.js';
export { accuracy, binaryMetrics, f1, npv, precision, sensitivity, specificity } from './lib/binary-metrics.js';
export { auc, rocCurve } from './lib/roc-curve.js';
export { averagePrecision, precisionRecallCurve } from './lib/precision-recall-curve.js';
export { aucConfidenceInterval, type AucConfidenceIntervalOptions, type AucIntervalResult } from './lib/auc-confidence-interval.js';
export { calibration, type CalibrationOptions } from './lib/calibration.js';
export { DEFAULT_ECE_BINS, expectedCalibrationError, type ExpectedCalibrationErrorOptions } from './lib/expected-calibration-error.js';
export { binaryNll, FIT_TEMPERATURE_DEFAULTS, fitTemperature, temperatureScale, type FitTemperatureOptions, type TemperatureFit } from './lib/fit-temperature.js';
export { chooseThreshold } from './lib/choose-threshold.js';
export { describeThresholdRule, formatThresholdRule, parseThresholdRule } from './lib/threshold-rule.js';
export { DEFAULT_COMPARISON_THRESHOLDS, evaluate, evaluatePredictions, type EvaluateOptions, type NamedThreshold } from './lib/evaluate.js';
export { OUTCOMES, outcomeOf, pickOutcomeExamples, type Outcome, type OutcomeExample } from './lib/pick-outcome-examples.js';
