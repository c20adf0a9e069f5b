export { MAX_WASM_THREADS, registerThreadedWasm, wasmThreadsUnsupportedReason } from './lib/wasm-threads.js';
export { enableRelaxedSimd } from './lib/relaxed-simd-node.js';
export { measureSimdPeak, type SimdPeak, type SimdPeakOptions } from './lib/simd-peak.js';
