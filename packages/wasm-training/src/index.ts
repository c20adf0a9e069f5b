export { registerWasmTrainingKernels, type WasmTrainingOptions } from './lib/kernels/register-wasm-training-kernels.js';
export { relaxedSimdSupported } from './lib/kernels/simd/emit.js';
export { relaxedSimdInUse } from './lib/kernels/simd/simd-runner.js';
export { FUSED_CONV2D_GRADIENT } from './lib/kernels/fused-conv2d-gradient.js';
export { simdConv2DInUse } from './lib/kernels/conv2d.js';
