import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@cxr/wasm-training';
// Registers the custom layers of the trainer's packages (preprocessing and architecture layers).
import '@cxr/model/browser';

/** The TensorFlow.js engines the page can run on. */
export type EngineName = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

/** Human names of the engines, as the page shows them. */
export const ENGINE_LABELS: Readonly<Record<EngineName, string>> = {
  wasm: 'WebAssembly',
  webgl: 'WebGL (GPU)',
  webgpu: 'WebGPU (GPU)',
  cpu: 'plain JavaScript',
};

/** What the page found about the engines: the one in use and which others work here. */
export interface EngineState {
  readonly name: EngineName;
  /** E.g. "WebAssembly, SIMD, 2 threads". */
  readonly detail: string;
  readonly available: readonly EngineName[];
}

/** Whether this browser can run WebGL 2 / WebGPU at all (without starting them). */
function present(): EngineName[] {
  const names: EngineName[] = ['wasm'];
  try {
    const canvas = document.createElement('canvas');
    if (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) names.push('webgl');
  } catch {
    // no WebGL
  }
  if ('gpu' in navigator && tf.findBackendFactory('webgpu') !== null) names.push('webgpu');
  return names;
}

/**
 * Starts an engine: WebAssembly by default (the engine `cxr` itself runs, so the figures match
 * `cxr predict`'s), WebGL or WebGPU when asked and present. The WebAssembly binaries are loaded
 * from the page's own folder (no network beyond it).
 *
 * @throws Error naming the engine when it cannot start.
 */
export async function startEngine(requested: EngineName): Promise<EngineState> {
  setWasmPaths(new URL('./', document.baseURI).href);
  const available = present();
  const name = available.includes(requested) ? requested : 'wasm';
  if (!(await tf.setBackend(name))) throw new Error(`TensorFlow.js could not start its ${ENGINE_LABELS[name]} engine in this browser.`);
  await tf.ready();
  // The gradient kernels (and kernel fixes) cxr registers on the wasm engine, so Grad-CAM runs
  // the same kernels here as in `cxr predict --cam`.
  if (name === 'wasm') registerWasmTrainingKernels();
  let detail = ENGINE_LABELS[name];
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    detail += simd ? ', SIMD' : ', no SIMD';
    detail += threads ? `, ${navigator.hardwareConcurrency ?? 'several'} threads` : ', 1 thread (the page is not cross-origin isolated)';
  }
  return { name, detail, available };
}
