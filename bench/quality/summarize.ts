/**
 * Turns the runs written by `ablate.ts` into the ablation table: per recipe, mean and spread over
 * seeds of the validation, carved-test and external figures, with the temperature and threshold
 * fitted on validation only.
 *
 *   npx tsx --conditions=@cxr/source bench/quality/summarize.ts [--runs bench/quality/runs] [--rule sensitivity:0.95] [--tta] [--json]
 *   npx tsx --conditions=@cxr/source bench/quality/summarize.ts --rules youden,sensitivity:0.99   # rules side by side
 *
 * `--tta` averages each image's logit with its mirror image's.
 */
import { auc, chooseThreshold, expectedCalibrationError, fitTemperature, parseThresholdRule, temperatureScale } from '@cxr/eval';
import type { ThresholdMethod } from '@cxr/eval';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const here = import.meta.dirname;
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: join(here, 'runs') },
    rule: { type: 'string', default: 'youden' },
    rules: { type: 'string' },
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

function runFigures(run: Run, rule: ThresholdMethod, tta: boolean) {
  const val = scores(run.val, tta);
  const t = fitTemperature(val, run.val.labels).temperature;
  const calibrated = (z: readonly number[]) => z.map((x) => temperatureScale(x, t));
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
      ece: expectedCalibrationError(probs, set.labels) as number,
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
if (args.rules !== undefined) {
  // One row per recipe and rule: how each rule chosen on validation holds up on the external set.
  console.log('| recipe | rule (on validation) | ext sensitivity | ext specificity | ext accuracy | test sensitivity | test specificity |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const text of args.rules.split(',')) {
    const figures = runs.map((r) => runFigures(r, parseThresholdRule(text), args.tta));
    for (const label of [...new Set(figures.map((r) => r.label))]) {
      const rs = figures.filter((r) => r.label === label);
      const pick = (f: (r: (typeof rs)[number]) => number) => rs.map(f);
      console.log(
        `| ${label} | ${text} | ${cell(pick((r) => r.external.sensitivity), 1, true)} | ${cell(pick((r) => r.external.specificity), 1, true)} | ${cell(pick((r) => r.external.accuracy), 1, true)} | ${cell(pick((r) => r.test.sensitivity), 1, true)} | ${cell(pick((r) => r.test.specificity), 1, true)} |`,
      );
    }
  }
  process.exit(0);
}
const rule = parseThresholdRule(args.rule);
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
