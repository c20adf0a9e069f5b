import { setFlagsFromString } from 'node:v8';
import { relaxedSimdSupported } from './kernels/simd/emit.js';

/**
 * Turns on WebAssembly relaxed SIMD in this Node process when the runtime has it behind a flag
 * (Node 20: `--experimental-wasm-relaxed-simd`; on by default from Node 22), so the generated
 * training kernels can use fused multiply-add. Call it before the first training step (the
 * kernels are compiled at their first use). Setting a V8 flag at run time is what the flag on the
 * command line does, for WebAssembly compiled afterwards; nothing else in the process changes.
 *
 * @example
 * ```ts
 * import { enableRelaxedSimd } from '@cxr/wasm-training/node';
 * enableRelaxedSimd(); // true on Node 20+ on x86-64 and arm64
 * ```
 * @returns whether relaxed SIMD is available now.
 */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdSupported()) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdSupported();
}
