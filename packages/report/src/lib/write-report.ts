import { join } from 'node:path';
import { writeFileAtomic } from '@cxr/loader';
import { reportPage, type EmbeddedPlot } from './internal/report-html.js';
import { checkSectionFiles, writeSectionFiles } from './internal/write-section-files.js';
import { calibrationSpec, confusionMatrixSpec, precisionRecallSpec, rocCurveSpec, trainingCurvesSpec } from './plots/plot-specs.js';
import { renderPlot } from './plots/render-plot.js';
import type { ReportData, ReportFiles } from './report-types.js';
import type { EvaluationReport } from '@cxr/eval';
import type { TopLevelSpec } from 'vega-lite';

/** Version of the report.json layout; bumped on any breaking change. */
export const REPORT_SCHEMA_VERSION = 1;

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'split';
}

/** The report.json entry of one split: every figure, the curves as point lists, and the predictions. */
function splitJson(r: EvaluationReport, note: string | undefined): Record<string, unknown> {
  return {
    ...(note === undefined ? {} : { note }),
    n: r.n,
    positives: r.positives,
    negatives: r.negatives,
    unlabeled: r.unlabeled,
    threshold: r.threshold,
    auc: r.auc,
    aucCi: r.aucCi,
    averagePrecision: r.averagePrecision,
    brier: r.brier,
    ece: r.ece,
    eceBins: r.eceBins,
    temperature: r.temperature,
    uncalibrated: r.uncalibrated,
    confusion: r.confusion,
    metrics: r.metrics,
    operatingPoints: r.operatingPoints,
    undefinedReasons: r.undefinedReasons,
    roc: r.roc.points,
    pr: r.pr.points,
    calibrationBins: r.calibration.bins,
    predictions: r.predictions,
  };
}

/**
 * The content of report.json (see {@link writeReport} for its layout). Non-finite numbers
 * (the `Infinity` threshold at the start of each curve) become `null` in JSON.
 */
export function reportJson(data: ReportData, extra: { generatedAt: string; plots: Readonly<Record<string, string>>; cams: readonly Record<string, unknown>[] }): Record<string, unknown> {
  const splits: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(data.splits)) splits[name] = splitJson(r, data.splitNotes?.[name]);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: data.title ?? 'cxr evaluation report',
    generatedAt: extra.generatedAt,
    threshold: data.threshold.threshold,
    thresholdChoice: data.threshold,
    calibration: data.calibration ?? null,
    classNames: data.classNames ?? ['NORMAL', 'PNEUMONIA'],
    splits,
    training: (data.training ?? []).filter((e) => e.kind !== 'step'),
    run: data.run ?? {},
    audit: data.audit ?? null,
    cams: extra.cams,
    plots: extra.plots,
    sections: (data.sections ?? []).map((s) => ({ id: s.id, title: s.title, files: s.files.map((f) => `plots/${f.name}`) })),
  };
}

function checkData(data: ReportData): void {
  if (data == null || typeof data !== 'object') throw new TypeError('writeReport: data must be an object with threshold and splits.');
  if (data.threshold == null || typeof data.threshold.threshold !== 'number' || !Number.isFinite(data.threshold.threshold)) {
    throw new TypeError('writeReport: data.threshold must hold a finite threshold (from chooseThreshold, or { threshold, method: "fixed" }).');
  }
  if (data.splits == null || typeof data.splits !== 'object') throw new TypeError('writeReport: data.splits must map split names to evaluation reports.');
  checkSectionFiles('writeReport', data.sections ?? []);
}

/**
 * Writes a report into `dir`: `report.html` (one self-contained page: plots as inline SVG, Grad-CAM
 * images as inline PNG, tables, threshold and its rule, calibration, data audit, run facts), `report.json` and `plots/`
 * (each plot as SVG and PNG, each Grad-CAM overlay and each extra section's files as PNG).
 *
 * Every file is written to a temporary name and renamed into place, the two report files last,
 * so an interrupted write never leaves a half-written report. All text is HTML-escaped.
 *
 * report.json layout (schemaVersion 1):
 * - `threshold`: the operating threshold (number); `thresholdChoice`: how it was set;
 *   `calibration`: {method, temperature, fittedOn, valNllBefore, valNllAfter} or null.
 * - `splits.<name>.auc` (number, or `null` when undefined), `.aucCi` ({lower, upper, level, method,
 *   standardError} or null), `.averagePrecision`, `.brier`, `.ece` (over `.eceBins` bins), `.temperature`
 *   (or null), `.uncalibrated` ({brier, ece} of the raw probabilities, or null), `.note` (when given),
 *   `.confusion` ({threshold, tp, fp, tn, fn}),
 *   `.metrics` ({accuracy, sensitivity, specificity, precision, npv, f1, undefinedReasons}),
 *   `.operatingPoints` (`default 0.5`, `notebook 0.75`, `chosen`), `.undefinedReasons`, `.roc`, `.pr`,
 *   `.calibrationBins`, `.predictions`. So `report.splits.test.auc` and `report.threshold`.
 * - `training` (epoch events), `run`, `audit`, `cams` ({id, outcome, probability, label, split, file:
 *   `plots/cam-<split>-<outcome>-<k>.png`}),
 *   `plots` (name -> `plots/<name>.svg`), `sections`.
 *
 * @example
 * ```ts
 * await writeReport('runs/2024-01-01', { threshold: choice, splits: { val, test }, training, audit, run, cams });
 * ```
 * @throws TypeError/RangeError for malformed data; file-system errors as they come.
 */
export async function writeReport(dir: string, data: ReportData): Promise<ReportFiles> {
  checkData(data);
  const generatedAt = new Date().toISOString();
  const plotsDir = join(dir, 'plots');
  const written: string[] = [];
  const plotIndex: Record<string, string> = {};
  const render = async (name: string, title: string, spec: TopLevelSpec): Promise<EmbeddedPlot> => {
    const plot = await renderPlot(spec);
    await writeFileAtomic(join(plotsDir, `${name}.svg`), plot.svg);
    await writeFileAtomic(join(plotsDir, `${name}.png`), plot.png);
    written.push(join(plotsDir, `${name}.svg`), join(plotsDir, `${name}.png`));
    plotIndex[name] = `plots/${name}.svg`;
    return { name, title, svg: plot.svg, width: plot.width, height: plot.height };
  };
  const splitPlots = new Map<string, EmbeddedPlot[]>();
  for (const [split, r] of Object.entries(data.splits)) {
    const s = slug(split);
    splitPlots.set(split, [
      await render(`confusion-${s}`, `Confusion matrix (${split})`, confusionMatrixSpec(r.confusion, { split, ...(data.classNames ? { classNames: data.classNames } : {}) })),
      await render(`roc-${s}`, `ROC curve (${split})`, rocCurveSpec(r.roc, { aucCi: r.aucCi, operatingPoints: r.operatingPoints, split })),
      await render(`pr-${s}`, `Precision-recall curve (${split})`, precisionRecallSpec(r.pr, { split })),
      await render(`calibration-${s}`, `Calibration (${split})`, calibrationSpec(r.calibration, { split })),
    ]);
  }
  const hasEpochs = (data.training ?? []).some((e) => e.kind === 'epoch');
  const training = hasEpochs ? await render('training-curves', 'Training curves', trainingCurvesSpec(data.training ?? [])) : undefined;
  const cams: Record<string, unknown>[] = [];
  const perOutcome = new Map<string, number>();
  for (const c of data.cams ?? []) {
    const key = `${slug(c.split ?? 'test')}-${c.outcome.toLowerCase()}`;
    const k = (perOutcome.get(key) ?? 0) + 1;
    perOutcome.set(key, k);
    const file = `cam-${key}-${k}.png`;
    await writeFileAtomic(join(plotsDir, file), c.png);
    written.push(join(plotsDir, file));
    cams.push({ id: c.id, outcome: c.outcome, probability: c.probability, label: c.label, split: c.split ?? 'test', layerName: c.layerName ?? null, file: `plots/${file}` });
  }
  written.push(...(await writeSectionFiles('writeReport', plotsDir, data.sections ?? [])));
  const json = reportJson(data, { generatedAt, plots: plotIndex, cams });
  const jsonPath = join(dir, 'report.json');
  const htmlPath = join(dir, 'report.html');
  await writeFileAtomic(jsonPath, `${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  await writeFileAtomic(htmlPath, reportPage(data, { splitPlots, ...(training ? { training } : {}), generatedAt }));
  return { html: htmlPath, json: jsonPath, plots: written };
}
