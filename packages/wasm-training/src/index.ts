export { registerWasmTrainingKernels } from './lib/kernels/register-wasm-training-kernels.js';
