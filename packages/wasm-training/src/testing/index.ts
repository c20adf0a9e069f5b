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
