/**
 * Where one training step of a model goes on a backend: step and inference times, then kernel
 * time by kernel name, and the convolutions (forward and gradients) by shape. Batch 32 of noise images; the
 * compact CNN with the default augmentation (flip, 10 degrees, zoom 0.1), as `cxr train` builds it.
 *
 * `--steps N` times N steps after 3 warm-up steps and reports their median and fastest (default 5).
 *
 *   npx tsx --conditions=@cxr/source bench/train/profile-step.ts [--architecture compact-cnn|bench-cnn] [--size 128] [--backend wasm] [--steps 5]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { buildModel, initBackend, type BackendName } from '@cxr/model';
import { buildBenchCnn } from '@cxr/model/testing';
import { stepFunctions } from './steps.js';

const { values } = parseArgs({
  options: {
    architecture: { type: 'string', default: 'compact-cnn' },
    size: { type: 'string', default: '128' },
    backend: { type: 'string', default: 'wasm' },
    steps: { type: 'string', default: '5' },
  },
});
const architecture = values.architecture === 'bench-cnn' ? 'bench-cnn' : 'compact-cnn';
const size = Number(values.size);
const batch = 32;
const choice = await initBackend({ backend: values.backend as BackendName });
const model =
  architecture === 'bench-cnn' ? buildBenchCnn({ imageSize: size, seed: 7 }) : buildModel({ architecture, imageSize: size, seed: 7, augment: { flip: true, rotationDegrees: 10, zoom: 0.1 } });
const x = tf.randomUniform([batch, size, size, 1], 0, 255, 'float32', 1);
const y = tf.tensor2d(Array.from({ length: batch }, (_, i) => i % 2), [batch, 1]);
const { trainStep: step, infer } = stepFunctions(model, x, y);
const steps = Number(values.steps);
/** Median and fastest of n calls, in ms. */
const timed = (f: () => void, n: number): { median: number; fastest: number } => {
  const times = Array.from({ length: n }, () => {
    const t = performance.now();
    f();
    return performance.now() - t;
  }).sort((a, b) => a - b);
  return { median: times[Math.floor(n / 2)] ?? NaN, fastest: times[0] ?? NaN };
};
for (let i = 0; i < 3; i++) step();
infer();
const stepMs = timed(step, steps);
const inferMs = timed(infer, steps);
const profile = await tf.profile(step);
const byName = new Map<string, number>();
// Entries named '<op>__op' wrap the kernels they run (counted under their own names): leave them out.
for (const k of profile.kernels.filter((entry) => !entry.name.endsWith('__op'))) byName.set(k.name, (byName.get(k.name) ?? 0) + (k.kernelTimeMs as number));
const kernelMs = [...byName.values()].reduce((a, b) => a + b, 0);
const lines = [
  `${architecture}, batch ${batch}, ${size} px, ${choice.name} (${choice.threads} thread(s)): training step ${stepMs.median.toFixed(0)} ms (median of ${steps}; fastest ${stepMs.fastest.toFixed(0)}), inference ${inferMs.median.toFixed(0)} ms; the kernels of one profiled step sum to ${kernelMs.toFixed(0)} ms (profiling waits for each kernel, so it runs slower than an unprofiled step; what the step spends outside kernels is JavaScript: the tape, tfjs-layers, augmentation set-up)`,
  '',
  '| kernel | ms |',
  '| --- | ---: |',
  ...[...byName].sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms >= 0.5).map(([name, ms]) => `| ${name} | ${ms.toFixed(1)} |`),
  '',
  '| convolution | input shapes | ms |',
  '| --- | --- | ---: |',
  ...profile.kernels
    .filter((k) => /^(Fused)?Conv2D/.test(k.name))
    .map((k) => `| ${k.name} | ${JSON.stringify(k.inputShapes)} | ${(k.kernelTimeMs as number).toFixed(1)} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
