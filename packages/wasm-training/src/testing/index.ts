export {
  arbConv2dBackpropFilterCase,
  arbConv2dBackpropInputCase,
  arbConv2dCase,
  arbFusedConv2dCase,
  arbDepthwiseBackpropFilterCase,
  arbDepthwiseBackpropInputCase,
  arbPoolCase,
  arbReduceCase,
  arbTiledPoolCase,
  type ReduceCase,
  runPoolGradOn,
  type PoolCase,
  relativeError,
  runKernelOn,
  seededValues,
  type KernelCase,
} from './kernel-cases.js';
export { startWasmBackend } from './start-wasm.js';

/** The generated SIMD kernel module and the `WebAssembly` global it runs on (for benchmarks of its register blocks). */
export { CONV2D_BLOCK, FILTER_BLOCK, INPUT_BLOCK, simdKernelModule } from '../lib/kernels/simd/simd-module.js';
export { webAssembly } from '../lib/kernels/simd/emit.js';
