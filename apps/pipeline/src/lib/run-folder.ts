import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic, UsageError } from '@cxr/loader';

/** The files and folders of a run folder. */
export interface RunLayout {
  readonly dir: string;
  readonly model: string;
  readonly checkpoints: string;
  readonly plots: string;
  readonly runJson: string;
  readonly splitCsv: string;
  readonly reportJson: string;
  readonly reportHtml: string;
  readonly log: string;
}

export function runLayout(dir: string): RunLayout {
  return {
    dir,
    model: join(dir, 'model'),
    checkpoints: join(dir, 'checkpoints'),
    plots: join(dir, 'plots'),
    runJson: join(dir, 'run.json'),
    splitCsv: join(dir, 'split.csv'),
    reportJson: join(dir, 'report.json'),
    reportHtml: join(dir, 'report.html'),
    log: join(dir, 'cxr.log'),
  };
}

/** `runs/20261126-140502` (UTC) under `cwd`, with `-2`, `-3`... when that name is taken. */
export function newRunDir(cwd: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
  const base = resolve(cwd, 'runs', stamp);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/** The newest folder in `cwd/runs` that holds a run.json, for `train --resume` without --out. */
export function latestRunDir(cwd: string): string {
  const runs = resolve(cwd, 'runs');
  const candidates = existsSync(runs)
    ? readdirSync(runs)
        .map((name) => join(runs, name))
        .filter((dir) => existsSync(join(dir, 'run.json')))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    : [];
  const newest = candidates[0];
  if (!newest) throw new UsageError(`--resume found no run to continue in ${runs}; give the run folder with --out DIR.`);
  return newest;
}

/** Makes the run folder, refusing one that already holds a different run. */
export function prepareRunDir(dir: string, resume: boolean, dryRun: boolean): RunLayout {
  const layout = runLayout(dir);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is a file; give a folder for the run.`);
  if (!resume && existsSync(layout.model) && !dryRun) {
    throw new UsageError(`The run folder ${dir} already holds a trained model; give a new --out folder, or add --resume to continue that run.`);
  }
  mkdirSync(dir, { recursive: true });
  return layout;
}

/** One row of split.csv. */
export interface SplitRow {
  readonly path: string;
  readonly split: string;
  readonly className: string;
  readonly groupId: string;
}

/**
 * Writes split.csv (path relative to the data folder with `/`, split, label, group), sorted by
 * path so the same split gives the same bytes.
 */
export async function writeSplitCsv(file: string, dataRoot: string, rows: readonly SplitRow[]): Promise<void> {
  const lines = rows
    .map((r) => [relative(dataRoot, r.path).split(sep).join('/'), r.split, r.className, r.groupId])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0))
    .map((cells) => cells.map(csvCell).join(','));
  await writeFileAtomic(file, `path,split,label,group\n${lines.map((l) => `${l}\n`).join('')}`);
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
