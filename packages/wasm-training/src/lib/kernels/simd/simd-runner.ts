import type * as tf from '@tensorflow/tfjs-core';
import type { Info } from '../wasm-calls.js';
import { relaxedSimdSupported, webAssembly, type WasmMemory } from './emit.js';
import { BATCH_NORM_ARGS, BINARY_ARGS, CONV2D_ARGS, FILTER_GRAD_ARGS, GATHER_ARGS, INPUT_GRAD_ARGS, MAX_POOL_ARGS, MAX_POOL_GRAD_ARGS, RESAMPLE_ARGS, ROW_SUM_ARGS, SUM_PARTS_ARGS, simdKernelModule } from './simd-module.js';

/**
 * Runs the generated SIMD kernels ({@link simdKernelModule}) on the tfjs WASM backend's own
 * memory, with as many threads as the backend uses. With the threaded build that memory is
 * shared: each extra thread is a worker holding its own instance of the kernels on the same
 * memory, parked on an `Atomics.wait` between jobs (a job costs a few microseconds to hand
 * out). The threads of a job claim its parts one by one from a shared counter, so a worker that
 * the OS runs late (XNNPACK's own pool threads spin for a while after each of its operators)
 * leaves its parts to the others instead of holding the job up. Each part writes only its own
 * output, so the result does not depend on who ran it. The main thread takes part too and waits
 * for every worker to report before it returns.
 */

/** Whether kernels created from now on may use relaxed SIMD's fused multiply-add (see {@link setRelaxedSimd}). */
let relaxedSimdWanted = true;

/**
 * Lets the generated kernels use relaxed SIMD's `f32x4.relaxed_madd` where the runtime supports it
 * (the default), or never. Takes effect for kernels bound to a backend after the call.
 */
export function setRelaxedSimd(wanted: boolean): void {
  relaxedSimdWanted = wanted;
}

/** Whether kernels bound now would multiply-add with relaxed SIMD: wanted, and supported by this runtime. */
export function relaxedSimdInUse(): boolean {
  return relaxedSimdWanted && relaxedSimdSupported();
}

const KERNELS = {
  filterGrad: FILTER_GRAD_ARGS,
  inputGrad: INPUT_GRAD_ARGS,
  sumParts: SUM_PARTS_ARGS,
  maxPoolGrad2x2: MAX_POOL_GRAD_ARGS,
  gather32: GATHER_ARGS,
  conv2d: CONV2D_ARGS,
  binary: BINARY_ARGS,
  rowSum: ROW_SUM_ARGS,
  maxPool2x2: MAX_POOL_ARGS,
  resample: RESAMPLE_ARGS,
  batchNorm: BATCH_NORM_ARGS,
} as const;
export type KernelName = keyof typeof KERNELS;
type KernelArgs<K extends KernelName> = { readonly [A in (typeof KERNELS)[K][number]]: number };
const NAMES = Object.keys(KERNELS) as KernelName[];

/**
 * Below this many elements a memory-bound pass (element-wise op, row sum) runs on the calling
 * thread alone: waking a parked worker costs more than the pass (Adam's updates of a 74k-weight
 * filter ran slower on two threads than on one).
 */
export const MIN_THREADED_ELEMENTS = 1 << 20;

/** Parts per thread of a job whose rows are independent (see {@link SimdKernels.balancedParts}). */
export const PARTS_PER_THREAD = 4;

/** Control words shared with the workers. */
const GENERATION = 0;
const JOB = 1;
const ARG_COUNT = 2;
const PARTS = 3;
const FAILED = 4;
const DONE = 5;
const READY = 6;
const THREADS = 7;
/** The next part of the job to claim: threads take parts as they get to them. */
const NEXT = 8;
const ARGS = 9;
const CONTROL_WORDS = ARGS + 32;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control, index, names } = workerData;
const ctrl = new Int32Array(control);
let kernels;
try {
  kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  Atomics.add(ctrl, ${READY}, 1);
} catch {
  Atomics.store(ctrl, ${FAILED}, 1);
}
// Tells the main thread this worker is up (or is not), so it can wait without polling.
parentPort.postMessage(kernels !== undefined);
let generation = 0;
while (kernels !== undefined) {
  Atomics.wait(ctrl, ${GENERATION}, generation);
  generation = Atomics.load(ctrl, ${GENERATION});
  const job = ctrl[${JOB}];
  if (job < 0) break;
  const parts = ctrl[${PARTS}];
  const threads = ctrl[${THREADS}];
  if (index < threads) {
    const args = Array.from(ctrl.subarray(${ARGS}, ${ARGS} + ctrl[${ARG_COUNT}]));
    try {
      for (let part = Atomics.add(ctrl, ${NEXT}, 1); part < parts; part = Atomics.add(ctrl, ${NEXT}, 1)) kernels[names[job]](part, parts, ...args);
    } catch {
      Atomics.store(ctrl, ${FAILED}, 1);
    }
  }
  // Every worker reports, taking part or not: the main thread rewrites this block only when all have.
  Atomics.add(ctrl, ${DONE}, 1);
  Atomics.notify(ctrl, ${DONE});
}
`;

type Exports = Record<KernelName, (...args: number[]) => void>;

interface NodeWorker {
  on(event: 'error', listener: () => void): void;
  once(event: 'message', listener: (started: unknown) => void): void;
  unref(): void;
}
type WorkerConstructor = new (source: string, options: { eval: boolean; workerData: unknown }) => NodeWorker;

/**
 * Node's `worker_threads.Worker`, looked up at run time so that browser bundles of this package
 * need no Node module (there the kernels run on the calling thread).
 */
function nodeWorker(): WorkerConstructor | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerConstructor } | undefined;
  return threads?.Worker;
}

interface WasmModuleLike {
  wasmMemory?: unknown;
  asm?: Record<string, unknown>;
  tfjs?: { getThreadsCount?: () => number };
}

interface TensorDataLike {
  readonly memoryOffset: number;
}

/** The geometry arguments of `filterGrad` and `inputGrad`, from tfjs' convolution info (NHWC, dilation 1). */
export function convGeometry(info: tf.backend_util.Conv2DInfo): Pick<KernelArgs<'filterGrad'>, 'n' | 'h' | 'w' | 'ci' | 'ho' | 'wo' | 'co' | 'fh' | 'fw' | 'sh' | 'sw' | 'top' | 'left'> {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    ho: info.outHeight,
    wo: info.outWidth,
    co: info.outChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** The generated kernels bound to one backend's memory. */
export class SimdKernels {
  private readonly kernels: Exports;
  private readonly control: Int32Array | undefined;
  private readonly workers: number;
  private readonly started: Promise<unknown>;
  /** Whether the convolution gradients multiply-add with relaxed SIMD (`f32x4.relaxed_madd`). */
  readonly fused: boolean;
  /** The threads the backend's own (XNNPACK) kernels run on; more than {@link maxThreads} where workers cannot start (a browser). */
  readonly backendThreads: number;

  private constructor(
    private readonly backend: tf.KernelBackend,
    memory: WasmMemory,
    threads: number,
  ) {
    this.backendThreads = threads;
    const shared = memory.buffer instanceof SharedArrayBuffer;
    // Every thread runs this one compiled module, so fused or not, all threads round alike.
    this.fused = relaxedSimdInUse();
    const module = new webAssembly.Module(simdKernelModule(shared, {}, this.fused));
    this.kernels = new webAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
    const Worker = shared ? nodeWorker() : undefined;
    this.workers = Worker !== undefined ? Math.max(0, threads - 1) : 0;
    const reports: Promise<unknown>[] = [];
    if (Worker !== undefined && this.workers > 0) {
      const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
      this.control = new Int32Array(control);
      for (let index = 1; index <= this.workers; index++) {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, index, names: NAMES } });
        reports.push(
          new Promise<void>((resolve) => {
            worker.once('message', () => resolve());
            // A worker that cannot start leaves the jobs to the main thread (and must not crash the process).
            worker.on('error', () => {
              Atomics.store(this.control as Int32Array, FAILED, 1);
              resolve();
            });
          }),
        );
        // A compute pool parked on Atomics.wait must not keep the process alive.
        worker.unref();
      }
    }
    this.started = Promise.all(reports);
  }

  private static readonly byBackend = new WeakMap<tf.KernelBackend, SimdKernels | null>();

  /**
   * The kernels for `backend` (a tfjs WASM backend), created on first use; undefined when its
   * memory cannot be reached (then callers keep their other path).
   */
  static of(backend: tf.KernelBackend): SimdKernels | undefined {
    const known = SimdKernels.byBackend.get(backend);
    if (known !== undefined) return known ?? undefined;
    let created: SimdKernels | null = null;
    try {
      const module = (backend as unknown as { wasm?: WasmModuleLike }).wasm;
      const memory = module?.wasmMemory ?? module?.asm?.['memory'];
      if (memory instanceof webAssembly.Memory) {
        const threads = module?.tfjs?.getThreadsCount?.() ?? 1;
        created = new SimdKernels(backend, memory, Number.isFinite(threads) && threads > 0 ? threads : 1);
      }
    } catch {
      created = null;
    }
    SimdKernels.byBackend.set(backend, created);
    return created ?? undefined;
  }

  /** The threads a job runs on now: all of them once every worker is up, else the calling thread alone. */
  threads(): number {
    if (this.control === undefined) return 1;
    if (Atomics.load(this.control, FAILED) !== 0) return 1;
    return Atomics.load(this.control, READY) === this.workers ? this.workers + 1 : 1;
  }

  /**
   * Resolves once every worker has started or failed to (each reports when it gets there), with
   * {@link threads}: the backend's thread count, or 1 when a worker could not start. Jobs run
   * before then run on the calling thread alone.
   */
  async ready(): Promise<number> {
    await this.started;
    return this.threads();
  }

  /** The threads the backend has (what {@link threads} becomes once the workers are up). */
  get maxThreads(): number {
    return this.workers + 1;
  }

  /**
   * Parts for a job of `units` independent rows (each part owns whole rows, so the split does not
   * change the result): {@link PARTS_PER_THREAD} per thread, at most one per row. More parts than
   * threads let a thread that runs late (descheduled, or still waking) leave its share to the others.
   */
  balancedParts(units: number): number {
    return Math.max(1, Math.min(this.maxThreads * PARTS_PER_THREAD, units));
  }

  /** The heap address (bytes) of a tensor's data. */
  address(info: Info): number {
    const data = (this.backend as unknown as { dataIdMap: { get(id: object): TensorDataLike | undefined } }).dataIdMap.get(info.dataId);
    if (data === undefined) throw new Error('a tensor of the SIMD kernel is not on the wasm backend');
    return data.memoryOffset;
  }

  /**
   * Runs kernel `name` split into `parts` (any count; each thread claims the next unclaimed part
   * until none is left) on up to `maxThreads` threads, and returns when all parts are done. The split, not the number of
   * threads, decides the result: a kernel whose parts add up (filterGrad) gives the same bits on
   * any number of threads for the same `parts`.
   */
  run<K extends KernelName>(name: K, parts: number, args: KernelArgs<K>, maxThreads = Infinity): void {
    const values = KERNELS[name].map((key) => (args as Record<string, number>)[key] ?? NaN);
    if (values.some((v) => !Number.isInteger(v))) throw new Error(`SIMD kernel ${name}: non-integer argument in ${JSON.stringify(args)}`);
    if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`SIMD kernel ${name}: parts must be a positive integer, got ${parts}`);
    const kernel = this.kernels[name];
    const control = this.control;
    const threads = Math.max(1, Math.min(this.threads(), parts, maxThreads));
    if (threads === 1 || control === undefined) {
      for (let part = 0; part < parts; part++) kernel(part, parts, ...values);
      return;
    }
    control.set(values, ARGS);
    control[ARG_COUNT] = values.length;
    control[PARTS] = parts;
    control[THREADS] = threads;
    control[JOB] = NAMES.indexOf(name);
    Atomics.store(control, DONE, 0);
    Atomics.store(control, NEXT, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    let failure: unknown;
    try {
      for (let part = Atomics.add(control, NEXT, 1); part < parts; part = Atomics.add(control, NEXT, 1)) kernel(part, parts, ...values);
    } catch (error) {
      failure = error;
      // Leave no part for the workers to start after this.
      Atomics.store(control, NEXT, parts);
    }
    // Wait for every worker, also those without a part, so none is still reading this job's
    // control words when the next job writes them.
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done >= this.workers) break;
      Atomics.wait(control, DONE, done);
    }
    if (failure !== undefined) throw failure;
    if (Atomics.load(control, FAILED) !== 0) throw new Error(`SIMD kernel ${name} failed on a worker thread`);
  }
}
