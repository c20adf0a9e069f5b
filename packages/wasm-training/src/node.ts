export { MAX_WASM_THREADS, registerThreadedWasm, wasmThreadsUnsupportedReason } from './lib/wasm-threads.js';
