import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Runs the threaded SIMD build of the tfjs WASM backend in Node.
 *
 * As shipped, tfjs-backend-wasm never picks its threaded build in Node (the feature flag is
 * hard-wired off), and when forced it fails: emscripten's pthread worker is handed to
 * `worker_threads.Worker` as a `blob:` URL. We load the emscripten output from `wasm-out/`
 * ourselves instead: the pthread worker script is written once to a file in the temp folder,
 * the module factory is given that file and the path of its own script, and a `BackendWasm`
 * is built around the resulting module, replacing the registered `wasm` factory.
 *
 * One more trap: the backend's C++ caps the thread pool at `logical cores / 2` (it assumes
 * hyper-threading), so on a 2-core machine it always made 1 thread. We answer the module's
 * `emscripten_num_logical_cores` import with twice the threads we want.
 */

type WasmModule = ConstructorParameters<typeof BackendWasm>[0];
type Factory = (config: Record<string, unknown>) => Promise<WasmModule>;
type Unref = { unref?: () => void };
type Cwrap = (name: string, ret: string | null, args: string[]) => (...a: unknown[]) => unknown;

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: unknown): Promise<{ instance: unknown; module: unknown }>;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: unknown };
}

/** The most threads the threaded build can use (its pthread pool has 8 workers). */
export const MAX_WASM_THREADS = 8;

const requireHere = createRequire(import.meta.url);

/** Why threads cannot run here, or undefined when the runtime supports them. */
export function wasmThreadsUnsupportedReason(): string | undefined {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return 'this runtime has no WebAssembly';
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    return 'this runtime has no SharedArrayBuffer/Atomics';
  }
  try {
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(memory.buffer instanceof SharedArrayBuffer)) return 'shared WebAssembly memory is not supported';
  } catch (error) {
    return `shared WebAssembly memory is not supported (${(error as Error).message})`;
  }
  try {
    requireHere.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  } catch {
    return 'the threaded build (wasm-out/tfjs-backend-wasm-threaded-simd.js) is missing from @tensorflow/tfjs-backend-wasm';
  }
  return undefined;
}

/** Writes the pthread worker script to the temp folder once (atomically) and returns its path. */
function workerFile(contents: string): string {
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `cxr-tfjs-wasm-${version_wasm}`);
  const file = join(dir, `threaded-simd-${hash}.worker.cjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, contents);
    renameSync(temp, file);
  }
  return file;
}

/**
 * Replaces the registered `wasm` backend factory with one that starts the threaded SIMD build
 * with `threads` threads. Must run before the `wasm` backend is first initialised. If the
 * threaded build fails to start, `onError` hears why and the original single-thread factory
 * is used instead.
 */
export function registerThreadedWasm(threads: number, onError: (error: unknown) => void): void {
  const jsPath = requireHere.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const dir = dirname(jsPath);
  const wasmPath = join(dir, 'tfjs-backend-wasm-threaded-simd.wasm');
  const factory = requireHere(jsPath) as Factory;
  const { wasmWorkerContents } = requireHere(join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The worker source holds "\n" escapes inside string literals that the template literal turned
  // into real newlines; put the escapes back so the file parses.
  const worker = workerFile(wasmWorkerContents.replace(/\n/g, '\\n'));
  const original = tf.findBackendFactory('wasm');
  const count = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(threads)));

  const threaded = async (): Promise<tf.KernelBackend> => {
    const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const bytes = readFileSync(wasmPath);
    let fail: (error: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const config = {
      mainScriptUrlOrBlob: jsPath,
      locateFile: (file: string, prefix: string) => {
        if (file.endsWith('.worker.js')) return worker;
        if (file.endsWith('.wasm')) return wasmPath;
        return prefix + file;
      },
      instantiateWasm: (imports: { env: Record<string, unknown> }, receive: (instance: unknown, module: unknown) => void) => {
        imports.env['emscripten_num_logical_cores'] = () => 2 * count;
        webAssembly.instantiate(bytes, imports).then((result) => receive(result.instance, result.module), fail);
        return {};
      },
      onAbort: (what: unknown) => fail(new Error(`the threaded WASM module aborted: ${String(what)}`)),
    };
    // The emscripten module adds process listeners that re-throw every uncaught error from its
    // own (one-line, minified) source, which buries the real message; keep Node's defaults.
    const emitter = process as unknown as NodeJS.EventEmitter;
    const events = ['uncaughtException', 'unhandledRejection'];
    const before = events.map((event) => emitter.listeners(event));
    const pending = factory(config);
    events.forEach((event, i) => {
      for (const listener of emitter.listeners(event)) {
        if (!(before[i] ?? []).includes(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    });
    const module = await Promise.race([failed, pending]);
    const cwrap = (module as unknown as { cwrap: Cwrap }).cwrap;
    Object.assign(module, {
      tfjs: {
        init: cwrap('init', null, []),
        initWithThreadsCount: cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: cwrap('get_threads_count', 'number', []),
        registerTensor: cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: cwrap('dispose_data', null, ['number']),
        dispose: cwrap('dispose', null, []),
      },
    });
    setThreadsCount(count);
    const backend = new BackendWasm(module);
    // XNNPACK's pool threads idle in their workers for the life of the process; like any
    // compute pool they must not keep Node alive once the program is done.
    const pool = (module as unknown as { PThread?: { runningWorkers?: Unref[]; unusedWorkers?: Unref[] } }).PThread;
    for (const worker of [...(pool?.runningWorkers ?? []), ...(pool?.unusedWorkers ?? [])]) worker.unref?.();
    return backend;
  };
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        return await threaded();
      } catch (error) {
        onError(error);
        setThreadsCount(1);
        if (original === null || original === undefined) throw error;
        return original();
      }
    },
    2,
  );
}
