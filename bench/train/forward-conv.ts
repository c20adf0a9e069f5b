/**
 * The forward convolution on wasm: XNNPACK's `Conv2D` / `FusedConv2D` (shipped by
 * tfjs-backend-wasm) against the generated SIMD kernel of @cxr/wasm-training, on the layer shapes
 * of the benchmark CNN (3x3 'same', stride 1) and of the default compact CNN (stride-2 stem, then
 * stride 1), batch 32, at each size. Same process, interleaved call by call, the fastest of the
 * runs (a shared machine's load only adds time, and hits both alike): read the ratio. Also how far apart the two results
 * are (they sum in different orders): max |ours - XNNPACK| / max |XNNPACK| per layer.
 *
 *   npx tsx --conditions=@cxr/source bench/train/forward-conv.ts [--sizes 128,224] [--runs 9] [--threads N] [--fused]
 *
 * `--fused` also times `FusedConv2D` with a bias and ReLU (what inference runs).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '@cxr/model';
import { interleavedKernelTimes } from './interleaved-kernel-times.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '128,224' },
    runs: { type: 'string', default: '9' },
    threads: { type: 'string' },
    fused: { type: 'boolean', default: false },
  },
});
const shippedConfigs = [tf.Conv2D, tf.FusedConv2D].map((name) => tf.getKernel(name, 'wasm')).filter((k) => k !== undefined);
const choice = await initBackend({ backend: 'wasm', ...(values.threads === undefined ? {} : { threads: Number(values.threads) }) });
const backend = tf.backend();
const shipped = new Map<string, tf.KernelFunc>(shippedConfigs.map((config) => [config.kernelName, config.kernelFunc]));
const runs = Number(values.runs);
const n = 32;

function fastest(xs: number[]): number {
  return xs.length === 0 ? NaN : Math.min(...xs);
}
function relativeDifference(a: tf.TensorInfo, b: tf.TensorInfo): number {
  const x = backend.readSync(a.dataId) as Float32Array;
  const y = backend.readSync(b.dataId) as Float32Array;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs((x[i] ?? NaN) - (y[i] ?? NaN)));
    scale = Math.max(scale, Math.abs(y[i] ?? 0));
  }
  return diff / scale;
}

interface Layer {
  readonly model: 'bench-cnn' | 'compact-cnn';
  readonly h: number;
  readonly ci: number;
  readonly co: number;
  readonly stride: number;
}
const layers = (size: number): Layer[] => [
  ...[
    [size, 1, 16],
    [size / 2, 16, 32],
    [size / 4, 32, 64],
    [size / 8, 64, 128],
  ].map(([h = 0, ci = 0, co = 0]) => ({ model: 'bench-cnn' as const, h, ci, co, stride: 1 })),
  ...[
    [size, 1, 16, 2],
    [size / 4, 16, 32, 1],
    [size / 8, 32, 64, 1],
    [size / 16, 64, 128, 1],
    [size / 32, 128, 256, 1],
  ].map(([h = 0, ci = 0, co = 0, stride = 1]) => ({ model: 'compact-cnn' as const, h, ci, co, stride })),
];

const rows: string[] = [];
const totals = new Map<string, { xnnpack: number; ours: number }>();
for (const size of values.sizes.split(',').map(Number)) {
  for (const layer of layers(size)) {
    const { h, ci, co, stride } = layer;
    const x = tf.randomUniform([n, h, h, ci], -1, 1, 'float32', 1);
    const filter = tf.randomUniform([3, 3, ci, co], -0.3, 0.3, 'float32', 2);
    const bias = tf.randomUniform([co], -0.1, 0.1, 'float32', 3);
    const attrs = { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
    const fusedAttrs = { ...attrs, activation: 'relu', leakyreluAlpha: 0 };
    const call = (name: string, inputs: tf.NamedTensorMap, a: object, func?: tf.KernelFunc) => () =>
      (func ?? (tf.getKernel(name, 'wasm') as tf.KernelConfig).kernelFunc)({ inputs, backend, attrs: a as tf.NamedAttrMap }) as tf.TensorInfo;
    const cases: [string, () => tf.TensorInfo][] = [
      ['Conv2D XNNPACK', call(tf.Conv2D, { x, filter }, attrs, shipped.get(tf.Conv2D))],
      ['Conv2D ours', call(tf.Conv2D, { x, filter }, attrs)],
    ];
    if (values.fused) {
      cases.push(['FusedConv2D XNNPACK', call(tf.FusedConv2D, { x, filter, bias }, fusedAttrs, shipped.get(tf.FusedConv2D))]);
      cases.push(['FusedConv2D ours', call(tf.FusedConv2D, { x, filter, bias }, fusedAttrs)]);
    }
    const reference = cases[0]?.[1]();
    const ours = cases[1]?.[1]();
    const difference = reference !== undefined && ours !== undefined ? relativeDifference(ours, reference) : NaN;
    for (const out of [reference, ours]) if (out !== undefined) backend.disposeData(out.dataId);
    const times = interleavedKernelTimes(backend, cases, runs);
    const flops = 2 * n * Math.ceil(h / stride) ** 2 * co * 9 * ci;
    const ms = (label: string): number => fastest(times.get(label) ?? []);
    const pairs: [string, string][] = [['Conv2D XNNPACK', 'Conv2D ours']];
    if (values.fused) pairs.push(['FusedConv2D XNNPACK', 'FusedConv2D ours']);
    for (const [a, b] of pairs) {
      const kind = a.split(' ')[0] ?? a;
      const key = `${layer.model} ${size} px ${kind}`;
      const total = totals.get(key) ?? { xnnpack: 0, ours: 0 };
      totals.set(key, { xnnpack: total.xnnpack + ms(a), ours: total.ours + ms(b) });
      rows.push(
        `| ${layer.model} | ${size} | ${n}x${h}x${h}x${ci} -> ${co}${stride > 1 ? `, stride ${stride}` : ''} | ${kind} | ${ms(a).toFixed(1)} | ${ms(b).toFixed(1)} | ${(ms(b) / ms(a)).toFixed(2)} | ${(flops / ms(a) / 1e6).toFixed(1)} | ${(flops / ms(b) / 1e6).toFixed(1)} | ${kind === 'Conv2D' ? difference.toExponential(1) : '-'} |`,
      );
    }
    tf.dispose([x, filter, bias]);
  }
}
const header = '| model | px | layer (3x3 \'same\') | kernel | XNNPACK ms | ours ms | ours / XNNPACK | XNNPACK GFLOP/s | ours GFLOP/s | max diff / max |\n| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |';
const sums = [...totals].map(([key, t]) => `| ${key} | ${t.xnnpack.toFixed(1)} | ${t.ours.toFixed(1)} | ${(t.ours / t.xnnpack).toFixed(2)} |`);
process.stdout.write(
  `wasm ${choice.threads} thread(s) (${choice.reason}); batch ${n}; fastest of ${runs} runs, interleaved\n\n${header}\n${rows.join('\n')}\n\n| all layers | XNNPACK ms | ours ms | ours / XNNPACK |\n| --- | ---: | ---: | ---: |\n${sums.join('\n')}\n`,
);
