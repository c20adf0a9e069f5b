import { Worker } from 'node:worker_threads';
import { encodeModule, FunctionBody, i32, relaxedSimdSupported, v128, webAssembly } from './kernels/simd/emit.js';

/** Options of {@link measureSimdPeak}. */
export interface SimdPeakOptions {
  /** Threads running the loop at once (default 1); each is a worker with its own instance. */
  readonly threads?: number;
  /** Multiply-add with relaxed SIMD's `f32x4.relaxed_madd` (default false: `f32x4.mul` then `f32x4.add`). */
  readonly fused?: boolean;
  /** Loop iterations per thread in each timed window (default 10 million: 25-60 ms at the peak of one core). */
  readonly iterations?: number;
  /** Timed windows, all threads started together in each; the fastest window is the result (default 5). */
  readonly repeats?: number;
}

/** What {@link measureSimdPeak} measured. */
export interface SimdPeak {
  /** Floating-point operations per second over all threads, in GFLOP/s (a multiply-add counts 2 per lane). */
  readonly gflops: number;
  /** Each thread's own rate in the same window, GFLOP/s. */
  readonly perThread: readonly number[];
  readonly threads: number;
  readonly fused: boolean;
}

/** Independent accumulators: enough to cover the multiply-add latency on two vector pipes, few enough to stay in registers. */
const CHAINS = 12;

/** The loop: `CHAINS` v128 accumulators, each `acc = acc * m + a` per iteration, no memory traffic. */
function peakModule(fused: boolean): Uint8Array {
  const f = new FunctionBody([i32]);
  const acc = Array.from({ length: CHAINS }, () => f.local(v128));
  const [m, a] = [f.local(v128), f.local(v128)];
  f.f32x4Constant(0.999).set(m).f32x4Constant(0.001).set(a);
  acc.forEach((v, i) => f.f32x4Constant(i * 0.01).set(v));
  f.block(() => {
    f.loop(() => {
      f.get(0).eqz().brIf(1);
      for (const v of acc) {
        if (fused) f.get(v).get(m).get(a).f32x4RelaxedMadd().set(v);
        else f.get(v).get(m).f32x4Mul().get(a).f32x4Add().set(v);
      }
      f.get(0).const(1).sub().set(0).br(0);
    });
  });
  // Keep the results alive: store their sum at address 0.
  f.const(0);
  acc.forEach((v, i) => {
    f.get(v);
    if (i > 0) f.f32x4Add();
  });
  f.v128Store();
  return encodeModule([{ name: 'run', body: f }], true);
}

/**
 * The worker. V8 first runs a WebAssembly function on its baseline compiler (Liftoff: about half
 * the optimized rate on this loop, a third with fused multiply-add) and swaps in the optimized
 * code (TurboFan) only for later calls, never within a running call. So the warm-up calls the loop
 * in short chunks until three calls in a row take the same time (within 5%), at least 50 ms and at
 * most 2 s, and only then the timed windows start, each in a fresh call. Gate: `g[1]` counts the
 * threads ready, `g[0]` is the window the main thread has released.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, gate, iterations, repeats } = workerData;
const run = new WebAssembly.Instance(module, { env: { memory } }).exports.run;
const start = performance.now();
let previous = NaN;
let steady = 0;
while (performance.now() - start < 2000) {
  const t = performance.now();
  run(1000000);
  const ms = performance.now() - t;
  steady = Math.abs(ms - previous) <= 0.05 * previous ? steady + 1 : 0;
  previous = ms;
  if (steady >= 2 && performance.now() - start >= 50) break;
}
const g = new Int32Array(gate);
for (let window = 1; window <= repeats; window++) {
  Atomics.add(g, 1, 1);
  Atomics.wait(g, 0, window - 1);
  const t = performance.now();
  run(iterations);
  parentPort.postMessage(performance.now() - t);
}
`;

/**
 * Measures this runtime's WebAssembly SIMD floating-point peak: a register-only loop of 128-bit
 * multiply-adds (12 independent chains), on one thread or on several at once (worker threads,
 * each warmed up until V8 runs its optimized code, then started together for each timed window;
 * the fastest of `repeats` windows counts). The figure is the roof a SIMD kernel can reach when
 * its data is in registers: what the training kernels get is compared with it. One thread and
 * each of several agree when every thread has a core of its own.
 *
 * @example
 * ```ts
 * const one = await measureSimdPeak();
 * const all = await measureSimdPeak({ threads: 2, fused: relaxedSimdSupported() });
 * ```
 * @throws RangeError for a thread count below 1 or above 64, or iterations or repeats out of
 *   range; Error when `fused` is asked for and relaxed SIMD is unavailable (see `enableRelaxedSimd`).
 */
export async function measureSimdPeak(options: SimdPeakOptions = {}): Promise<SimdPeak> {
  const threads = options.threads ?? 1;
  const fused = options.fused ?? false;
  const iterations = options.iterations ?? 10_000_000;
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new RangeError(`measureSimdPeak: threads must be a whole number in 1..64, got ${String(threads)}.`);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 2 ** 31 - 1) throw new RangeError(`measureSimdPeak: iterations must be a whole number in 1..2^31-1, got ${String(iterations)}.`);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 1000) throw new RangeError(`measureSimdPeak: repeats must be a whole number in 1..1000, got ${String(repeats)}.`);
  if (fused && !relaxedSimdSupported()) throw new Error('measureSimdPeak: relaxed SIMD is unavailable in this runtime (call enableRelaxedSimd() first).');
  const module = new webAssembly.Module(peakModule(fused));
  const memory = new webAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const gate = new SharedArrayBuffer(8);
  const g = new Int32Array(gate);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { module, memory, gate, iterations, repeats } }));
  let failure: unknown;
  try {
    const times = workers.map((worker) => {
      const ms: number[] = [];
      return new Promise<number[]>((resolve, reject) => {
        worker.on('message', (t: number) => {
          ms.push(t);
          if (ms.length === repeats) resolve(ms);
        });
        worker.once('error', (error) => {
          failure = error;
          reject(error);
        });
      });
    });
    for (const t of times) t.catch(() => undefined);
    for (let window = 1; window <= repeats; window++) {
      while (Atomics.load(g, 1) < threads * window) {
        if (failure !== undefined) throw failure;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      Atomics.store(g, 0, window);
      Atomics.notify(g, 0);
    }
    const ms = await Promise.all(times);
    const flops = iterations * CHAINS * 4 * 2;
    // The window whose slowest thread was fastest: all threads ran in it together.
    let best = 0;
    const slowest = (w: number): number => Math.max(...ms.map((t) => t[w] ?? Infinity));
    for (let w = 1; w < repeats; w++) if (slowest(w) < slowest(best)) best = w;
    const perThread = ms.map((t) => flops / ((t[best] ?? Infinity) * 1e6));
    return { gflops: (flops * threads) / (slowest(best) * 1e6), perThread, threads, fused };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
