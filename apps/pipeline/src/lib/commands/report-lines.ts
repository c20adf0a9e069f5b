import type { EvaluationReport } from '@cxr/eval';

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? 'undefined' : `${(100 * x).toFixed(1)}%`;
}

export function num(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? 'undefined' : x.toFixed(digits);
}

/** The evaluation of one split as a few readable lines: AUC with its interval, Brier and ECE (and before calibration), then each operating point. */
export function evaluationLines(report: EvaluationReport, classNames: readonly [string, string] = ['NORMAL', 'PNEUMONIA']): string[] {
  const ci = report.aucCi ? ` (95% CI ${report.aucCi.lower.toFixed(3)}-${report.aucCi.upper.toFixed(3)})` : '';
  const name = report.split ?? 'data';
  const lines = [
    `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}: ${report.n} images (${report.negatives} ${classNames[0]}, ${report.positives} ${classNames[1]}); AUC ${num(report.auc)}${ci}; average precision ${num(report.averagePrecision)}; Brier ${num(report.brier)}; ECE ${num(report.ece)}${
      report.uncalibrated && report.temperature !== null && report.temperature !== 1 ? ` (before calibration: Brier ${num(report.uncalibrated.brier)}, ECE ${num(report.uncalibrated.ece)})` : ''
    }.`,
  ];
  for (const [what, why] of Object.entries(report.undefinedReasons)) lines.push(`  ${what} undefined: ${why}`);
  for (const point of report.operatingPoints) {
    const m = point.metrics;
    const c = point.confusion;
    const label = point.name === 'chosen' ? `threshold ${point.threshold.toFixed(4)} (model's)` : `threshold ${point.name}`;
    lines.push(`  ${label}: accuracy ${pct(m.accuracy)}, sensitivity ${pct(m.sensitivity)}, specificity ${pct(m.specificity)}, precision ${pct(m.precision)}, F1 ${num(m.f1, 3)}  [TP ${c.tp} FP ${c.fp} TN ${c.tn} FN ${c.fn}]`);
  }
  return lines;
}
