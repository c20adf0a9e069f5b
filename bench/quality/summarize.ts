/**
 * Turns the runs written by `ablate.ts` into the ablation table: per recipe, mean and spread over
 * seeds of the validation, carved-test and external figures, with the temperature and threshold
 * fitted on validation only.
 *
 *   npx tsx --conditions=@cxr/source bench/quality/summarize.ts [--runs bench/quality/runs] [--rule sensitivity:0.95] [--json]
 */
import { auc, chooseThreshold } from '@cxr/eval';
import type { ThresholdMethod } from '@cxr/eval';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const here = import.meta.dirname;
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: join(here, 'runs') },
    rule: { type: 'string', default: 'youden' },
    tta: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

interface SetLogits {
  readonly labels: number[];
  readonly logits: number[];
  readonly flipLogits: number[];
}
interface Run {
  readonly label: string;
  readonly seed: number;
  readonly trainSeconds: number;
  readonly epochs: number;
  readonly val: SetLogits;
  readonly test: SetLogits;
  readonly external: SetLogits;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const nll = (logits: readonly number[], labels: readonly number[], t: number): number =>
  logits.reduce((s, z, i) => {
    const u = z / t;
    return s + Math.max(u, 0) - u * (labels[i] as number) + Math.log1p(Math.exp(-Math.abs(u)));
  }, 0) / logits.length;

/** Temperature minimizing the validation NLL (golden-section search on log T). */
function fitTemperature(logits: readonly number[], labels: readonly number[]): number {
  let lo = Math.log(0.05);
  let hi = Math.log(50);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 80; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (nll(logits, labels, Math.exp(a)) < nll(logits, labels, Math.exp(b))) hi = b;
    else lo = a;
  }
  return Math.exp((lo + hi) / 2);
}

function ece(probs: readonly number[], labels: readonly number[], bins = 15): number {
  const sum = new Float64Array(bins);
  const hits = new Float64Array(bins);
  const count = new Float64Array(bins);
  probs.forEach((p, i) => {
    const b = Math.min(bins - 1, Math.floor(p * bins));
    sum[b] = (sum[b] as number) + p;
    hits[b] = (hits[b] as number) + (labels[i] as number);
    count[b] = (count[b] as number) + 1;
  });
  let e = 0;
  for (let b = 0; b < bins; b++) if ((count[b] as number) > 0) e += Math.abs((sum[b] as number) - (hits[b] as number));
  return e / probs.length;
}

function parseRule(rule: string): ThresholdMethod {
  if (rule === 'youden') return { method: 'youden' };
  const m = /^sensitivity:([0-9.]+)$/.exec(rule);
  if (m) return { method: 'sensitivity', target: Number(m[1]) };
  throw new Error(`summarize: --rule must be youden or sensitivity:T, got ${rule}`);
}

function scores(set: SetLogits, tta: boolean): number[] {
  return tta ? set.logits.map((z, i) => (z + (set.flipLogits[i] as number)) / 2) : set.logits;
}

function metricsAt(probs: readonly number[], labels: readonly number[], threshold: number) {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  probs.forEach((p, i) => {
    const positive = p >= threshold;
    if (labels[i] === 1) {
      if (positive) tp++;
      else fn++;
    } else if (positive) fp++;
    else tn++;
  });
  return { accuracy: (tp + tn) / probs.length, sensitivity: tp / (tp + fn), specificity: tn / (tn + fp) };
}

const brier = (probs: readonly number[], labels: readonly number[]): number => probs.reduce((s, p, i) => s + (p - (labels[i] as number)) ** 2, 0) / probs.length;

export function runFigures(run: Run, rule: ThresholdMethod, tta: boolean) {
  const val = scores(run.val, tta);
  const t = fitTemperature(val, run.val.labels);
  const calibrated = (z: readonly number[]) => z.map((x) => sigmoid(x / t));
  const valProbs = calibrated(val);
  const threshold = chooseThreshold(valProbs, run.val.labels, rule).threshold;
  const figures = (set: SetLogits) => {
    const z = scores(set, tta);
    const probs = calibrated(z);
    const at = metricsAt(probs, set.labels, threshold);
    return {
      auc: auc(probs, set.labels) as number,
      brierRaw: brier(z.map(sigmoid), set.labels),
      brier: brier(probs, set.labels),
      ece: ece(probs, set.labels),
      ...at,
      at05: metricsAt(probs, set.labels, 0.5),
    };
  };
  return { label: run.label, seed: run.seed, temperature: t, threshold, trainSeconds: run.trainSeconds, epochs: run.epochs, val: figures(run.val), test: figures(run.test), external: figures(run.external) };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));
const cell = (xs: readonly number[], digits: number, percent = false): string => {
  const k = percent ? 100 : 1;
  const d = percent ? 1 : digits;
  return `${(mean(xs) * k).toFixed(d)} ± ${(sd(xs) * k).toFixed(d)}`;
};

const runs: Run[] = readdirSync(args.runs)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(args.runs, f), 'utf8')) as Run);
const rule = parseRule(args.rule);
const all = runs.map((r) => runFigures(r, rule, args.tta));
if (args.json) {
  console.log(JSON.stringify(all, null, 2));
} else {
  const labels = [...new Set(all.map((r) => r.label))];
  console.log(`threshold rule: ${args.rule}${args.tta ? ', flip TTA' : ''}; mean ± sd over seeds`);
  console.log('| recipe | seeds | external AUC | ext accuracy | ext sensitivity | ext specificity | ext Brier | ext ECE | test AUC | val AUC | T | train s |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const label of labels) {
    const rs = all.filter((r) => r.label === label);
    const pick = (f: (r: (typeof rs)[number]) => number) => rs.map(f);
    console.log(
      `| ${label} | ${rs.map((r) => r.seed).join(',')} | ${cell(pick((r) => r.external.auc), 3)} | ${cell(pick((r) => r.external.accuracy), 1, true)} | ${cell(pick((r) => r.external.sensitivity), 1, true)} | ${cell(pick((r) => r.external.specificity), 1, true)} | ${cell(pick((r) => r.external.brier), 3)} | ${cell(pick((r) => r.external.ece), 3)} | ${cell(pick((r) => r.test.auc), 4)} | ${cell(pick((r) => r.val.auc), 4)} | ${cell(pick((r) => r.temperature), 2)} | ${mean(pick((r) => r.trainSeconds)).toFixed(0)} |`,
    );
  }
}
