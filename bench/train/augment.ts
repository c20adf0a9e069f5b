/**
 * The default recipe's resampling augmentations (rotation, zoom, crop, shift: four per training
 * step) on the wasm backend, with `@cxr/wasm-training`'s `CxrBilinearResample` kernel and without
 * it (the kernel unregistered, so `@cxr/preprocess` takes its JavaScript pass over the pixels, the
 * path before the kernel), interleaved call by call; median of the rounds per transform, batch 32,
 * one channel. Both give the same bits (checked here too).
 *
 *   npx tsx --conditions=@cxr/source bench/train/augment.ts [--sizes 128,224] [--rounds 15]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@cxr/model';
import { cropImages, rotateImages, shiftImages, zoomImages } from '@cxr/preprocess';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '128,224' }, rounds: { type: 'string', default: '15' } } });
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);
const batch = 32;
const KERNEL = 'CxrBilinearResample';

const choice = await initBackend({ backend: 'wasm' });
const kernel = tf.getKernel(KERNEL, 'wasm');
if (kernel === undefined) throw new Error(`${KERNEL} is not registered for wasm: nothing to compare`);
const parameters = Array.from({ length: batch }, (_, i) => ((i * 37) % 21) / 10 - 1);
const transforms = {
  rotation: (x: tf.Tensor4D) => rotateImages(x, parameters.map((p) => p * 10), 'reflect'),
  zoom: (x: tf.Tensor4D) => zoomImages(x, parameters.map((p) => 1 + p * 0.1), 'reflect'),
  crop: (x: tf.Tensor4D) => cropImages(x, parameters.map((p) => ({ scale: 0.65 + 0.35 * Math.abs(p), x: (p + 1) / 2, y: (1 - p) / 2 }))),
  shift: (x: tf.Tensor4D) => shiftImages(x, parameters.map((p) => [p * 0.05, -p * 0.05] as const), 'reflect'),
} as const;
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1] ?? NaN;

const lines = [
  `wasm (${choice.threads} thread(s)), batch ${batch}, 1 channel, median of ${rounds} rounds, ms per call (${new Date().toISOString().slice(0, 16)} UTC)`,
  '',
  '| px | transform | JavaScript pass | kernel | kernel / JavaScript |',
  '| ---: | --- | ---: | ---: | ---: |',
];
for (const size of sizes) {
  const images = tf.randomUniform([batch, size, size, 1], 0, 255, 'float32', 3) as tf.Tensor4D;
  const times: Record<string, { js: number[]; kernel: number[] }> = {};
  const timeOnce = (name: keyof typeof transforms): { ms: number; bits: Uint32Array } => {
    const t = performance.now();
    const out = transforms[name](images);
    const data = out.dataSync() as Float32Array;
    const ms = performance.now() - t;
    out.dispose();
    return { ms, bits: new Uint32Array(data.slice().buffer) };
  };
  for (let round = 0; round <= rounds; round++) {
    for (const name of Object.keys(transforms) as (keyof typeof transforms)[]) {
      tf.unregisterKernel(KERNEL, 'wasm');
      const js = timeOnce(name);
      tf.registerKernel(kernel);
      const onKernel = timeOnce(name);
      if (!js.bits.every((word, i) => word === onKernel.bits[i])) throw new Error(`${name} at ${size} px: the kernel's bits differ from the JavaScript pass`);
      // Round 0 warms both paths up.
      if (round === 0) continue;
      const entry = (times[name] ??= { js: [], kernel: [] });
      entry.js.push(js.ms);
      entry.kernel.push(onKernel.ms);
    }
  }
  images.dispose();
  let jsTotal = 0;
  let kernelTotal = 0;
  for (const [name, t] of Object.entries(times)) {
    const [js, k] = [median(t.js), median(t.kernel)];
    jsTotal += js;
    kernelTotal += k;
    lines.push(`| ${size} | ${name} | ${js.toFixed(1)} | ${k.toFixed(1)} | ${(k / js).toFixed(2)} |`);
  }
  lines.push(`| ${size} | all four | ${jsTotal.toFixed(1)} | ${kernelTotal.toFixed(1)} | ${(kernelTotal / jsTotal).toFixed(2)} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
