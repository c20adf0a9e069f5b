/**
 * Training and inference speed of the benchmark CNN (bench-cnn: conv 3x3 'same' + ReLU 16,
 * max-pool 2; 32; 64; conv 128; global average pool; dense 1), batch 32, on `wasm` (all cores)
 * at each size, against the PyTorch peer (`../shared/peers/torch_train.py`, jemalloc preloaded)
 * in the same invocation, interleaved; `wasm` with 1 thread and `cpu` at the first size; the
 * WebAssembly SIMD peak of this machine (a roofline) and, with --profile, each kernel's GFLOP/s
 * in one training step against it. Each measurement runs in its own child process.
 *
 *   npx tsx --conditions=@cxr/source bench/train/run.ts [--sizes 128,224] [--rounds 2] [--steps 10] [--cpu-steps 1] [--profile]
 *       [--no-relaxed-simd] [--peer ../shared/peers/torch_train.py] [--python python3,/usr/bin/python3]
 *
 * Prints a report and writes bench/train/RESULTS.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@cxr/model';
import { buildBenchCnn } from '@cxr/model/testing';
import { enableRelaxedSimd, measureSimdPeak, type SimdPeak } from '@cxr/wasm-training/node';
import { writeResults } from '../results-file.js';
import { kernelFlops } from './flops.js';
import { findTorch, runTorch, type TorchMeasure } from './peer.js';
import { stepFunctions } from './steps.js';

interface KernelTime {
  readonly kernel: string;
  readonly ms: number;
  /** Floating-point operations of the kernel's calls in the step, when it computes more than it moves. */
  readonly flops?: number;
}

interface Measure {
  readonly label: string;
  readonly backend: string;
  readonly threads: number;
  readonly size: number;
  readonly reason: string;
  /** The generated kernels multiply-add fused (relaxed SIMD). */
  readonly fused: boolean;
  readonly trainStepMs: number;
  readonly inferMs: number;
  readonly trainImagesPerSecond: number;
  readonly inferImagesPerSecond: number;
  readonly steps: number;
  readonly profile?: readonly KernelTime[];
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    threads: { type: 'string' },
    size: { type: 'string', default: '128' },
    sizes: { type: 'string', default: '128,224' },
    rounds: { type: 'string', default: '2' },
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '10' },
    'cpu-steps': { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    'no-relaxed-simd': { type: 'boolean', default: false },
    peer: { type: 'string', default: join('..', 'shared', 'peers', 'torch_train.py') },
    python: { type: 'string', default: 'python3,/usr/bin/python3' },
  },
});
const batch = Number(values.batch);
const relaxedSimd = !values['no-relaxed-simd'];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

/** Deterministic pseudo-images in [0, 255] and labels (no Math.random, so runs compare). */
function data(size: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const pixels = new Float32Array(batch * size * size);
  let s = 12345;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    pixels[i] = (s >>> 24) & 255;
  }
  const labels = Float32Array.from({ length: batch }, (_, i) => i % 2);
  return { x: tf.tensor4d(pixels, [batch, size, size, 1]), y: tf.tensor2d(labels, [batch, 1]) };
}

async function child(backend: 'wasm' | 'cpu', threads: number | undefined, size: number, steps: number): Promise<Measure> {
  const choice = await initBackend({ backend, relaxedSimd, ...(threads === undefined ? {} : { threads }) });
  const model = buildBenchCnn({ imageSize: size, seed: 7 });
  const { x, y } = data(size);
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
    process.stderr.write(`${backend} ${size} px: step ${i + 1}/${steps} train ${train[i]?.toFixed(0)} ms, inference ${inference[i]?.toFixed(0)} ms\n`);
  }
  let profile: KernelTime[] | undefined;
  if (values.profile && backend === 'wasm') {
    const info = await tf.profile(() => trainStep());
    const byKernel = new Map<string, { ms: number; flops: number | undefined }>();
    // Entries named '<op>__op' wrap the kernels they run (counted under their own names): leave them out.
    for (const k of info.kernels.filter((entry) => !entry.name.endsWith('__op'))) {
      const seen = byKernel.get(k.name) ?? { ms: 0, flops: undefined };
      const flops = kernelFlops(k.name, k.inputShapes as number[][], k.outputShapes as number[][]);
      byKernel.set(k.name, { ms: seen.ms + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0), flops: flops === undefined ? seen.flops : (seen.flops ?? 0) + flops });
    }
    profile = [...byKernel].map(([kernel, { ms, flops }]) => ({ kernel, ms, ...(flops === undefined ? {} : { flops }) })).sort((a, b) => b.ms - a.ms);
  }
  const trainStepMs = median(train);
  const inferMs = median(inference);
  return {
    label: `${choice.name}${choice.name === 'wasm' ? ` ${choice.threads} thread${choice.threads === 1 ? '' : 's'}` : ''}`,
    backend: choice.name,
    threads: choice.threads,
    size,
    reason: choice.reason,
    fused: choice.kernels?.fusedMultiplyAdd ?? false,
    trainStepMs,
    inferMs,
    trainImagesPerSecond: (batch * 1000) / trainStepMs,
    inferImagesPerSecond: (batch * 1000) / inferMs,
    steps,
    ...(profile === undefined ? {} : { profile }),
  };
}

function runChild(backend: 'wasm' | 'cpu', threads: number | undefined, size: number, steps: number): Measure {
  const args = ['--conditions=@cxr/source', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', backend, '--steps', String(steps)];
  args.push('--size', String(size), '--batch', String(batch));
  if (threads !== undefined) args.push('--threads', String(threads));
  if (values.profile) args.push('--profile');
  if (!relaxedSimd) args.push('--no-relaxed-simd');
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = result.stdout.split('\n').find((l) => l.startsWith('{"label"'));
  if (result.status !== 0 || line === undefined) throw new Error(`child ${backend} failed (exit ${String(result.status)})`);
  return JSON.parse(line) as Measure;
}

const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

if (values.child !== undefined) {
  const backend = values.child === 'cpu' ? 'cpu' : 'wasm';
  const measure = await child(backend, values.threads === undefined ? undefined : Number(values.threads), Number(values.size), Number(values.steps));
  process.stdout.write(`${JSON.stringify(measure)}\n`);
} else {
  const cores = availableParallelism();
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((s) => !Number.isInteger(s) || s < 16)) throw new RangeError(`--sizes: whole numbers >= 16, got ${values.sizes}`);
  const rounds = Number(values.rounds);
  const steps = Number(values.steps);
  const loadBefore = loadavg();

  // The roofline first, on an idle process: 128-bit SIMD multiply-add peak, one thread and all.
  const fusedAvailable = relaxedSimd && enableRelaxedSimd();
  const peaks: SimdPeak[] = [];
  for (const threads of cores > 1 ? [1, cores] : [1]) {
    for (const fused of fusedAvailable ? [false, true] : [false]) peaks.push(await measureSimdPeak({ threads, fused }));
  }
  const peakOf = (threads: number, fused: boolean): number => peaks.find((p) => p.threads === threads && p.fused === fused)?.gflops ?? NaN;

  // The PyTorch peer, if this machine has it.
  const peerScript = resolve(root, values.peer);
  const torch = existsSync(peerScript) ? findTorch(values.python.split(',')) : `the peer script ${values.peer} is not there`;
  if (typeof torch === 'string') process.stderr.write(`PyTorch peer skipped: ${torch}.\n`);
  else if (torch.jemalloc === undefined) process.stderr.write('PyTorch peer runs without jemalloc (apt-get install libjemalloc2): its figures will be 3-7x low on these machines.\n');

  // Interleaved: each round measures every size on wasm, then on PyTorch, so load changes hit both.
  const wasmRuns = new Map<number, Measure[]>(sizes.map((s) => [s, []]));
  const torchRuns = new Map<number, TorchMeasure[]>(sizes.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (const size of sizes) {
      wasmRuns.get(size)?.push(runChild('wasm', undefined, size, steps));
      if (typeof torch !== 'string') {
        const m = runTorch(torch, peerScript, size, cores, steps);
        process.stderr.write(`torch ${size} px: train ${fmt(m.trainImagesPerSecond)} img/s, inference ${fmt(m.inferImagesPerSecond)} img/s\n`);
        torchRuns.get(size)?.push(m);
      }
    }
  }
  const first = sizes[0] as number;
  const oneThread = cores > 1 ? runChild('wasm', 1, first, steps) : undefined;
  const cpuSteps = Number(values['cpu-steps']);
  const cpu = cpuSteps > 0 ? runChild('cpu', undefined, first, cpuSteps) : undefined;
  const loadAfter = loadavg();

  const best = (runs: readonly Measure[]): Measure => runs.reduce((a, b) => (b.trainImagesPerSecond > a.trainImagesPerSecond ? b : a));
  const wasmFirst = best(wasmRuns.get(first) ?? []);
  const sizeRows = sizes.flatMap((size) => {
    const w = wasmRuns.get(size) ?? [];
    const t = torchRuns.get(size) ?? [];
    return w.map((m, i) => {
      const peer = t[i];
      const ratio = peer === undefined ? NaN : m.trainImagesPerSecond / peer.trainImagesPerSecond;
      return `| ${size} | ${i + 1} | ${fmt(m.trainImagesPerSecond)} | ${fmt(m.inferImagesPerSecond)} | ${peer === undefined ? '-' : fmt(peer.trainImagesPerSecond)} | ${peer === undefined ? '-' : fmt(peer.inferImagesPerSecond)} | ${peer === undefined ? '-' : `**${fmt(ratio, 2)}x**`} | ${fmt(m.trainStepMs / m.inferMs, 2)} |`;
    });
  });
  const ratioLines = sizes.map((size) => {
    const w = wasmRuns.get(size) ?? [];
    const t = torchRuns.get(size) ?? [];
    const ratios = w.flatMap((m, i) => (t[i] === undefined ? [] : [m.trainImagesPerSecond / (t[i] as TorchMeasure).trainImagesPerSecond]));
    if (ratios.length === 0) return `- ${size} px: no PyTorch figure in this run.`;
    const mid = median(ratios);
    return `- ${size} px: wasm trains at ${fmt(Math.min(...ratios), 2)}-${fmt(Math.max(...ratios), 2)}x PyTorch (median ${fmt(mid, 2)}x; target at least 0.6x): **${mid >= 0.6 ? 'met' : 'not met'}**.`;
  });
  const baseRows = [wasmFirst, ...(oneThread === undefined ? [] : [oneThread]), ...(cpu === undefined ? [] : [cpu])].map(
    (r) => `| ${r.label} | ${fmt(r.trainStepMs, 0)} | ${fmt(r.trainImagesPerSecond)} | ${fmt(r.inferMs, 0)} | ${fmt(r.inferImagesPerSecond)} | ${fmt(r.trainStepMs / r.inferMs, 2)} | ${r.steps} |`,
  );
  const trainOverInfer = wasmFirst.trainStepMs / wasmFirst.inferMs;
  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  const uptime = (() => {
    try {
      return execFileSync('uptime', { encoding: 'utf8' }).trim();
    } catch {
      return `load average ${loadAfter.map((l) => l.toFixed(2)).join(', ')}`;
    }
  })();
  const roofRows = peaks.map((p) => `| ${p.threads} | ${p.fused ? 'relaxed_madd (fused)' : 'mul + add'} | ${fmt(p.gflops)} | ${p.perThread.map((g) => fmt(g)).join(', ')} |`);
  const fusedInUse = wasmFirst.fused;
  const profileText = sizes
    .map((size) => best(wasmRuns.get(size) ?? []))
    .filter((r) => r.profile !== undefined)
    .map((r) => {
      const ours = peakOf(r.threads, fusedInUse);
      const plain = peakOf(r.threads, false);
      const rows = (r.profile ?? [])
        .filter((k) => k.ms >= 0.5)
        .slice(0, 16)
        .map((k) => {
          if (k.flops === undefined) return `| ${k.kernel} | ${fmt(k.ms)} | - | - |`;
          const gflops = k.flops / (k.ms * 1e6);
          // The convolutions (forward and gradients) are our generated kernels, fused where relaxed SIMD is on; XNNPACK
          // (the matrix products) is built without relaxed SIMD: its roof is mul + add.
          const roof = k.kernel.startsWith('Conv2D') || k.kernel === 'FusedConv2D' ? ours : plain;
          return `| ${k.kernel} | ${fmt(k.ms)} | ${fmt(gflops)} | ${fmt((100 * gflops) / roof, 0)}% |`;
        });
      const total = (r.profile ?? []).reduce((a, k) => a + k.ms, 0);
      return `\n### Kernel time of one profiled training step, ${r.label}, ${r.size} px\n\nThe kernels sum to ${fmt(total, 0)} ms (profiling waits for each kernel; the unprofiled step took ${fmt(r.trainStepMs, 0)} ms). Share of peak: against the ${r.threads}-thread ${fusedInUse ? 'relaxed_madd' : 'mul + add'} peak (${fmt(ours)} GFLOP/s) for our convolution kernels (forward and gradients), against the mul + add peak (${fmt(plain)} GFLOP/s) for XNNPACK's kernels (matrix products).\n\n| kernel | ms | GFLOP/s | share of peak |\n| --- | ---: | ---: | ---: |\n${rows.join('\n')}\n`;
    })
    .join('');
  const peerText =
    typeof torch === 'string'
      ? `PyTorch peer: not run (${torch}).`
      : `PyTorch peer: \`${values.peer}\` with ${torch.python} (torch ${torch.version}), ${cores} threads, ${steps} timed steps after 2 warm-up steps, ${torch.jemalloc === undefined ? '**without jemalloc** (not found: figures 3-7x low here)' : `jemalloc preloaded (${torch.jemalloc}, \`MALLOC_CONF=retain:true,dirty_decay_ms:-1,muzzy_decay_ms:-1\`)`}.`;
  const command = `npx tsx --conditions=@cxr/source bench/train/run.ts${values.sizes === '128,224' ? '' : ` --sizes ${values.sizes}`}${rounds === 2 ? '' : ` --rounds ${rounds}`}${steps === 10 ? '' : ` --steps ${steps}`}${cpuSteps === 1 ? '' : ` --cpu-steps ${cpuSteps}`}${values.profile ? ' --profile' : ''}${relaxedSimd ? '' : ' --no-relaxed-simd'}`;
  const report = `# bench/train: training speed against PyTorch, a roofline, and the backends

Command (from the repository root):

    ${command}

Model: bench-cnn (conv 3x3 'same' + ReLU 16, max-pool 2; 32; 64; conv 128; global average pool; dense 1; each conv + bias +
ReLU one \`CxrConv2D\`, the same layers as PyTorch's \`Conv2d\` + \`ReLU\`),
batch ${batch}, 1 channel, Adam, weighted binary cross-entropy; median of ${steps} timed steps after one
warm-up step on wasm (none on cpu); each measurement in its own process. Machine: ${cores} cores (${cpuModel}), Node ${process.version},
${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Load: ${loadBefore.map((l) => l.toFixed(2)).join(', ')} before,
\`${uptime}\` after (other jobs share these cores, so absolute figures are noisy; compare the ratios, each from
one round, where wasm and PyTorch ran back to back).

## Against PyTorch, same run, interleaved

${peerText} wasm: ${wasmFirst.reason}.

| px | round | wasm train img/s | wasm inference img/s | PyTorch train img/s | PyTorch inference img/s | wasm / PyTorch (train) | wasm train / inference |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${sizeRows.join('\n')}

${ratioLines.join('\n')}

## Roofline: this machine's WebAssembly SIMD peak

A register-only loop of 128-bit multiply-adds (12 independent chains, no memory traffic), \`measureSimdPeak\`
of \`@cxr/wasm-training/node\`: each thread is warmed up until V8 runs its optimized code (not the baseline
compiler's), then the fastest of 5 windows with all threads started together counts. A multiply-add counts
2 floating-point operations per lane. A core with two 128-bit FMA pipes tops out at 16 per cycle fused and
8 with separate multiply and add; one thread and each of all agree when every thread has a core to itself.

| threads | instructions | GFLOP/s | per thread |
| ---: | --- | ---: | --- |
${roofRows.join('\n')}
${profileText}
## The backends at ${first} px

| backend | train step ms | train images/s | inference ms | inference images/s | train / inference | steps |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${baseRows.join('\n')}

- WASM (${wasmFirst.label}): a training step costs ${fmt(trainOverInfer, 2)}x an inference pass (target: at most 4x): **${trainOverInfer <= 4 ? 'met' : 'not met'}**.
${cpu === undefined ? '- `cpu` not run in this invocation (`--cpu-steps 0`).' : `- WASM trains ${fmt(wasmFirst.trainImagesPerSecond / cpu.trainImagesPerSecond, 0)}x faster than \`cpu\` (target: at least 100x): **${wasmFirst.trainImagesPerSecond / cpu.trainImagesPerSecond >= 100 ? 'met' : 'not met'}**.`}
${oneThread === undefined ? '' : `- Threads: with ${wasmFirst.threads} threads a training step takes ${fmt(wasmFirst.trainStepMs / oneThread.trainStepMs, 2)}x and an inference pass ${fmt(wasmFirst.inferMs / oneThread.inferMs, 2)}x the time it takes with 1 (below 1 means faster).`}
`;
  writeResults(join(here, 'RESULTS.md'), report);
  process.stdout.write(report);
}
