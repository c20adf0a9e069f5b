export const PACKAGE_NAME = '@cxr/eval';

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
// Plots
export { PLOT_FONT, renderPlot, renderSvg, svgToPng, type RenderedPlot } from './lib/plots/render-plot.js';
export {
  DEFAULT_CLASS_NAMES,
  calibrationSpec,
  confusionMatrixSpec,
  precisionRecallSpec,
  rocCurveSpec,
  trainingCurvesSpec,
  type ClassNames,
} from './lib/plots/plot-specs.js';
// Grad-CAM
export { gradCam, lastFeatureMapLayer, type CamImage, type GradCamOptions, type GradCamResult, type Heatmap } from './lib/grad-cam.js';
export { colourScaleHeight, gradCamOverlayPng, type OverlayOptions } from './lib/grad-cam-overlay-png.js';
export { heatColour, jet, upsampleBilinear } from './lib/heatmap-colours.js';
export { OUTCOMES, outcomeOf, pickOutcomeExamples, type Outcome, type OutcomeExample } from './lib/pick-outcome-examples.js';
export { camExamples, type CamExamplesOptions } from './lib/cam-examples.js';
// Data views: audit page, pixel histograms, augmentation grid
export type { DataViewFile, DataViewSection } from './lib/data-views/types.js';
export { auditSection, type AuditSectionExtras, type AuditSectionOptions } from './lib/data-views/audit-section.js';
export { writeAuditReport, type AuditReportResult, type WriteAuditReportOptions } from './lib/data-views/write-audit-report.js';
export { pixelHistogramSection, type PixelHistogramOptions, type PixelHistogramStats } from './lib/data-views/pixel-histogram-section.js';
export { augmentationGridSection, type AugmentationDraw, type AugmentationGridOptions } from './lib/data-views/augmentation-grid-section.js';
export { writeSectionFiles } from './lib/data-views/write-section-files.js';
// Report
export type { CamExample, ReportCalibration, ReportData, ReportFiles, ReportSection, ReportThreshold, RunInfo } from './lib/report-types.js';
export { REPORT_SCHEMA_VERSION, reportJson, writeReport } from './lib/write-report.js';
