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
export { camExamples, type CamExamplesOptions } from './lib/cam-examples.js';
// Data views: audit page, pixel histograms, augmentation grid
export { auditSection, type AuditSectionExtras, type AuditSectionOptions } from './lib/data-views/audit-section.js';
export { writeAuditReport, type AuditReportResult, type WriteAuditReportOptions } from './lib/data-views/write-audit-report.js';
export { pixelHistogramSection, type PixelHistogramOptions, type PixelHistogramStats } from './lib/data-views/pixel-histogram-section.js';
export { augmentationGridSection, type AugmentationDraw, type AugmentationGridOptions } from './lib/data-views/augmentation-grid-section.js';
export { noteSection } from './lib/data-views/note-section.js';
export { trainingDataSections, type TrainingDataSectionsOptions } from './lib/data-views/training-data-sections.js';
// Report
export type { CamExample, ReportCalibration, ReportData, ReportFile, ReportFiles, ReportSection, ReportThreshold, RunInfo } from './lib/report-types.js';
export { REPORT_SCHEMA_VERSION, reportJson, writeReport } from './lib/write-report.js';
