/**
 * Training and inference speed of the benchmark CNN (bench-cnn: conv 3x3 'same' + ReLU 16,
 * max-pool 2; 32; 64; conv 128; global average pool; dense 1), batch 32, 128x128x1, on `wasm`
 * (all cores, and 1 thread) and on `cpu`, each in its own child process, in one run.
 *
 *   npx tsx --conditions=@cxr/source bench/train/run.ts [--size 128] [--batch 32] [--steps 10] [--cpu-steps 1] [--profile]
 *
 * Prints a table and writes bench/train/RESULTS.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { buildModel, initBackend } from '@cxr/model';
import { writeResults } from '../results-file.js';
import { stepFunctions } from './steps.js';

interface Measure {
  readonly label: string;
  readonly backend: string;
  readonly threads: number;
  readonly reason: string;
  readonly trainStepMs: number;
  readonly inferMs: number;
  readonly trainImagesPerSecond: number;
  readonly inferImagesPerSecond: number;
  readonly steps: number;
  readonly profile?: readonly { readonly kernel: string; readonly ms: number }[];
}

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    threads: { type: 'string' },
    size: { type: 'string', default: '128' },
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '10' },
    'cpu-steps': { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
const batch = Number(values.batch);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

/** Deterministic pseudo-images in [0, 255] and labels (no Math.random, so runs compare). */
function data(): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const pixels = new Float32Array(batch * size * size);
  let s = 12345;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    pixels[i] = (s >>> 24) & 255;
  }
  const labels = Float32Array.from({ length: batch }, (_, i) => i % 2);
  return { x: tf.tensor4d(pixels, [batch, size, size, 1]), y: tf.tensor2d(labels, [batch, 1]) };
}

async function child(backend: 'wasm' | 'cpu', threads: number | undefined, steps: number): Promise<Measure> {
  const choice = await initBackend({ backend, ...(threads === undefined ? {} : { threads }) });
  const model = buildModel({ architecture: 'bench-cnn', imageSize: size, seed: 7 });
  const { x, y } = data();
  const { trainStep, infer } = stepFunctions(model, x, y);
  // One warm-up step (XNNPACK operator set-up) on wasm; cpu has nothing to warm and is slow.
  if (backend === 'wasm') {
    trainStep();
    infer();
  }
  const train: number[] = [];
  const inference: number[] = [];
  for (let i = 0; i < steps; i++) {
    let t = performance.now();
    trainStep();
    train.push(performance.now() - t);
    t = performance.now();
    infer();
    inference.push(performance.now() - t);
    process.stderr.write(`${backend}: step ${i + 1}/${steps} train ${train[i]?.toFixed(0)} ms, inference ${inference[i]?.toFixed(0)} ms\n`);
  }
  let profile: { kernel: string; ms: number }[] | undefined;
  if (values.profile && backend === 'wasm') {
    const info = await tf.profile(() => trainStep());
    const byKernel = new Map<string, number>();
    for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
    profile = [...byKernel].map(([kernel, ms]) => ({ kernel, ms })).sort((a, b) => b.ms - a.ms);
  }
  const trainStepMs = median(train);
  const inferMs = median(inference);
  return {
    label: `${choice.name}${choice.name === 'wasm' ? ` ${choice.threads} thread${choice.threads === 1 ? '' : 's'}` : ''}`,
    backend: choice.name,
    threads: choice.threads,
    reason: choice.reason,
    trainStepMs,
    inferMs,
    trainImagesPerSecond: (batch * 1000) / trainStepMs,
    inferImagesPerSecond: (batch * 1000) / inferMs,
    steps,
    ...(profile === undefined ? {} : { profile }),
  };
}

function runChild(backend: 'wasm' | 'cpu', threads: number | undefined, steps: number): Measure {
  const args = ['--conditions=@cxr/source', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', backend, '--steps', String(steps)];
  args.push('--size', String(size), '--batch', String(batch));
  if (threads !== undefined) args.push('--threads', String(threads));
  if (values.profile) args.push('--profile');
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = result.stdout.split('\n').find((l) => l.startsWith('{"label"'));
  if (result.status !== 0 || line === undefined) throw new Error(`child ${backend} failed (exit ${String(result.status)})`);
  return JSON.parse(line) as Measure;
}

if (values.child !== undefined) {
  const backend = values.child === 'cpu' ? 'cpu' : 'wasm';
  const measure = await child(backend, values.threads === undefined ? undefined : Number(values.threads), Number(values.steps));
  process.stdout.write(`${JSON.stringify(measure)}\n`);
} else {
  const cores = availableParallelism();
  const loadBefore = loadavg();
  const runs: Measure[] = [];
  runs.push(runChild('wasm', undefined, Number(values.steps)));
  if (cores > 1) runs.push(runChild('wasm', 1, Number(values.steps)));
  runs.push(runChild('cpu', undefined, Number(values['cpu-steps'])));
  const loadAfter = loadavg();
  const wasm = runs[0] as Measure;
  const cpu = runs[runs.length - 1] as Measure;
  const fmt = (n: number, d = 1): string => n.toFixed(d);
  const rows = runs.map(
    (r) => `| ${r.label} | ${fmt(r.trainStepMs, 0)} | ${fmt(r.trainImagesPerSecond)} | ${fmt(r.inferMs, 0)} | ${fmt(r.inferImagesPerSecond)} | ${fmt(r.trainStepMs / r.inferMs, 2)} | ${r.steps} |`,
  );
  const ratioCpu = wasm.trainImagesPerSecond / cpu.trainImagesPerSecond;
  const trainOverInfer = wasm.trainStepMs / wasm.inferMs;
  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  const uptime = (() => {
    try {
      return execFileSync('uptime', { encoding: 'utf8' }).trim();
    } catch {
      return `load average ${loadAfter.map((l) => l.toFixed(2)).join(', ')}`;
    }
  })();
  const profileText = runs
    .filter((r) => r.profile !== undefined)
    .map((r) => `\n### Kernel time of one training step, ${r.label}\n\n| kernel | ms |\n| --- | ---: |\n${(r.profile ?? []).slice(0, 15).map((k) => `| ${k.kernel} | ${fmt(k.ms)} |`).join('\n')}\n`)
    .join('');
  const report = `# bench/train: training and inference speed

Command (from the repository root):

    npx tsx --conditions=@cxr/source bench/train/run.ts${values.profile ? ' --profile' : ''}

Model: bench-cnn (conv 3x3 'same' + ReLU 16, max-pool 2; 32; 64; conv 128; global average pool; dense 1),
batch ${batch}, ${size}x${size}x1, Adam, weighted binary cross-entropy; median of the timed steps after one
warm-up step on wasm (none on cpu); each backend in its own process. Machine: ${cores} cores (${cpuModel}), Node ${process.version},
${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Load: ${loadBefore.map((l) => l.toFixed(2)).join(', ')} before,
\`${uptime}\` after (other jobs share these cores, so absolute figures are noisy; compare within the run).

| backend | train step ms | train images/s | inference ms | inference images/s | train / inference | steps |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

- WASM (${wasm.label}): a training step costs ${fmt(trainOverInfer, 2)}x an inference pass (target: at most 4x): **${trainOverInfer <= 4 ? 'met' : 'not met'}**.
- WASM trains ${fmt(ratioCpu, 0)}x faster than \`cpu\` (target: at least 100x): **${ratioCpu >= 100 ? 'met' : 'not met'}**.
- Mark to beat: PyTorch 1.13 on the CPU, 2 threads, trains this model at about 230 images/s at 128 px (56 at 224);
  WASM here: ${fmt(wasm.trainImagesPerSecond)} images/s at ${size} px.
${runs.length > 2 ? `- Threads: with ${wasm.threads} threads a training step takes ${fmt(wasm.trainStepMs / (runs[1] as Measure).trainStepMs, 2)}x and an inference pass ${fmt(wasm.inferMs / (runs[1] as Measure).inferMs, 2)}x the time it takes with 1 (below 1 means faster).\n` : ''}
Backend reasons: ${runs.map((r) => `${r.label}: ${r.reason}`).join('; ')}.
${profileText}`;
  writeResults(join(here, 'RESULTS.md'), report);
  process.stdout.write(report);
}
