/** The engines `initBackend` can choose, fastest first. `auto` takes the first that works. */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

/** One engine name, as accepted by `--backend`. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What `initBackend` accepts as `backend`. */
export type BackendRequest = 'auto' | BackendName;

/** The options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Which engine to use; `'auto'` (default) takes the fastest that works. */
  readonly backend?: BackendRequest;
  /**
   * Threads for the engine: WASM's XNNPACK thread pool (default: all cores), or the native
   * TensorFlow intra-op pool (default: TensorFlow's own choice). Ignored by `cpu`.
   */
  readonly threads?: number;
  /**
   * WASM: let the training kernels multiply-add with relaxed SIMD (fused where the CPU has FMA;
   * turned on in Node 20, where it sits behind a V8 flag). Default true; false keeps the unfused
   * path (the results of earlier versions, bit for bit).
   */
  readonly relaxedSimd?: boolean;
  /**
   * WASM: run the forward convolutions (`Conv2D`, `FusedConv2D`) on the generated SIMD kernel of
   * `@cxr/wasm-training` where it applies. Default true; false keeps XNNPACK's (the results of
   * earlier versions, bit for bit).
   */
  readonly forwardConvolution?: boolean;
}

/** WASM: which of the generated training kernels' choices are in effect (see {@link InitBackendOptions}). */
export interface WasmKernelChoice {
  /** The generated kernels multiply-add with relaxed SIMD's fused multiply-add (asked for, and available here). */
  readonly fusedMultiplyAdd: boolean;
  /** The forward convolutions run on the generated SIMD kernel where it applies (else always on XNNPACK). */
  readonly generatedForwardConvolution: boolean;
}

/** The engine in use, and why the faster ones were not taken. */
export interface BackendChoice {
  /** `tf.getBackend()`: `tensorflow`, `wasm` or `cpu`. */
  readonly name: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** Threads it computes with. */
  readonly threads: number;
  /** True when it runs SIMD code (WASM SIMD build, or native TensorFlow). */
  readonly simd: boolean;
  /** WASM: the kernel choices in effect (both false without SIMD; absent for the other engines). */
  readonly kernels?: WasmKernelChoice;
  /** Why this engine: one sentence. */
  readonly reason: string;
  /** Faster engines that were passed over, each with the reason. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/** The npm package behind each engine. */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};
