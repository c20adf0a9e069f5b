import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../lib/kernels/register-wasm-training-kernels.js';
import { enableRelaxedSimd } from '../lib/relaxed-simd-node.js';
import { MAX_WASM_THREADS, registerThreadedWasm, wasmThreadsUnsupportedReason } from '../lib/wasm-threads.js';

/**
 * Starts the `wasm` backend the way a Node user of this package does: relaxed SIMD on, the training kernels, then
 * the threaded SIMD build with `threads` threads (all cores, up to its pool, by default). Throws
 * when the threaded build cannot start, so a spec never passes on a silent fallback.
 * @returns the thread count the backend runs with.
 */
export async function startWasmBackend(threads = Math.min(MAX_WASM_THREADS, availableParallelism())): Promise<number> {
  enableRelaxedSimd();
  registerWasmTrainingKernels();
  // The cpu backend (the reference of the properties) greets Node users once with advice to
  // install tfjs-node; not useful in test output.
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu !== null && cpu.firstUse === true) cpu.firstUse = false;
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  if (registry['wasm'] === undefined && threads > 1) {
    const unsupported = wasmThreadsUnsupportedReason();
    if (unsupported !== undefined) throw new Error(`startWasmBackend: ${unsupported}`);
    let failure: unknown;
    registerThreadedWasm(threads, (error) => {
      failure = error;
    });
    if (!(await tf.setBackend('wasm'))) throw new Error('startWasmBackend: the wasm backend did not start');
    if (failure !== undefined) throw new Error(`startWasmBackend: the threaded build failed: ${String(failure)}`);
  } else if (!(await tf.setBackend('wasm'))) {
    throw new Error('startWasmBackend: the wasm backend did not start');
  }
  return getThreadsCount();
}
