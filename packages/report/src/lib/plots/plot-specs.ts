import type { TrainEvent } from '@cxr/model';
import type { Config, TopLevelSpec } from 'vega-lite';
import type { Calibration, Confusion, MaybeNumber, OperatingPoint, PrCurve, RocCurve, AucInterval } from '@cxr/eval';
import { PLOT_FONT } from './render-plot.js';

/** Class names in label order: `[negative, positive]`. */
export type ClassNames = readonly [string, string];

/** NORMAL (0) and PNEUMONIA (1). */
export const DEFAULT_CLASS_NAMES: ClassNames = ['NORMAL', 'PNEUMONIA'];

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

const CONFIG: Config = {
  font: PLOT_FONT,
  title: { fontSize: 15, anchor: 'start', subtitleFontSize: 12, subtitleColor: '#444' },
  axis: { labelFontSize: 12, titleFontSize: 13, grid: true },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom', direction: 'vertical', labelLimit: 420 },
  view: { stroke: '#999' },
};

function fmt(x: MaybeNumber, digits = 3): string {
  return x === null ? 'n/a' : x.toFixed(digits);
}

function withSplit(title: string, split: string | undefined): string {
  return split === undefined ? title : `${title} (${split})`;
}

/**
 * The confusion matrix as a heatmap: actual class down, predicted class across, each cell with
 * its count and its share of the actual class.
 *
 * @example
 * ```ts
 * await renderPlot(confusionMatrixSpec(report.confusion, { split: 'test' }));
 * ```
 */
export function confusionMatrixSpec(confusion: Confusion, options: { readonly classNames?: ClassNames; readonly split?: string } = {}): TopLevelSpec {
  const [neg, pos] = options.classNames ?? DEFAULT_CLASS_NAMES;
  const cells = [
    { actual: pos, predicted: pos, count: confusion.tp, kind: 'TP' },
    { actual: pos, predicted: neg, count: confusion.fn, kind: 'FN' },
    { actual: neg, predicted: pos, count: confusion.fp, kind: 'FP' },
    { actual: neg, predicted: neg, count: confusion.tn, kind: 'TN' },
  ];
  const rowTotal = (actual: string): number => cells.filter((c) => c.actual === actual).reduce((s, c) => s + c.count, 0);
  const max = Math.max(1, ...cells.map((c) => c.count));
  const values = cells.map((c) => {
    const total = rowTotal(c.actual);
    const share = total === 0 ? 'n/a' : `${((100 * c.count) / total).toFixed(1)}%`;
    return { ...c, label: `${c.kind}: ${c.count}`, share: `${share} of ${c.actual}`, dark: c.count > max / 2 };
  });
  const order = [neg, pos];
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: { text: withSplit('Confusion matrix', options.split), subtitle: `called ${pos} when probability >= ${confusion.threshold.toFixed(3)}` },
    width: 300,
    height: 300,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'Predicted class', axis: { labelAngle: 0, grid: false, ticks: false } },
      y: { field: 'actual', type: 'nominal', sort: order, title: 'Actual class', axis: { grid: false, ticks: false } },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'count', type: 'quantitative', title: 'Images', scale: { scheme: 'blues', domainMin: 0 }, legend: { orient: 'right', direction: 'vertical' } },
        },
      },
      {
        mark: { type: 'text', fontSize: 18, fontWeight: 'bold', dy: -9 },
        encoding: { text: { field: 'label' }, color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' } },
      },
      {
        mark: { type: 'text', fontSize: 12, dy: 12 },
        encoding: { text: { field: 'share' }, color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' } },
      },
    ],
  };
}

function ciText(ci: AucInterval | null): string {
  return ci === null ? '' : `, ${Math.round(ci.level * 100)}% CI ${ci.lower.toFixed(3)}-${ci.upper.toFixed(3)}`;
}

/**
 * The ROC curve with its AUC (and confidence interval) in the title and legend, the chance
 * diagonal, and each operating point (e.g. 0.5, 0.75, chosen) marked and named in the legend.
 *
 * @example
 * ```ts
 * rocCurveSpec(report.roc, { aucCi: report.aucCi, operatingPoints: report.operatingPoints, split: 'test' });
 * ```
 */
export function rocCurveSpec(
  roc: RocCurve,
  options: { readonly aucCi?: AucInterval | null; readonly operatingPoints?: readonly OperatingPoint[]; readonly split?: string } = {},
): TopLevelSpec {
  const curveName = `ROC (AUC ${fmt(roc.auc)}${ciText(options.aucCi ?? null)})`;
  const curve = roc.points.map((p, order) => ({ fpr: p.fpr, tpr: p.tpr, order, series: curveName }));
  const chanceName = 'chance (AUC 0.5)';
  const chance = [
    { fpr: 0, tpr: 0, order: 0, series: chanceName },
    { fpr: 1, tpr: 1, order: 1, series: chanceName },
  ];
  const points = (options.operatingPoints ?? [])
    .filter((op) => op.metrics.sensitivity !== null && op.metrics.specificity !== null)
    .map((op) => ({
      fpr: 1 - (op.metrics.specificity as number),
      tpr: op.metrics.sensitivity as number,
      point: `${op.name} (${op.threshold.toFixed(3)}): sens ${fmt(op.metrics.sensitivity, 2)}, spec ${fmt(op.metrics.specificity, 2)}`,
    }));
  const pointNames = points.map((p) => p.point);
  const x = { field: 'fpr', type: 'quantitative' as const, title: 'False positive rate (1 - specificity)', scale: { domain: [0, 1] } };
  const y = { field: 'tpr', type: 'quantitative' as const, title: 'True positive rate (sensitivity)', scale: { domain: [0, 1] } };
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: { text: withSplit('ROC curve', options.split), subtitle: roc.auc === null ? (roc.undefinedReason ?? 'AUC undefined') : `AUC ${fmt(roc.auc)}${ciText(options.aucCi ?? null)}` },
    width: 360,
    height: 360,
    layer: [
      {
        data: { values: [...chance, ...curve] },
        mark: { type: 'line', interpolate: 'linear' },
        encoding: {
          x,
          y,
          order: { field: 'order', type: 'quantitative' },
          color: { field: 'series', type: 'nominal', title: 'Curve', scale: { domain: [curveName, chanceName], range: ['#1f77b4', '#999999'] }, legend: { labelLimit: 600 } },
          strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { domain: [curveName, chanceName], range: [[1, 0], [4, 4]] } },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', size: 120, filled: true, stroke: 'black', strokeWidth: 1 },
        encoding: {
          x,
          y,
          shape: { field: 'point', type: 'nominal', title: 'Operating point', scale: { domain: pointNames }, legend: { labelLimit: 600 } },
          fill: { field: 'point', type: 'nominal', title: 'Operating point', scale: { domain: pointNames, range: ['#2ca02c', '#d62728', '#ff7f0e', '#9467bd', '#8c564b'] }, legend: { labelLimit: 600 } },
        },
      },
    ],
    resolve: { scale: { color: 'independent', shape: 'independent', fill: 'independent' } },
  };
}

/**
 * The precision-recall curve with its average precision, and the no-skill line (P / n).
 *
 * @example
 * ```ts
 * precisionRecallSpec(report.pr, { split: 'test' });
 * ```
 */
export function precisionRecallSpec(pr: PrCurve, options: { readonly split?: string } = {}): TopLevelSpec {
  const name = `PR (average precision ${fmt(pr.averagePrecision)})`;
  const values = pr.points.map((p, order) => ({ recall: p.recall, precision: p.precision, order, series: name }));
  const base = pr.baseline ?? 0;
  const noSkill = `no skill (precision ${fmt(pr.baseline)})`;
  values.push({ recall: 0, precision: base, order: 0, series: noSkill }, { recall: 1, precision: base, order: 1, series: noSkill });
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: { text: withSplit('Precision-recall curve', options.split), subtitle: pr.averagePrecision === null ? (pr.undefinedReason ?? '') : `average precision ${fmt(pr.averagePrecision)}` },
    width: 360,
    height: 360,
    data: { values },
    mark: { type: 'line', interpolate: 'step-before' },
    encoding: {
      x: { field: 'recall', type: 'quantitative', title: 'Recall (sensitivity)', scale: { domain: [0, 1] } },
      y: { field: 'precision', type: 'quantitative', title: 'Precision (PPV)', scale: { domain: [0, 1] } },
      order: { field: 'order', type: 'quantitative' },
      color: { field: 'series', type: 'nominal', title: 'Curve', sort: [name, noSkill], scale: { range: ['#1f77b4', '#999999'] } },
    },
  };
}

/**
 * The reliability diagram (mean predicted probability vs observed fraction of PNEUMONIA per bin,
 * against the diagonal of perfect calibration), above a histogram of how many images fall in each bin.
 *
 * @example
 * ```ts
 * calibrationSpec(report.calibration, { split: 'test' });
 * ```
 */
export function calibrationSpec(cal: Calibration, options: { readonly split?: string } = {}): TopLevelSpec {
  const model = 'model';
  const perfect = 'perfect calibration';
  const reliability = cal.bins
    .filter((b) => b.count > 0)
    .map((b) => ({ predicted: b.meanProbability, observed: b.fractionPositive, count: b.count, series: model }));
  const diagonal = [
    { predicted: 0, observed: 0, count: 0, series: perfect },
    { predicted: 1, observed: 1, count: 0, series: perfect },
  ];
  const hist = cal.bins.map((b) => ({ lower: b.lower, upper: b.upper, count: b.count }));
  const color = { field: 'series', type: 'nominal' as const, title: 'Series', sort: [model, perfect], scale: { domain: [model, perfect], range: ['#1f77b4', '#999999'] } };
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: { text: withSplit('Calibration', options.split), subtitle: `Brier score ${fmt(cal.brier)}, expected calibration error ${fmt(cal.ece)}` },
    vconcat: [
      {
        width: 360,
        height: 300,
        layer: [
          {
            data: { values: diagonal },
            mark: { type: 'line', strokeDash: [4, 4] },
            encoding: { x: { field: 'predicted', type: 'quantitative' }, y: { field: 'observed', type: 'quantitative' }, color },
          },
          {
            data: { values: reliability },
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'predicted', type: 'quantitative', title: 'Mean predicted probability of PNEUMONIA', scale: { domain: [0, 1] } },
              y: { field: 'observed', type: 'quantitative', title: 'Observed fraction of PNEUMONIA', scale: { domain: [0, 1] } },
              color,
            },
          },
        ],
      },
      {
        width: 360,
        height: 90,
        data: { values: hist },
        mark: { type: 'bar', color: '#6baed6' },
        encoding: {
          x: { field: 'lower', type: 'quantitative', bin: { binned: true, step: hist.length > 0 ? 1 / hist.length : 0.1 }, title: 'Predicted probability (bin)', scale: { domain: [0, 1] } },
          x2: { field: 'upper' },
          y: { field: 'count', type: 'quantitative', title: 'Images' },
        },
      },
    ],
  };
}

type EpochEvent = Extract<TrainEvent, { kind: 'epoch' }>;

/**
 * Training curves per epoch: training and validation loss on the left, validation AUC and
 * accuracy on the right. Only `kind: 'epoch'` events are used; other events are ignored.
 *
 * @example
 * ```ts
 * trainingCurvesSpec(events.filter((e) => e.kind === 'epoch'));
 * ```
 */
export function trainingCurvesSpec(events: readonly TrainEvent[]): TopLevelSpec {
  const epochs = events.filter((e): e is EpochEvent => e.kind === 'epoch');
  const loss: { epoch: number; value: number; series: string }[] = [];
  const quality: { epoch: number; value: number; series: string }[] = [];
  for (const e of epochs) {
    if (Number.isFinite(e.loss)) loss.push({ epoch: e.epoch, value: e.loss, series: 'training loss' });
    if (e.valLoss !== undefined && Number.isFinite(e.valLoss)) loss.push({ epoch: e.epoch, value: e.valLoss, series: 'validation loss' });
    if (e.valAuc !== undefined && Number.isFinite(e.valAuc)) quality.push({ epoch: e.epoch, value: e.valAuc, series: 'validation AUC' });
    if (e.valAccuracy !== undefined && Number.isFinite(e.valAccuracy)) quality.push({ epoch: e.epoch, value: e.valAccuracy, series: 'validation accuracy' });
  }
  const x = { field: 'epoch', type: 'quantitative' as const, title: 'Epoch', axis: { tickMinStep: 1, format: 'd' } };
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: { text: 'Training curves', subtitle: `${epochs.length} epoch${epochs.length === 1 ? '' : 's'}` },
    hconcat: [
      {
        title: 'Loss',
        width: 300,
        height: 240,
        data: { values: loss },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'Weighted binary cross-entropy', scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: 'Loss', scale: { domain: ['training loss', 'validation loss'], range: ['#1f77b4', '#ff7f0e'] } },
        },
      },
      {
        title: 'Validation quality',
        width: 300,
        height: 240,
        data: { values: quality },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'AUC / accuracy', scale: { domain: [0, 1] } },
          color: { field: 'series', type: 'nominal', title: 'Metric', scale: { domain: ['validation AUC', 'validation accuracy'], range: ['#2ca02c', '#9467bd'] } },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}
