// For benchmarks of the kernels themselves (bench/train/simd-blocks.ts), not a stable API: the
// generated SIMD kernel module with its register blocks, and the `WebAssembly` global it runs on.
// Training code needs none of it: `registerWasmTrainingKernels()` builds and runs the module.
export { CONV2D_BLOCK, FILTER_BLOCK, INPUT_BLOCK, simdKernelModule } from './lib/kernels/simd/simd-module.js';
export { webAssembly } from './lib/kernels/simd/emit.js';
export { encodeModule, FunctionBody, i32 } from './lib/kernels/simd/emit.js';
