/**
 * Register blocks of the generated SIMD training kernels, timed against each other on the
 * benchmark CNN's layer shapes (batch 32, 3x3 'same'): each variant is a module of its own on one
 * plain memory, one thread, interleaved rounds, minimum per layer (a shared machine only adds time).
 * The default blocks also run with relaxed SIMD's fused multiply-add (`fused`), when the runtime has it.
 * Kernels: the weight gradient, the input gradient and the forward convolution.
 *
 *   npx tsx --conditions=@cxr/source bench/train/simd-blocks.ts [--rounds 6]
 */
import { parseArgs } from 'node:util';
import { enableRelaxedSimd } from '@cxr/wasm-training/node';
import { simdKernelModule, webAssembly } from '@cxr/wasm-training/bench';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '6' } } });
const rounds = Number(values.rounds);
type Kernels = Record<'filterGrad' | 'inputGrad' | 'conv2d', (...args: number[]) => void>;

/** [n, h (= w), input channels, output channels] of bench-cnn's convolutions. */
const layers = [
  [32, 128, 1, 16],
  [32, 64, 16, 32],
  [32, 32, 32, 64],
  [32, 16, 64, 128],
] as const;
const pages = Math.ceil((32 * 128 * 128 * 16 * 3 * 4 + (1 << 20)) / 65536);
const memory = new webAssembly.Memory({ initial: pages });
const heap = new Float32Array(memory.buffer);
for (let i = 0; i < heap.length; i++) heap[i] = ((i * 7919) % 13) / 13 - 0.5;

function timeVariants(label: string, variants: readonly (readonly [string, Kernels])[], call: (k: Kernels, layer: (typeof layers)[number]) => void, skip: (layer: (typeof layers)[number]) => boolean): void {
  const best = variants.map(() => layers.map(() => Infinity));
  for (let round = 0; round <= rounds; round++) {
    variants.forEach(([, kernels], v) =>
      layers.forEach((layer, l) => {
        if (skip(layer)) return;
        const t = performance.now();
        call(kernels, layer);
        // Round 0 warms up (V8 compiles the module in tiers).
        if (round > 0) best[v]![l] = Math.min(best[v]![l]!, performance.now() - t);
      }),
    );
  }
  process.stdout.write(`\n${label}, one thread, min of ${rounds} rounds (ms per layer)\n\n| block | ${layers.map(([n, h, ci, co]) => `${n}x${h}x${h}x${ci} -> ${co}`).join(' | ')} |\n| --- |${layers.map(() => ' ---: |').join('')}\n`);
  variants.forEach(([name], v) => process.stdout.write(`| ${name} | ${best[v]!.map((ms) => (Number.isFinite(ms) ? ms.toFixed(1) : '-')).join(' | ')} |\n`));
}

const fused = enableRelaxedSimd();
const instance = (blocks: Parameters<typeof simdKernelModule>[1], fma = false): Kernels =>
  new webAssembly.Instance(new webAssembly.Module(simdKernelModule(false, blocks, fma)), { env: { memory } }).exports as unknown as Kernels;

const filterBlocks = [[4, 8], [2, 16], [3, 8], [2, 12], [8, 4], [3, 12]] as const;
timeVariants(
  'filterGrad (weight gradient), block = input x output channels',
  [
    ...filterBlocks.map(([inputs, outputs]) => [`${inputs} x ${outputs}`, instance({ filter: { inputs, outputs } })] as const),
    ...(fused ? [['4 x 8 fused (relaxed_madd)', instance({}, true)] as const] : []),
  ],
  (k, [n, h, ci, co]) => {
    const x = 1024;
    const dy = x + n * h * h * ci * 4 + 64;
    const dw = dy + n * h * h * co * 4 + 64;
    k.filterGrad(0, 1, x, dy, dw, 0, n, h, h, ci, h, h, co, 3, 3, 1, 1, 1, 1);
  },
  () => false,
);

const inputBlocks = [[4, 8], [2, 16], [3, 8], [2, 12], [2, 8]] as const;
timeVariants(
  'inputGrad (input gradient), block = columns x input channels',
  [
    ...inputBlocks.map(([positions, channels]) => [`${positions} x ${channels}`, instance({ input: { positions, channels } })] as const),
    ...(fused ? [['2 x 16 fused (relaxed_madd)', instance({}, true)] as const] : []),
  ],
  (k, [n, h, ci, co]) => {
    const dy = 1024;
    const wt = dy + n * h * h * co * 4 + 64;
    const dx = wt + 9 * ci * co * 4 + 64;
    k.inputGrad(0, 1, dy, wt, dx, n, h, h, ci, h, h, co, 3, 3, 1, 1, 1, 1);
  },
  ([, , ci]) => ci % 4 !== 0, // the first layer's input (1 channel) needs no gradient
);

const convBlocks = [[2, 16], [3, 8], [4, 8], [1, 16], [2, 8]] as const;
timeVariants(
  'conv2d (forward convolution), block = columns x output channels',
  [
    ...convBlocks.map(([positions, channels]) => [`${positions} x ${channels}`, instance({ conv: { positions, channels } })] as const),
    ...(fused ? [['2 x 16 fused (relaxed_madd)', instance({}, true)] as const] : []),
  ],
  (k, [n, h, ci, co]) => {
    const x = 1024;
    const w = x + n * h * h * ci * 4 + 64;
    const y = w + 9 * ci * co * 4 + 64;
    k.conv2d(0, 1, x, w, 0, y, n, h, h, ci, h, h, co, 3, 3, 1, 1, 1, 1, 0);
  },
  () => false,
);
