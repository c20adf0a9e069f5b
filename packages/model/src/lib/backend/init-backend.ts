import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, relaxedSimdInUse, relaxedSimdSupported, simdConv2DInUse } from '@cxr/wasm-training';
import { enableRelaxedSimd, MAX_WASM_THREADS, registerThreadedWasm, wasmThreadsUnsupportedReason } from '@cxr/wasm-training/node';
import {
  BACKEND_NAMES,
  BACKEND_PACKAGES,
  type BackendChoice,
  type BackendName,
  type BackendRequest,
  type InitBackendOptions,
  type WasmKernelChoice,
} from './backend-types.js';
import { visibleNvidiaGpus } from './gpu-devices.js';
import { findPackage, firstLine, loadPackage } from './native-packages.js';
import { UsageError } from '@cxr/loader/browser';

/** The kernel options of {@link initBackend}, defaults filled in. */
type KernelRequest = Required<Pick<InitBackendOptions, 'relaxedSimd' | 'forwardConvolution'>>;

type Attempt = { readonly ok: true; readonly choice: Omit<BackendChoice, 'skipped'> } | { readonly ok: false; readonly reason: string; readonly fix: string };

/** Which native package put the `tensorflow` backend into this process (only one can). */
let nativeLoaded: 'tensorflow-gpu' | 'tensorflow' | undefined;
/** How the `wasm` backend was started in this process, once it was. */
let wasmStarted: { readonly threads: number; readonly note: string } | undefined;
let current: { readonly key: string; readonly choice: BackendChoice } | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** Threads the WASM backend uses when none are asked for: every core, up to its pool size. */
export function defaultWasmThreads(): number {
  return Math.max(1, Math.min(MAX_WASM_THREADS, availableParallelism()));
}

function isBackendName(value: unknown): value is BackendRequest {
  return value === 'auto' || (BACKEND_NAMES as readonly unknown[]).includes(value);
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow', threads: number | undefined, auto: boolean): Promise<Attempt> {
  const packageName = BACKEND_PACKAGES[name];
  const install = `npm install ${packageName}`;
  const pkg = findPackage(packageName);
  if (pkg === undefined) {
    return {
      ok: false,
      reason: `${packageName} is not installed`,
      fix: name === 'tensorflow-gpu' ? `install it with "${install}" (it needs CUDA 11.2 and cuDNN 8.1)` : `install it with "${install}"`,
    };
  }
  if (nativeLoaded !== undefined && nativeLoaded !== name) {
    return {
      ok: false,
      reason: `${BACKEND_PACKAGES[nativeLoaded]} is already loaded in this process and the two cannot coexist`,
      fix: 'start a new process',
    };
  }
  if (nativeLoaded === undefined) {
    if (name === 'tensorflow-gpu' && auto && visibleNvidiaGpus().length === 0 && findPackage(BACKEND_PACKAGES.tensorflow) !== undefined) {
      return { ok: false, reason: `${packageName} is installed, but no NVIDIA GPU is visible`, fix: 'check the driver with "nvidia-smi"' };
    }
    if (threads !== undefined && process.env['TF_NUM_INTRAOP_THREADS'] === undefined) {
      process.env['TF_NUM_INTRAOP_THREADS'] = String(threads);
    }
    try {
      await loadPackage(pkg);
    } catch (error) {
      return {
        ok: false,
        reason: `${packageName} is installed, but its native binding failed to load: ${firstLine(error)}`,
        fix: 'run "cxr doctor" to see what is missing',
      };
    }
    nativeLoaded = name;
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { ok: false, reason: `${packageName} loaded, but its tensorflow backend failed to start`, fix: 'run "cxr doctor"' };
  }
  const intra = Number(process.env['TF_NUM_INTRAOP_THREADS']);
  const gpus = name === 'tensorflow-gpu' ? visibleNvidiaGpus() : [];
  return {
    ok: true,
    choice: {
      name: tf.getBackend(),
      package: `${packageName}@${pkg.version ?? '?'}`,
      threads: Number.isInteger(intra) && intra > 0 ? intra : availableParallelism(),
      simd: true,
      reason:
        name === 'tensorflow-gpu'
          ? `native TensorFlow with CUDA (${gpus.length > 0 ? gpus.join('; ') : 'no GPU listed by nvidia-smi'})`
          : 'native TensorFlow (libtensorflow) on the CPU',
    },
  };
}

/** The kernel choices in effect on a wasm backend, and how the backend's reason says them. */
function wasmKernels(simd: boolean, asked: KernelRequest): { kernels: WasmKernelChoice; text: string } {
  const kernels = { fusedMultiplyAdd: simd && relaxedSimdInUse(), generatedForwardConvolution: simd && simdConv2DInUse() };
  if (!simd) return { kernels, text: '' };
  const fused = kernels.fusedMultiplyAdd
    ? 'with fused multiply-add (relaxed SIMD)'
    : `without fused multiply-add (${!asked.relaxedSimd ? 'turned off' : relaxedSimdSupported() ? 'not in effect' : 'relaxed SIMD is unavailable in this runtime'})`;
  const conv = kernels.generatedForwardConvolution ? 'the generated kernel' : `XNNPACK${asked.forwardConvolution ? '' : ' (the generated kernel turned off)'}`;
  return { kernels, text: `; generated kernels ${fused}; forward convolutions on ${conv}` };
}

async function tryWasm(threads: number | undefined, asked: KernelRequest): Promise<Attempt> {
  const pkg = BACKEND_PACKAGES.wasm;
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  if (wasmStarted === undefined && registry['wasm'] !== undefined) {
    // Other code started the wasm backend before us: keep it (swapping it would drop its tensors).
    wasmStarted = { threads: getThreadsCount(), note: '; it was already started before initBackend, so its thread count stays' };
  }
  if (wasmStarted === undefined) {
    const wanted = threads ?? defaultWasmThreads();
    let note = '';
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    const unsupported = !simd ? 'WASM SIMD is unsupported (the threaded build needs it)' : wasmThreadsUnsupportedReason();
    if (wanted > 1 && unsupported === undefined) {
      registerThreadedWasm(wanted, (error) => {
        note = `; the threaded build failed to start (${firstLine(error)}), so one thread`;
      });
    } else if (wanted > 1) {
      note = `; threads unavailable (${unsupported ?? ''})`;
    }
    if (!(await tf.setBackend('wasm'))) {
      return { ok: false, reason: `${pkg} failed to start`, fix: 'run "cxr doctor"' };
    }
    wasmStarted = { threads: getThreadsCount(), note };
  } else if (!(await tf.setBackend('wasm'))) {
    return { ok: false, reason: `${pkg} failed to start`, fix: 'run "cxr doctor"' };
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const actual = getThreadsCount();
  const { kernels, text } = wasmKernels(simd, asked);
  const late = threads !== undefined && threads !== actual && wasmStarted.note === '' ? `; ${threads} threads asked, but the backend had already started` : '';
  return {
    ok: true,
    choice: {
      name: tf.getBackend(),
      package: `${pkg}@${tf.version_core}`,
      threads: actual,
      simd,
      kernels,
      reason: `WebAssembly${simd ? ' SIMD (generated convolution kernels, XNNPACK)' : ' (XNNPACK)'} with ${actual} thread${actual === 1 ? '' : 's'}${text}${wasmStarted.note}${late}`,
    },
  };
}

async function tryBackend(name: BackendName, threads: number | undefined, auto: boolean, asked: KernelRequest): Promise<Attempt> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(name, threads, auto);
    case 'wasm':
      return tryWasm(threads, asked);
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'the cpu backend failed to start', fix: 'reinstall the project' };
      {
        // The cpu backend greets Node users once with advice to install tfjs-node; the choice
        // and its reason (and `cxr doctor`) already say that, so skip the banner.
        const cpu = tf.backend() as unknown as { firstUse?: boolean };
        if (cpu.firstUse === true) cpu.firstUse = false;
      }
      return {
        ok: true,
        choice: { name: tf.getBackend(), package: `${BACKEND_PACKAGES.cpu}@${tf.version_core}`, threads: 1, simd: false, reason: 'pure JavaScript (slow, always available)' },
      };
  }
}

async function choose(request: BackendRequest, threads: number | undefined, asked: KernelRequest): Promise<BackendChoice> {
  if (asked.relaxedSimd) enableRelaxedSimd();
  registerWasmTrainingKernels(asked);
  const auto = request === 'auto';
  const skipped: { name: string; reason: string }[] = [];
  for (const name of auto ? BACKEND_NAMES : [request]) {
    const attempt = await tryBackend(name, threads, auto, asked);
    if (attempt.ok) {
      const reason = auto ? attempt.choice.reason : `${attempt.choice.reason}; requested explicitly`;
      return { ...attempt.choice, reason, skipped };
    }
    if (!auto) {
      throw new UsageError(`The ${name} backend is unavailable: ${attempt.reason}; ${attempt.fix}, or use --backend auto.`);
    }
    skipped.push({ name, reason: attempt.reason });
  }
  throw new UsageError('No TensorFlow.js backend could start; run "cxr doctor" to see why.');
}

/**
 * Chooses and starts the TensorFlow.js engine, fastest first.
 *
 * With `backend: 'auto'` (the default) it takes the first that works of `tensorflow-gpu`
 * (`@tensorflow/tfjs-node-gpu`, CUDA), `tensorflow` (`@tensorflow/tfjs-node`), `wasm`
 * (`@tensorflow/tfjs-backend-wasm`, SIMD, multi-threaded in Node) and `cpu` (pure JS), and says
 * why each faster one was skipped. The native packages are optional: they are looked up at run
 * time and never needed to build or install. Registers the WASM training kernels of
 * `@cxr/wasm-training` first. Calling it again with the same options returns the same choice (idempotent); calls
 * are serialised.
 *
 * @example
 * ```ts
 * const choice = await initBackend();            // or { backend: 'wasm', threads: 2 }
 * console.log(`backend ${choice.name}: ${choice.reason}`);
 * for (const s of choice.skipped) console.log(`  skipped ${s.name}: ${s.reason}`);
 * ```
 * @param options `backend` ('auto' by default), `threads` (WASM: all cores by default),
 *   `relaxedSimd` (WASM: fused multiply-add in the training kernels where available; default true;
 *   fixed for the process once a generated kernel has run on the backend), `forwardConvolution`
 *   (WASM: the forward convolutions on the generated SIMD kernel where it applies; default true).
 *   The choice's `kernels` (wasm) says which of the two are in effect, and its reason too.
 * @throws An error with `code: 'CXR_USAGE'` when the requested backend is unknown or cannot
 *   start (the message names the fix); RangeError when `threads` is not a whole number >= 1.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const request: unknown = options.backend ?? 'auto';
  if (!isBackendName(request)) {
    return Promise.reject(new UsageError(`Unknown backend "${String(request)}": use one of auto, ${BACKEND_NAMES.join(', ')}.`));
  }
  const threads = options.threads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    return Promise.reject(new RangeError(`initBackend: threads must be a whole number >= 1, got ${String(threads)}.`));
  }
  const asked: KernelRequest = { relaxedSimd: options.relaxedSimd ?? true, forwardConvolution: options.forwardConvolution ?? true };
  const key = `${request}/${threads ?? ''}/${asked.relaxedSimd}/${asked.forwardConvolution}`;
  const next = queue.then(async () => {
    if (current !== undefined && current.key === key && tf.getBackend() === current.choice.name) return current.choice;
    const choice = await choose(request, threads, asked);
    current = { key, choice };
    return choice;
  });
  queue = next.catch(() => undefined);
  return next;
}
