/**
 * Per-kernel times on the benchmark CNN's layer shapes (batch 32, 128x128x1 input), WASM:
 * the forward convolution (ours and XNNPACK's) against this package's backprop kernels and the
 * shipped ones they replace. Interleaved, median of the runs, so a shared machine's load hits all alike.
 *
 *   npx tsx --conditions=@cxr/source bench/train/kernels.ts [--runs 5] [--threads N]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '@cxr/model';
import { interleavedKernelTimes } from './interleaved-kernel-times.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, threads: { type: 'string' } } });
const shippedConfigs = ['Conv2D', 'Conv2DBackpropInput', 'MaxPoolGrad'].map((name) => tf.getKernel(name, 'wasm')).filter((k) => k !== undefined);
const choice = await initBackend({ backend: 'wasm', ...(values.threads === undefined ? {} : { threads: Number(values.threads) }) });
const backend = tf.backend();
// The shipped kernels were replaced before the backend started: run their setup by hand.
const shipped = new Map<string, tf.KernelFunc>();
for (const config of shippedConfigs) {
  config.setupFunc?.(backend);
  shipped.set(config.kernelName, config.kernelFunc);
}
const runs = Number(values.runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
const random = (shape: number[]): tf.Tensor => tf.randomUniform(shape, -1, 1, 'float32', 1);

const rows: string[] = [];
const layers = [
  { h: 128, ci: 1, co: 16 },
  { h: 64, ci: 16, co: 32 },
  { h: 32, ci: 32, co: 64 },
  { h: 16, ci: 64, co: 128 },
];
const n = 32;
for (const { h, ci, co } of layers) {
  const x = random([n, h, h, ci]);
  const w = random([3, 3, ci, co]);
  const dy = random([n, h, h, co]);
  const convAttrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: object, func?: tf.KernelFunc) => () =>
    (func ?? (tf.getKernel(name, 'wasm') as tf.KernelConfig).kernelFunc)({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  const cases: [string, () => tf.TensorInfo][] = [
    ['Conv2D (ours)', run('Conv2D', { x, filter: w }, convAttrs)],
    ['Conv2D (XNNPACK, shipped)', run('Conv2D', { x, filter: w }, convAttrs, shipped.get('Conv2D'))],
    ['Conv2DBackpropFilter (ours)', run('Conv2DBackpropFilter', { x, dy }, { ...convAttrs, filterShape: [3, 3, ci, co] })],
    ['Conv2DBackpropInput (ours)', run('Conv2DBackpropInput', { dy, filter: w }, { ...convAttrs, inputShape: [n, h, h, ci] })],
    ['Conv2DBackpropInput (shipped)', run('Conv2DBackpropInput', { dy, filter: w }, { ...convAttrs, inputShape: [n, h, h, ci] }, shipped.get('Conv2DBackpropInput'))],
  ];
  const pooled = tf.maxPool(dy as tf.Tensor4D, 2, 2, 'valid');
  const dyPool = random(pooled.shape);
  const poolAttrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: undefined };
  cases.push(['MaxPoolGrad (ours)', run('MaxPoolGrad', { dy: dyPool, input: dy, output: pooled }, poolAttrs)]);
  cases.push(['MaxPoolGrad (shipped)', run('MaxPoolGrad', { dy: dyPool, input: dy, output: pooled }, poolAttrs, shipped.get('MaxPoolGrad'))]);
  const times = interleavedKernelTimes(backend, cases, runs);
  for (const [label, ts] of times) rows.push(`| ${n}x${h}x${h}x${ci} -> ${co} | ${label} | ${median(ts).toFixed(1)} |`);
  tf.dispose([x, w, dy, pooled, dyPool]);
}
process.stdout.write(`WASM ${choice.threads} thread(s); median of ${runs} runs\n\n| layer | kernel | ms |\n| --- | --- | ---: |\n${rows.join('\n')}\n`);
