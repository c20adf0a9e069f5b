import type { ReportCalibration, ReportData, ReportThreshold, RunInfo, CamExample, ReportSection } from '../report-types.js';
import type { ClassNames } from '../plots/plot-specs.js';
import type { EvaluationReport, MaybeNumber, OperatingPoint } from '@cxr/eval';
import { describeThresholdRule, OUTCOMES, type Outcome } from '@cxr/eval';
import { dataImg, escapeHtml, figure, kvTable, renderValue, section, table } from './html.js';

/** A rendered plot ready to embed. */
export interface EmbeddedPlot {
  readonly name: string;
  readonly title: string;
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

const CSS = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 0 auto; max-width: 1180px; padding: 1.5rem; color: #1b1b1b; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem; } h3 { margin-top: 1.4rem; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; padding: 0; list-style: none; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: 0.6rem 1rem; min-width: 10rem; background: #f8f9fb; }
.card .value { font-size: 1.6rem; font-weight: bold; } .card .label { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #d6d6d6; padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
thead th { background: #eef1f5; } table.kv th { background: #f6f6f6; font-weight: normal; color: #333; }
td { font-variant-numeric: tabular-nums; }
.muted { color: #777; } .undef { color: #a34; font-style: italic; }
.plots, .gallery { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: flex-start; }
figure { margin: 0; } figcaption { font-size: 0.85rem; color: #444; max-width: 420px; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; } img.cam { width: 224px; height: 224px; image-rendering: auto; border: 1px solid #ccc; }
.note { background: #fff8e6; border-left: 4px solid #e0a800; padding: 0.4rem 0.8rem; }
`;

/** A number to show: 3 decimals, or an "undefined" marker whose tooltip holds the reason. */
export function num(x: MaybeNumber | undefined, reason?: string, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return `<span class="undef" title="${escapeHtml(reason ?? 'undefined')}">undefined</span>`;
  return escapeHtml(x.toFixed(digits));
}

function ciText(r: EvaluationReport): string {
  if (r.aucCi === null) return `<span class="undef" title="${escapeHtml(r.undefinedReasons['aucCi'] ?? '')}">no CI</span>`;
  return `${Math.round(r.aucCi.level * 100)}% CI ${escapeHtml(r.aucCi.lower.toFixed(3))}-${escapeHtml(r.aucCi.upper.toFixed(3))}`;
}

function card(label: string, valueHtml: string, detail = ''): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${valueHtml}</div>${detail ? `<div class="muted">${detail}</div>` : ''}</div>`;
}

/** The threshold rule in plain words, e.g. "chosen on validation as the most specific point that keeps sensitivity >= 95%". */
export function thresholdRuleText(t: ReportThreshold): string {
  if (t.method === 'fixed') return `fixed at ${t.threshold.toFixed(4)}${t.source ? ` (from ${t.source})` : ''}`;
  const on = (t.chosenOn ?? 'val') === 'val' ? 'validation' : `the ${t.chosenOn} split`;
  return describeThresholdRule(t.method === 'sensitivity' ? { method: 'sensitivity', target: t.target ?? 1 } : { method: 'youden' }, on);
}

function thresholdLine(t: ReportThreshold): string {
  if (t.method === 'fixed') return escapeHtml(thresholdRuleText(t));
  return `${escapeHtml(t.threshold.toFixed(4))}, ${escapeHtml(thresholdRuleText(t))} (${escapeHtml(t.n)} images)`;
}

/** True for the splits that get headline cards: `test` and the external sets. */
function isHeadline(name: string): boolean {
  return name === 'test' || name.startsWith('external');
}

/** The headline cards: test (or last split) AUC, threshold, sensitivity and specificity there. */
export function summaryCards(data: ReportData): string {
  const names = Object.keys(data.splits);
  const headline = names.filter(isHeadline);
  const shown = headline.length > 0 ? headline : names.slice(-1);
  const cards: string[] = [];
  for (const [i, main] of shown.entries()) {
    const r = data.splits[main] as EvaluationReport;
    cards.push(card(`AUC (${main})`, num(r.auc, r.undefinedReasons['auc']), ciText(r)));
    if (i === 0) cards.push(card('Operating threshold', escapeHtml(data.threshold.threshold.toFixed(3)), escapeHtml(data.threshold.method)));
    cards.push(card(`Sensitivity (${main})`, num(r.metrics.sensitivity, r.metrics.undefinedReasons.sensitivity), 'recall of PNEUMONIA at the threshold'));
    cards.push(card(`Specificity (${main})`, num(r.metrics.specificity, r.metrics.undefinedReasons.specificity), 'recall of NORMAL at the threshold'));
  }
  if (shown.length === 0) cards.push(card('Operating threshold', escapeHtml(data.threshold.threshold.toFixed(3)), escapeHtml(data.threshold.method)));
  return `<div class="cards">${cards.join('')}</div>`;
}

/** One row per split: sizes, threshold-free figures, and metrics at the operating threshold. */
export function splitsTable(splits: ReportData['splits']): string {
  const rows = Object.entries(splits).map(([name, r]) => [
    escapeHtml(name),
    escapeHtml(r.n),
    escapeHtml(r.positives),
    escapeHtml(r.negatives),
    `${num(r.auc, r.undefinedReasons['auc'])} <span class="muted">(${ciText(r)})</span>`,
    num(r.averagePrecision, r.undefinedReasons['averagePrecision']),
    num(r.brier, r.undefinedReasons['brier']),
    num(r.ece, r.undefinedReasons['brier']),
    num(r.metrics.accuracy, r.metrics.undefinedReasons.accuracy),
    num(r.metrics.sensitivity, r.metrics.undefinedReasons.sensitivity),
    num(r.metrics.specificity, r.metrics.undefinedReasons.specificity),
    num(r.metrics.f1, r.metrics.undefinedReasons.f1),
  ]);
  return table(['split', 'images', 'PNEUMONIA', 'NORMAL', 'AUC', 'avg precision', 'Brier', 'ECE', 'accuracy', 'sensitivity', 'specificity', 'F1'], rows);
}

/** Metrics at each operating point (0.5, 0.75, chosen) with the four counts. */
export function operatingPointsTable(points: readonly OperatingPoint[]): string {
  const rows = points.map((p) => {
    const m = p.metrics;
    const r = m.undefinedReasons;
    return [
      escapeHtml(p.name),
      escapeHtml(p.threshold.toFixed(4)),
      escapeHtml(p.confusion.tp),
      escapeHtml(p.confusion.fp),
      escapeHtml(p.confusion.tn),
      escapeHtml(p.confusion.fn),
      num(m.accuracy, r.accuracy),
      num(m.sensitivity, r.sensitivity),
      num(m.specificity, r.specificity),
      num(m.precision, r.precision),
      num(m.npv, r.npv),
      num(m.f1, r.f1),
    ];
  });
  return table(['threshold', 'value', 'TP', 'FP', 'TN', 'FN', 'accuracy', 'sensitivity', 'specificity', 'precision', 'NPV', 'F1'], rows);
}

/** Every reason a figure of this split is undefined, as a list (empty string when none). */
export function undefinedNotes(r: EvaluationReport): string {
  const reasons = new Set<string>([...Object.values(r.undefinedReasons), ...r.operatingPoints.flatMap((p) => Object.values(p.metrics.undefinedReasons))]);
  if (reasons.size === 0) return '';
  return `<div class="note"><p>Some figures are undefined for this split:</p><ul>${[...reasons].map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul></div>`;
}

/** Plots as inline SVG images, side by side. */
export function plotRow(plots: readonly EmbeddedPlot[]): string {
  return `<div class="plots">${plots.map((p) => figure(dataImg(p.svg, 'image/svg+xml', p.title, p), p.title)).join('')}</div>`;
}

/** One split: its note, plots, operating points and notes on undefined figures. */
export function splitSection(name: string, r: EvaluationReport, plots: readonly EmbeddedPlot[], note?: string): string {
  const lead = note === undefined ? '' : `<p class="note">${escapeHtml(note)}</p>`;
  const intro = `<p>${escapeHtml(r.n)} labelled images (${escapeHtml(r.positives)} PNEUMONIA, ${escapeHtml(r.negatives)} NORMAL)${r.unlabeled > 0 ? `, ${escapeHtml(r.unlabeled)} without a label left out` : ''}. AUC ${num(r.auc, r.undefinedReasons['auc'])} (${ciText(r)}), average precision ${num(r.averagePrecision, r.undefinedReasons['averagePrecision'])}, Brier score ${num(r.brier, r.undefinedReasons['brier'])}, expected calibration error ${num(r.ece, r.undefinedReasons['brier'])} (${escapeHtml(r.eceBins)} bins).</p>`;
  const calibrated =
    r.temperature !== null && r.uncalibrated !== null
      ? `<p>Probabilities calibrated with temperature ${escapeHtml(r.temperature.toFixed(3))}; before calibration the Brier score was ${num(r.uncalibrated.brier)} and the ECE ${num(r.uncalibrated.ece)}.</p>`
      : '';
  return section(`split-${name}`, `Split: ${name}`, `${lead}${intro}${calibrated}${undefinedNotes(r)}<h3>Metrics at each threshold</h3>${operatingPointsTable(r.operatingPoints)}${plotRow(plots)}`);
}

/** The calibration: the temperature, where it was fitted, and Brier/ECE before and after on each split. */
export function calibrationSection(c: ReportCalibration, splits: ReportData['splits']): string {
  const rows = Object.entries(splits).map(([name, r]) => [
    escapeHtml(name),
    num(r.uncalibrated?.brier ?? null, r.undefinedReasons['brier']),
    num(r.brier, r.undefinedReasons['brier']),
    num(r.uncalibrated?.ece ?? null, r.undefinedReasons['brier']),
    num(r.ece, r.undefinedReasons['brier']),
  ]);
  const on = c.fittedOn === 'val' ? 'the validation split' : `the ${c.fittedOn} split`;
  const body =
    `<p>Every probability in this report is sigmoid(logit / T) with the temperature T = ${escapeHtml(c.temperature.toFixed(4))}, fitted on ${escapeHtml(on)} by minimizing the negative log-likelihood ` +
    `(${escapeHtml(c.valNllBefore.toFixed(4))} before, ${escapeHtml(c.valNllAfter.toFixed(4))} after). ${c.temperature > 1 ? 'T above 1 pulls over-confident probabilities towards 0.5.' : c.temperature < 1 ? 'T below 1 pushes under-confident probabilities away from 0.5.' : 'T = 1 leaves the probabilities as they were.'} ` +
    'Dividing every logit by the same number keeps their order, so the AUC is unchanged; the threshold is chosen on the calibrated probabilities.</p>' +
    table(['split', 'Brier before', 'Brier after', 'ECE before', 'ECE after'], rows);
  return section('calibration', 'Calibration', body);
}

/** The threshold and how it was chosen. */
export function thresholdSection(t: ReportThreshold, splits: ReportData['splits'] = {}): string {
  const rows: [string, string][] = [['threshold', escapeHtml(t.threshold.toFixed(6))], ['method', escapeHtml(t.method)], ['rule', escapeHtml(thresholdRuleText(t))]];
  if (t.method !== 'fixed') {
    rows.push(['chosen on', escapeHtml(t.chosenOn ?? 'val')], ['images', escapeHtml(t.n)], ['sensitivity there', num(t.sensitivity)], ['specificity there', num(t.specificity)], ["Youden's J there", num(t.youdenJ)]);
    if (t.target !== undefined) rows.push(['target sensitivity', escapeHtml(t.target)]);
  }
  const body = `<p>An image is called PNEUMONIA when its probability is at least the threshold: ${thresholdLine(t)}. It is never chosen on the test split or an external set. The tables show the metrics at 0.5, at 0.75 (the fixed threshold of the original Keras notebook), and at this threshold.</p>${kvTable(rows)}${promiseTable(t, splits)}`;
  return section('threshold', 'Operating threshold', body);
}

/** For a sensitivity rule: whether each split keeps the promised sensitivity at the threshold. */
function promiseTable(t: ReportThreshold, splits: ReportData['splits']): string {
  if (t.method !== 'sensitivity' || t.target === undefined || Object.keys(splits).length === 0) return '';
  const target = t.target;
  const rows = Object.entries(splits).map(([name, r]) => {
    const s = r.metrics.sensitivity;
    const verdict = s === null ? '<span class="muted">no PNEUMONIA image</span>' : s >= target ? 'kept' : `<strong>missed by ${escapeHtml((100 * (target - s)).toFixed(1))} points</strong>`;
    return [escapeHtml(name), num(s, r.metrics.undefinedReasons.sensitivity), num(r.metrics.specificity, r.metrics.undefinedReasons.specificity), verdict];
  });
  return `<h3>Does the promise hold?</h3><p>Sensitivity at this threshold on each split, against the promised ${escapeHtml(target)}:</p>${table(['split', 'sensitivity', 'specificity', `sensitivity >= ${target}`], rows)}`;
}

function outcomeTitle(o: Outcome, classNames: ClassNames): string {
  const [neg, pos] = classNames;
  return { TP: `True positives (${pos} called ${pos})`, FP: `False positives (${neg} called ${pos})`, TN: `True negatives (${neg} called ${neg})`, FN: `False negatives (${pos} called ${neg})` }[o];
}

function basename(id: string): string {
  return id.split(/[\\/]/).pop() ?? id;
}

/** The Grad-CAM gallery, grouped by split (in order of first appearance), then by outcome. */
export function camSection(cams: readonly CamExample[], classNames: ClassNames): string {
  const splits = [...new Set(cams.map((c) => c.split ?? 'test'))];
  const groups = splits.map((split) => {
    const outcomes = OUTCOMES.map((o) => {
      const items = cams.filter((c) => (c.split ?? 'test') === split && c.outcome === o);
      const figures = items.map((c) =>
        figure(dataImg(c.png, 'image/png', `Grad-CAM of ${basename(c.id)}`, { width: 224, height: 224 }, 'cam'), `${basename(c.id)} - p(PNEUMONIA) ${c.probability.toFixed(3)}, actual ${classNames[c.label]}`),
      );
      return `<h4>${escapeHtml(outcomeTitle(o, classNames))}</h4>${figures.length > 0 ? `<div class="gallery">${figures.join('')}</div>` : '<p class="muted">No image with this outcome.</p>'}`;
    });
    return `<h3>Split: ${escapeHtml(split)}</h3>${outcomes.join('')}`;
  });
  const layer = cams.find((c) => c.layerName !== undefined)?.layerName;
  return section(
    'grad-cam',
    'Where the model looked (Grad-CAM)',
    `<p>Red marks the regions whose features raised the model's PNEUMONIA logit most${layer ? ` (layer ${escapeHtml(layer)})` : ''}; the most confident images of each outcome are shown.</p>${groups.join('')}`,
  );
}

/** Run facts: seed, backend, versions, timings, configuration. */
export function runSection(run: RunInfo | undefined): string {
  if (run === undefined) return section('run', 'Run', '<p class="muted">No run information was given.</p>');
  const facts: Record<string, unknown> = {};
  for (const k of ['seed', 'backend', 'command', 'startedAt', 'finishedAt'] as const) if (run[k] !== undefined) facts[k] = run[k];
  const parts = [renderValue(facts)];
  if (run.timings) parts.push(`<h3>Timings (seconds)</h3>${renderValue(run.timings)}`);
  if (run.versions) parts.push(`<h3>Versions</h3>${renderValue(run.versions)}`);
  if (run.config) parts.push(`<h3>Configuration</h3>${renderValue(run.config)}`);
  return section('run', 'Run', parts.join(''));
}

/** The data audit, rendered generically (its shape belongs to the loader). */
export function auditJsonSection(audit: unknown): string {
  return section('audit', 'Data audit', renderValue(audit));
}

/** The whole page. */
export function reportPage(
  data: ReportData,
  parts: { splitPlots: ReadonlyMap<string, readonly EmbeddedPlot[]>; training?: EmbeddedPlot; generatedAt: string },
): string {
  const classNames = data.classNames ?? ['NORMAL', 'PNEUMONIA'];
  const title = data.title ?? 'cxr evaluation report';
  const body: Omit<ReportSection, 'files'>[] = [];
  body.push({ id: 'summary', title: 'Summary', html: section('summary', 'Summary', splitsTable(data.splits)) });
  body.push({ id: 'threshold', title: 'Threshold', html: thresholdSection(data.threshold, data.splits) });
  if (data.calibration) body.push({ id: 'calibration', title: 'Calibration', html: calibrationSection(data.calibration, data.splits) });
  for (const [name, r] of Object.entries(data.splits)) body.push({ id: `split-${name}`, title: `Split: ${name}`, html: splitSection(name, r, parts.splitPlots.get(name) ?? [], data.splitNotes?.[name]) });
  if (parts.training) body.push({ id: 'training', title: 'Training', html: section('training', 'Training curves', plotRow([parts.training])) });
  if (data.cams && data.cams.length > 0) body.push({ id: 'grad-cam', title: 'Grad-CAM', html: camSection(data.cams, classNames) });
  for (const s of data.sections ?? []) body.push({ id: s.id, title: s.title, html: extraSection(s) });
  if (data.audit !== undefined) body.push({ id: 'audit', title: 'Data audit', html: auditJsonSection(data.audit) });
  body.push({ id: 'run', title: 'Run', html: runSection(data.run) });
  const nav = `<nav><ul>${body.map((b) => `<li><a href="#${escapeHtml(b.id)}">${escapeHtml(b.title)}</a></li>`).join('')}</ul></nav>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p class="muted">Generated ${escapeHtml(parts.generatedAt)}${data.run?.seed !== undefined ? ` - seed ${escapeHtml(data.run.seed)}` : ''}${data.run?.backend ? ` - backend ${escapeHtml(data.run.backend)}` : ''}</p>
${summaryCards(data)}
${nav}</header>
<main>
${body.map((b) => b.html).join('\n')}
</main>
</body>
</html>
`;
}

/** An extra section's fragment (already escaped by its builder), wrapped in a section when it is not one. */
export function extraSection(s: ReportSection): string {
  return /^\s*<section[\s>]/i.test(s.html) ? s.html : section(s.id, s.title, s.html);
}
