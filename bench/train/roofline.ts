/**
 * The roofline of bench/train/run.ts alone, a few seconds: this machine's WebAssembly SIMD peak
 * (`measureSimdPeak`: 128-bit multiply-adds from registers, separate and fused where relaxed SIMD
 * is available) on one thread and on all, `--runs` times in turn, and the clock the cores run at
 * (a chain of dependent 32-bit adds, one cycle each), so the peak reads in floating-point
 * operations per cycle: two 128-bit FMA pipes a core give 16 fused, 8 with separate multiply and add.
 *
 *   npx tsx --conditions=@cxr/source bench/train/roofline.ts [--runs 3]
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { encodeModule, FunctionBody, i32, webAssembly } from '@cxr/wasm-training/bench';
import { enableRelaxedSimd, measureSimdPeak } from '@cxr/wasm-training/node';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs: a whole number >= 1, got ${values.runs}`);

/** GHz of this thread: 64 dependent i32.add per loop turn, fastest of 5 calls after a warm-up. */
function clockGhz(): number {
  const f = new FunctionBody([i32, i32]);
  const x = f.local(i32);
  f.block(() => {
    f.loop(() => {
      f.get(0).eqz().brIf(1);
      f.get(x);
      for (let k = 0; k < 64; k++) f.get(1).add();
      f.set(x).get(0).const(1).sub().set(0).br(0);
    });
  });
  f.const(0).get(x).i32Store();
  const memory = new webAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const module = new webAssembly.Module(encodeModule([{ name: 'run', body: f }], true));
  const run = new webAssembly.Instance(module, { env: { memory } }).exports['run'] as (turns: number, step: number) => void;
  for (let i = 0; i < 20; i++) run(100_000, i);
  const turns = 2_000_000;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    run(turns, i + 3);
    best = Math.min(best, performance.now() - t);
  }
  return (turns * 64) / (best * 1e6);
}

const fused = enableRelaxedSimd();
const cores = availableParallelism();
process.stdout.write(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(', ')}\n\n`);
process.stdout.write('| run | clock GHz | threads | instructions | GFLOP/s | per thread | FLOP per cycle a thread |\n| ---: | ---: | ---: | --- | ---: | --- | --- |\n');
for (let r = 1; r <= runs; r++) {
  const ghz = clockGhz();
  for (const threads of cores > 1 ? [1, cores] : [1]) {
    for (const f of fused ? [false, true] : [false]) {
      const peak = await measureSimdPeak({ threads, fused: f });
      const cells = [r, ghz.toFixed(2), threads, f ? 'relaxed_madd (fused)' : 'mul + add', peak.gflops.toFixed(1), peak.perThread.map((g) => g.toFixed(1)).join(', '), peak.perThread.map((g) => (g / ghz).toFixed(1)).join(', ')];
      process.stdout.write(`| ${cells.join(' | ')} |\n`);
    }
  }
}
process.stdout.write(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(', ')}\n`);
