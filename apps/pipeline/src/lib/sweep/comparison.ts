import { join, relative, sep } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@cxr/loader';
import type { SweepPlan, SweepRun } from './sweep-plan.js';

/** Where a run of a sweep stands. */
export interface RunOutcome {
  readonly status: 'done' | 'failed' | 'queued' | 'running' | 'interrupted';
  /** run.json's `results` of a finished run. */
  readonly results?: Readonly<Record<string, unknown>>;
  /** The error of the last attempt (failed, or retrying). */
  readonly error?: string;
  readonly attempts?: number;
  /** `host:pid` of the process that ran it (last attempt). */
  readonly worker?: string;
  readonly seconds?: number;
  /** The last attempt continued a checkpoint of an attempt that was cut short. */
  readonly resumed?: boolean;
}

/** The figures compared per split. */
export const METRICS = ['auc', 'accuracy', 'sensitivity', 'specificity', 'brier', 'ece'] as const;
export type Metric = (typeof METRICS)[number];
type Figures = Partial<Record<Metric, number>>;

/** Mean and spread of one figure over the finished runs of a setting. */
export interface Spread {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 for one run. */
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

/** The figures of each split of a run's results: `val`, `test`, and each external set by name. */
export function figuresOf(results: Readonly<Record<string, unknown>> | undefined): Record<string, Figures> {
  const out: Record<string, Figures> = {};
  if (!results) return out;
  const pick = (value: unknown): Figures | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    const figures: Figures = {};
    for (const metric of METRICS) {
      const v = (value as Record<string, unknown>)[metric];
      if (typeof v === 'number' && Number.isFinite(v)) figures[metric] = v;
    }
    return figures;
  };
  for (const split of ['val', 'test']) {
    const figures = pick(results[split]);
    if (figures) out[split] = figures;
  }
  const external = results['external'];
  if (typeof external === 'object' && external !== null) {
    for (const [name, value] of Object.entries(external)) {
      const figures = pick(value);
      if (figures) out[name] = figures;
    }
  }
  return out;
}

/** Mean, sample standard deviation, min and max. */
export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** The comparison of a sweep, as `sweep.json` holds it. */
export interface Comparison {
  readonly sweep: {
    readonly id: string;
    readonly file: string;
    readonly out: string;
    readonly createdAt: string;
    readonly writtenAt: string;
    /** True when every run has ended (done or failed). */
    readonly complete: boolean;
    readonly queue: string | null;
    readonly seeds: readonly number[];
    readonly folds: number | null;
    readonly counts: Readonly<Record<RunOutcome['status'], number>>;
  };
  readonly settings: Readonly<Record<string, { readonly runs: number; readonly done: number; readonly failed: number; readonly figures: Readonly<Record<string, Partial<Record<Metric, Spread>>>> }>>;
  readonly runs: readonly {
    readonly name: string;
    readonly setting: string;
    readonly seed: number;
    readonly fold: string | null;
    /** Run folder, relative to the sweep folder. */
    readonly dir: string;
    /** The run's report.html, relative to the sweep folder (when the run is done). */
    readonly report: string | null;
    readonly status: RunOutcome['status'];
    readonly error: string | null;
    readonly attempts: number | null;
    readonly worker: string | null;
    readonly seconds: number | null;
    readonly threshold: number | null;
    readonly figures: Readonly<Record<string, Figures>>;
  }[];
}

const rel = (out: string, path: string): string => relative(out, path).split(sep).join('/');

/** Builds the comparison of a sweep's runs: each run's figures, and per setting the mean and spread of each figure over its finished runs. */
export function compare(plan: SweepPlan, outcomes: ReadonlyMap<string, RunOutcome>, queue: string | null, now: number): Comparison {
  const counts: Record<RunOutcome['status'], number> = { done: 0, failed: 0, queued: 0, running: 0, interrupted: 0 };
  const runs = plan.runs.map((run: SweepRun) => {
    const outcome = outcomes.get(run.name) ?? { status: 'queued' as const };
    counts[outcome.status] += 1;
    const threshold = outcome.results?.['threshold'];
    return {
      name: run.name,
      setting: run.setting,
      seed: run.seed,
      fold: run.fold,
      dir: rel(plan.out, run.dir),
      report: outcome.status === 'done' ? rel(plan.out, join(run.dir, 'report.html')) : null,
      status: outcome.status,
      error: outcome.error ?? null,
      attempts: outcome.attempts ?? null,
      worker: outcome.worker ?? null,
      seconds: outcome.seconds ?? null,
      threshold: typeof threshold === 'number' ? threshold : null,
      figures: outcome.status === 'done' ? figuresOf(outcome.results) : {},
    };
  });
  const settings: Record<string, Comparison['settings'][string]> = {};
  for (const name of plan.settings) {
    const mine = runs.filter((r) => r.setting === name);
    const done = mine.filter((r) => r.status === 'done');
    const splits = [...new Set(done.flatMap((r) => Object.keys(r.figures)))];
    const figures: Record<string, Partial<Record<Metric, Spread>>> = {};
    for (const split of splits) {
      const row: Partial<Record<Metric, Spread>> = {};
      for (const metric of METRICS) {
        const values = done.map((r) => r.figures[split]?.[metric]).filter((v): v is number => typeof v === 'number');
        if (values.length > 0) row[metric] = spread(values);
      }
      figures[split] = row;
    }
    settings[name] = { runs: mine.length, done: done.length, failed: mine.filter((r) => r.status === 'failed').length, figures };
  }
  return {
    sweep: {
      id: plan.id,
      file: plan.file,
      out: plan.out,
      createdAt: plan.createdAt,
      writtenAt: new Date(now).toISOString(),
      complete: counts.done + counts.failed === plan.runs.length,
      queue,
      seeds: plan.seeds,
      folds: plan.folds,
      counts,
    },
    settings,
    runs,
  };
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const fixed = (metric: Metric, value: number): string => (metric === 'accuracy' || metric === 'sensitivity' || metric === 'specificity' ? `${(value * 100).toFixed(1)}%` : value.toFixed(4));
const LABEL: Record<Metric, string> = { auc: 'AUC', accuracy: 'accuracy', sensitivity: 'sensitivity', specificity: 'specificity', brier: 'Brier', ece: 'ECE' };

/** The comparison page: one self-contained HTML file (no script). */
export function comparisonHtml(comparison: Comparison): string {
  const splits = [...new Set(comparison.runs.flatMap((r) => Object.keys(r.figures)))].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const settingRows = Object.entries(comparison.settings).flatMap(([name, s]) =>
    splits.map(
      (split, i) =>
        `<tr>${i === 0 ? `<th rowspan="${splits.length}">${escape(name)}<br><small>${s.done} of ${s.runs} runs done${s.failed ? `, ${s.failed} failed` : ''}</small></th>` : ''}<td>${escape(split)}</td>${METRICS.map((m) => {
          const v = s.figures[split]?.[m];
          return `<td>${v ? `${fixed(m, v.mean)} &plusmn; ${fixed(m, v.sd)}${v.n < s.runs ? ` <small>(n=${v.n})</small>` : ''}` : '&ndash;'}</td>`;
        }).join('')}</tr>`,
    ),
  );
  const runRows = comparison.runs.map((r) => {
    const cells = splits.map((split) => `<td>${r.figures[split]?.auc !== undefined ? fixed('auc', r.figures[split]?.auc as number) : '&ndash;'}</td><td>${r.figures[split]?.accuracy !== undefined ? fixed('accuracy', r.figures[split]?.accuracy as number) : '&ndash;'}</td>`).join('');
    const name = r.report ? `<a href="${escape(r.report)}">${escape(r.name)}</a>` : escape(r.name);
    const status = r.status === 'failed' ? `<span class="bad">failed</span> after ${r.attempts ?? '?'} attempts: ${escape(r.error ?? '')}` : escape(r.status);
    return `<tr><td>${name}</td><td>${escape(r.setting)}</td><td>${r.seed}</td><td>${r.fold ?? ''}</td><td>${status}</td>${cells}<td>${r.seconds !== null ? `${Math.round(r.seconds)} s` : ''}</td><td>${escape(r.worker ?? '')}</td></tr>`;
  });
  const c = comparison.sweep.counts;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cxr sweep ${escape(comparison.sweep.id)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.bad{color:#b00;font-weight:bold}small{color:#666}</style></head>
<body>
<h1>Sweep comparison</h1>
<p>Sweep file <code>${escape(comparison.sweep.file)}</code>; ${comparison.runs.length} runs (seeds ${comparison.sweep.seeds.join(', ')}${comparison.sweep.folds ? `; ${comparison.sweep.folds} patient-disjoint folds of train+val per seed` : ''}), ${comparison.sweep.queue ? `on the queue ${escape(comparison.sweep.queue)}` : 'run in one process'}.
${c.done} done, ${c.failed} failed${c.queued + c.running + c.interrupted ? `, ${c.queued + c.running + c.interrupted} not finished (the page was written before the sweep ended: <code>cxr sweep --resume</code> completes it)` : ''}. Written ${escape(comparison.sweep.writtenAt)}.</p>
<h2>Per setting: mean &plusmn; standard deviation over its runs</h2>
<p>Validation is the split the threshold and calibration were chosen on; test is the carved test split; external sets were never used to train or choose anything. Figures at each run's stored threshold.</p>
<table><tr><th>setting</th><th>split</th>${METRICS.map((m) => `<th>${LABEL[m]}</th>`).join('')}</tr>
${settingRows.join('\n')}
</table>
<h2>Runs</h2>
<table><tr><th>run (report)</th><th>setting</th><th>seed</th><th>fold</th><th>status</th>${splits.map((s) => `<th>${escape(s)} AUC</th><th>${escape(s)} accuracy</th>`).join('')}<th>time</th><th>worker</th></tr>
${runRows.join('\n')}
</table>
</body></html>
`;
}

function order(split: string): number {
  return split === 'val' ? 0 : split === 'test' ? 1 : 2;
}

/** Writes `OUT/sweep.json` and `OUT/sweep.html` (atomically). */
export async function writeComparison(comparison: Comparison): Promise<{ json: string; html: string }> {
  const json = join(comparison.sweep.out, 'sweep.json');
  const html = join(comparison.sweep.out, 'sweep.html');
  await writeJsonAtomic(json, comparison);
  await writeFileAtomic(html, comparisonHtml(comparison));
  return { json, html };
}
