/**
 * Quality benchmark: trains a recipe with several seeds through the real `cxr train` command and
 * reports the carved-test and external figures at the stored threshold, with the time of each run;
 * runs the PyTorch peer (`../shared/peers/torch_quality.py`, `AUG=strong`) in the same invocation
 * when a python3 with torch is installed (jemalloc preloaded when present), and says so when not.
 *
 *   npx tsx --conditions=@cxr/source bench/quality/run.ts [--config bench/quality/recipes/default.json]
 *     [--seeds 1,2,3] [--peer-epochs 10] [--no-peer] [--keep DIR] [--no-write]
 *
 * Without `--config`, `cxr train` runs with its defaults (what `nx run pipeline:train` does).
 * Writes the table to bench/quality/RESULTS.md (hand notes below the marker are kept).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeResults } from '../results-file.js';

const here = import.meta.dirname;
const root = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    seeds: { type: 'string', default: '1,2,3' },
    'peer-epochs': { type: 'string', default: '10' },
    'no-peer': { type: 'boolean', default: false },
    keep: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const seeds = args.seeds.split(',').map((s) => Number(s.trim()));
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds must be whole numbers separated by commas, got ${args.seeds}`);
const config = args.config === undefined ? undefined : resolve(args.config);
const outRoot = args.keep === undefined ? mkdtempSync(join(tmpdir(), 'cxr-quality-')) : resolve(args.keep);
const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)} load ${loadavg()[0]?.toFixed(1)}] ${line}`);

interface SplitFigures {
  readonly auc: number | null;
  readonly aucCi: { lower: number; upper: number } | null;
  readonly brier: number | null;
  readonly ece: number | null;
  readonly metrics: { accuracy: number | null; sensitivity: number | null; specificity: number | null };
}
interface RunFigures {
  readonly seed: number;
  readonly seconds: number;
  readonly threshold: number;
  readonly test: SplitFigures;
  readonly external: SplitFigures;
}

function run(command: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, out }));
  });
}

async function trainSeed(seed: number): Promise<RunFigures> {
  const out = join(outRoot, `seed-${seed}`);
  const argv = ['apps/pipeline/bin/cxr.js', 'train', '--seed', String(seed), '--out', out, ...(config ? ['--config', config] : [])];
  log(`cxr ${argv.slice(1).join(' ')}`);
  const started = performance.now();
  const { code, out: text } = await run(process.execPath, argv);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`cxr train --seed ${seed} failed (exit ${code}):\n${text.split('\n').slice(-15).join('\n')}`);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { threshold: number; splits: Record<string, SplitFigures> };
  const external = report.splits['external'];
  const test = report.splits['test'];
  if (!external || !test) throw new Error(`${out}/report.json has no test or external split (splits: ${Object.keys(report.splits).join(', ')}); is ../shared/datasets/chest-xray-external there?`);
  return { seed, seconds, threshold: report.threshold, test, external };
}

/** A python3 that can import torch (the pyenv shim first, then Debian's), or undefined. */
function findTorchPython(): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(candidate, ['-c', 'import torch, PIL'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

interface PeerFigures {
  readonly seconds: number;
  readonly lines: readonly string[];
  readonly external: { auc: number; accuracy: number; sensitivity: number; specificity: number } | undefined;
  readonly test: { auc: number } | undefined;
}

async function runPeer(python: string): Promise<PeerFigures> {
  const jemalloc = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2'].find((p) => existsSync(p));
  const env = { ...process.env, AUG: 'strong', ...(jemalloc ? { LD_PRELOAD: jemalloc, MALLOC_CONF: 'retain:true,dirty_decay_ms:-1,muzzy_decay_ms:-1' } : {}) };
  const script = resolve(root, '../shared/peers/torch_quality.py');
  log(`peer: AUG=strong ${python} ${relative(root, script)} 128 ${args['peer-epochs']}${jemalloc ? ' (jemalloc preloaded)' : ''}`);
  const started = performance.now();
  const { code, out } = await run(python, [script, '128', args['peer-epochs']], env);
  const seconds = (performance.now() - started) / 1000;
  const lines = out.trim().split('\n');
  if (code !== 0) throw new Error(`the peer failed (exit ${code}):\n${lines.slice(-10).join('\n')}`);
  // Lines: "<set> auc A th T acc X sens Y spec Z"; the second line per set is at the Youden threshold of its validation split.
  const parsed = lines
    .map((l) => /^(carved-test|external) auc ([\d.]+) th ([\d.]+) acc ([\d.]+) sens ([\d.]+) spec ([\d.]+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ set: m[1], auc: Number(m[2]), threshold: Number(m[3]), accuracy: Number(m[4]), sensitivity: Number(m[5]), specificity: Number(m[6]) }));
  const atChosen = (set: string) => parsed.filter((p) => p.set === set).at(-1);
  return { seconds, lines, external: atChosen('external'), test: atChosen('carved-test') };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));
const f = (x: number | null | undefined, digits: number): string => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
const p = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const ms = (xs: readonly number[], digits: number, percent = false): string =>
  percent ? `${(mean(xs) * 100).toFixed(1)}% ± ${(sd(xs) * 100).toFixed(1)}` : `${mean(xs).toFixed(digits)} ± ${sd(xs).toFixed(digits)}`;

const python = args['no-peer'] ? undefined : findTorchPython();
const peerNote = args['no-peer']
  ? 'peer skipped (--no-peer)'
  : python === undefined
    ? 'peer not run: no python3 here can import torch (apt-get install -y python3-torch python3-pil libjemalloc2)'
    : undefined;
if (peerNote) log(peerNote);

const started = new Date();
const runs: RunFigures[] = [];
for (const seed of seeds) {
  const r = await trainSeed(seed);
  runs.push(r);
  log(
    `seed ${seed}: ${(r.seconds / 60).toFixed(1)} min; test AUC ${f(r.test.auc, 4)}; external AUC ${f(r.external.auc, 4)}, accuracy ${p(r.external.metrics.accuracy)}, sensitivity ${p(r.external.metrics.sensitivity)}, specificity ${p(r.external.metrics.specificity)}, Brier ${f(r.external.brier, 3)} at threshold ${f(r.threshold, 4)}`,
  );
}
const peer = python === undefined ? undefined : await runPeer(python);
if (peer) log(`peer: ${(peer.seconds / 60).toFixed(1)} min; external AUC ${f(peer.external?.auc, 4)}, accuracy ${p(peer.external?.accuracy)}; carved test AUC ${f(peer.test?.auc, 4)}`);

const col = (pick: (r: RunFigures) => number | null, digits: number, percent = false): string => {
  const xs = runs.map(pick).filter((x): x is number => x !== null);
  return xs.length === runs.length ? ms(xs, digits, percent) : 'n/a';
};
const recipe = config === undefined ? 'the defaults of `cxr train`' : `\`${relative(root, config)}\``;
const command = `npx tsx --conditions=@cxr/source bench/quality/run.ts${config ? ` --config ${relative(root, config)}` : ''} --seeds ${seeds.join(',')}`;
const table = [
  `| seed | test AUC | external AUC (95% CI) | ext accuracy | ext sensitivity | ext specificity | ext Brier | ext ECE | threshold | minutes |`,
  `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
  ...runs.map(
    (r) =>
      `| ${r.seed} | ${f(r.test.auc, 4)} | ${f(r.external.auc, 4)} (${f(r.external.aucCi?.lower, 3)}-${f(r.external.aucCi?.upper, 3)}) | ${p(r.external.metrics.accuracy)} | ${p(r.external.metrics.sensitivity)} | ${p(r.external.metrics.specificity)} | ${f(r.external.brier, 3)} | ${f(r.external.ece, 3)} | ${f(r.threshold, 4)} | ${(r.seconds / 60).toFixed(1)} |`,
  ),
  `| mean ± sd | ${col((r) => r.test.auc, 4)} | ${col((r) => r.external.auc, 4)} | ${col((r) => r.external.metrics.accuracy, 1, true)} | ${col((r) => r.external.metrics.sensitivity, 1, true)} | ${col((r) => r.external.metrics.specificity, 1, true)} | ${col((r) => r.external.brier, 3)} | ${col((r) => r.external.ece, 3)} | | ${ms(runs.map((r) => r.seconds / 60), 1)} |`,
];
const peerLines = peer
  ? [
      '',
      `PyTorch peer in the same invocation (\`AUG=strong python3 ../shared/peers/torch_quality.py 128 ${args['peer-epochs']}\`, ${(peer.seconds / 60).toFixed(1)} min): external AUC ${f(peer.external?.auc, 4)}, accuracy ${p(peer.external?.accuracy)}, sensitivity ${p(peer.external?.sensitivity)}, specificity ${p(peer.external?.specificity)} at its validation Youden threshold; carved test AUC ${f(peer.test?.auc, 4)}. Ratio of mean external AUC, cxr / peer: ${peer.external ? (mean(runs.map((r) => r.external.auc ?? NaN)) / peer.external.auc).toFixed(3) : 'n/a'}.`,
    ]
  : ['', `${peerNote ?? 'peer not run'}.`];
const report = [
  '# Quality: carved test and external X-rays',
  '',
  `\`${command}\` (${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores): ${recipe}, one \`cxr train\` per seed,`,
  'figures from its report.json at the threshold stored with the model (chosen on validation); the external set',
  '(`../shared/datasets/chest-xray-external`, 309 X-rays of other patients) is never used to train, pick a checkpoint or choose the threshold.',
  '',
  ...table,
  ...peerLines,
  '',
].join('\n');
console.log(`\n${report}`);
if (!args['no-write']) writeResults(join(here, 'RESULTS.md'), report);
if (args.keep === undefined) rmSync(outRoot, { recursive: true, force: true });
