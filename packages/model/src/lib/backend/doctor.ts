import { arch, availableParallelism, cpus, platform } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_NAMES, BACKEND_PACKAGES, type BackendName } from './backend-types.js';
import { probeCuda, TFJS_NODE_GPU_NEEDS, type CudaReport } from './cuda-probe.js';
import { defaultWasmThreads } from './init-backend.js';
import { probeNative, type NativeBindingReport } from './native-probe.js';
import { enableRelaxedSimd, wasmThreadsUnsupportedReason } from '@cxr/wasm-training/node';

/** One engine in the doctor's report. */
export interface DoctorBackend {
  readonly name: BackendName;
  readonly package: string;
  readonly available: boolean;
  readonly reason: string;
}

/** What `doctor` found: JSON-able. */
export interface DoctorReport {
  readonly platform: { readonly os: string; readonly arch: string; readonly node: string; readonly cores: number; readonly cpu: string };
  /** Every engine, fastest first, with whether it works here and why (not). */
  readonly backends: readonly DoctorBackend[];
  /** The engine `initBackend({ backend: 'auto' })` would take. */
  readonly auto: BackendName;
  /** The native packages: installed, addon, libtensorflow, load test. */
  readonly native: readonly NativeBindingReport[];
  /** CUDA/cuDNN installed against what tfjs-node-gpu 4.22 needs. */
  readonly cuda: CudaReport;
  readonly wasm: {
    readonly version: string;
    readonly simd: boolean;
    /** Whether the training kernels can multiply-add with relaxed SIMD (fused multiply-add) here. */
    readonly relaxedSimd: boolean;
    readonly threads: boolean;
    /** Why not, when threads are unavailable. */
    readonly threadsReason: string | undefined;
    /** Threads `initBackend` gives WASM by default. */
    readonly defaultThreads: number;
  };
}

function gpuBackend(report: NativeBindingReport, cuda: CudaReport): DoctorBackend {
  const base = { name: 'tensorflow-gpu' as const, package: report.package };
  if (!report.installed) {
    return { ...base, available: false, reason: `not installed (npm install ${report.package}; it needs CUDA ${cuda.needs.cuda} and cuDNN ${cuda.needs.cudnn})` };
  }
  if (report.loads !== true) return { ...base, available: false, reason: `installed, but its native binding failed to load: ${report.error ?? 'unknown error'}` };
  if (report.gpuDevices.length === 0) {
    const why = report.missingLibraries.length > 0 ? `TensorFlow could not open ${report.missingLibraries.join(', ')}` : (cuda.problems[0] ?? 'no GPU device was created');
    return { ...base, available: false, reason: `loads, but finds no usable GPU (it would run on the CPU): ${why}` };
  }
  return { ...base, available: true, reason: `loads and uses ${report.gpuDevices.join(', ')}` };
}

function cpuNativeBackend(report: NativeBindingReport): DoctorBackend {
  const base = { name: 'tensorflow' as const, package: report.package };
  if (!report.installed) return { ...base, available: false, reason: `not installed (npm install ${report.package})` };
  if (report.loads !== true) return { ...base, available: false, reason: `installed, but its native binding failed to load: ${report.error ?? 'unknown error'}` };
  return { ...base, available: true, reason: `loads (libtensorflow ${report.libtensorflow === undefined ? 'found' : `at ${report.libtensorflow}`})` };
}

/**
 * Says which engines work on this machine and why the others do not: the native bindings
 * (installed? addon and libtensorflow present? do they load and run an op, tried in a child
 * process?), the CUDA/cuDNN versions tfjs-node-gpu 4.22 needs (CUDA 11.2, cuDNN 8.1, driver
 * >= 450.80.02) against the driver, toolkits and libraries installed, and WASM SIMD and
 * threads support. It changes nothing but
 * turning on relaxed SIMD in Node 20 (as initBackend does): the current backend stays as it is.
 *
 * @example
 * ```ts
 * const report = await doctor();
 * console.log(formatDoctor(report)); // or JSON.stringify(report, null, 2) for --json
 * ```
 * @returns a JSON-able {@link DoctorReport}. Never throws for a broken backend: that is reported.
 */
export async function doctor(): Promise<DoctorReport> {
  const [gpu, native] = [probeNative(BACKEND_PACKAGES['tensorflow-gpu']), probeNative(BACKEND_PACKAGES.tensorflow)];
  const cuda = probeCuda();
  let simd = false;
  try {
    simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  } catch {
    simd = false;
  }
  const threadsReason = simd ? wasmThreadsUnsupportedReason() : 'the threaded build needs WASM SIMD, which is unsupported';
  const threads = threadsReason === undefined;
  // As initBackend does: in Node 20 relaxed SIMD sits behind a V8 flag, which this turns on.
  const relaxedSimd = simd && enableRelaxedSimd();
  const defaultThreads = threads ? defaultWasmThreads() : 1;
  const hasWasm = typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object';
  const backends: DoctorBackend[] = [
    gpuBackend(gpu, cuda),
    cpuNativeBackend(native),
    {
      name: 'wasm',
      package: BACKEND_PACKAGES.wasm,
      available: hasWasm,
      reason: hasWasm
        ? `WebAssembly ${simd ? 'SIMD' : 'without SIMD'}, ${threads ? `${defaultThreads} thread${defaultThreads === 1 ? '' : 's'} by default` : `one thread (${threadsReason ?? ''})`}`
        : 'this runtime has no WebAssembly',
    },
    { name: 'cpu', package: BACKEND_PACKAGES.cpu, available: true, reason: 'pure JavaScript: always available, slow' },
  ];
  const auto = backends.find((b) => b.available)?.name ?? 'cpu';
  return {
    platform: { os: `${platform()}`, arch: arch(), node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown' },
    backends,
    auto: BACKEND_NAMES.includes(auto) ? auto : 'cpu',
    native: [gpu, native],
    cuda,
    wasm: { version: version_wasm, simd, relaxedSimd, threads, threadsReason, defaultThreads },
  };
}

/**
 * Renders a {@link DoctorReport} as plain text for the terminal (`cxr doctor`).
 *
 * @example
 * ```ts
 * process.stdout.write(formatDoctor(await doctor()));
 * ```
 */
export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  const p = report.platform;
  lines.push(`cxr doctor: ${p.os} ${p.arch}, Node ${p.node}, ${p.cores} cores (${p.cpu})`, '', 'Backends, fastest first (--backend auto takes the first available):');
  const width = Math.max(...report.backends.map((b) => b.name.length));
  for (const b of report.backends) {
    lines.push(`  ${b.available ? 'yes' : 'no '}  ${b.name.padEnd(width)}  ${b.reason}`);
  }
  lines.push(`  -> auto uses: ${report.auto}`, '', 'Native TensorFlow bindings:');
  for (const n of report.native) {
    if (!n.installed) {
      lines.push(`  ${n.package}: not installed`);
      continue;
    }
    lines.push(`  ${n.package}@${n.version ?? '?'} in ${n.dir ?? '?'}`);
    lines.push(`    addon: ${n.binding ?? 'missing (its install script did not build or download it)'}`);
    lines.push(`    libtensorflow: ${n.libtensorflow ?? 'missing (its install script could not download it)'}`);
    lines.push(`    load test: ${n.loads === true ? 'ok' : `failed: ${n.error ?? '?'}`}`);
    if (n.gpuDevices.length > 0) lines.push(`    GPU devices: ${n.gpuDevices.join(', ')}`);
    if (n.missingLibraries.length > 0) lines.push(`    could not open: ${n.missingLibraries.join(', ')}`);
  }
  const c = report.cuda;
  lines.push('', `CUDA for ${TFJS_NODE_GPU_NEEDS.package} (libtensorflow ${c.needs.libtensorflow}): needs CUDA ${c.needs.cuda}, cuDNN ${c.needs.cudnn}, driver >= ${c.needs.driver}`);
  lines.push(
    `  driver: ${c.driver.nvidiaSmi ? `${c.driver.version ?? '?'} (supports CUDA ${c.driver.cudaVersion ?? '?'}); GPUs: ${c.driver.gpus.join(', ') || 'none'}` : 'none (nvidia-smi not found or failing)'}`,
  );
  lines.push(`  CUDA toolkits: ${c.toolkits.length > 0 ? c.toolkits.map((t) => `${t.version} (${t.path})`).join(', ') : 'none found'}`);
  lines.push(`  cuDNN: ${c.cudnnVersion ?? 'not found'}`);
  lines.push(`  runtime libraries seen: ${c.runtimes.length > 0 ? c.runtimes.map((r) => r.soname).join(', ') : 'none'}`);
  const missing = c.libraries.filter((l) => l.path === undefined).map((l) => l.soname);
  lines.push(`  needed libraries: ${missing.length === 0 ? 'all found' : `missing ${missing.join(', ')}`}`);
  for (const problem of c.problems) lines.push(`  problem: ${problem}`);
  if (c.ok) lines.push('  everything tfjs-node-gpu needs is present');
  const w = report.wasm;
  lines.push('', `WASM (${BACKEND_PACKAGES.wasm}@${w.version}): SIMD ${w.simd ? 'yes' : 'no'}; fused multiply-add in the training kernels (relaxed SIMD) ${w.relaxedSimd ? 'yes' : 'no'}; threads ${w.threads ? `yes (${w.defaultThreads} by default)` : `no (${w.threadsReason ?? '?'})`}`, '');
  return lines.join('\n');
}
