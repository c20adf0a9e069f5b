import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './gpu-devices.js';

/** What `@tensorflow/tfjs-node-gpu` 4.22 (libtensorflow 2.9.1) needs from the system. */
export const TFJS_NODE_GPU_NEEDS = Object.freeze({
  package: '@tensorflow/tfjs-node-gpu@4.22',
  libtensorflow: '2.9.1',
  cuda: '11.2',
  cudnn: '8.1',
  driver: '450.80.02',
  /** The shared libraries libtensorflow 2.9 opens at run time (CUDA 11.x and cuDNN 8 sonames). */
  libraries: Object.freeze([
    'libcudart.so.11.0',
    'libcublas.so.11',
    'libcublasLt.so.11',
    'libcufft.so.10',
    'libcurand.so.10',
    'libcusolver.so.11',
    'libcusparse.so.11',
    'libcudnn.so.8',
  ]),
});

/** The CUDA and cuDNN found on this machine, against what tfjs-node-gpu needs. */
export interface CudaReport {
  readonly needs: { readonly cuda: string; readonly cudnn: string; readonly driver: string; readonly libtensorflow: string };
  readonly driver: {
    readonly nvidiaSmi: boolean;
    readonly version: string | undefined;
    /** Highest CUDA version the driver supports (nvidia-smi header). */
    readonly cudaVersion: string | undefined;
    readonly gpus: readonly string[];
  };
  /** CUDA toolkits found: version and where. */
  readonly toolkits: readonly { readonly version: string; readonly path: string }[];
  /** Every libcudart / libcudnn the dynamic loader (or LD_LIBRARY_PATH) offers. */
  readonly runtimes: readonly { readonly soname: string; readonly path: string }[];
  /** Each library libtensorflow needs: where it was found, if it was. */
  readonly libraries: readonly { readonly soname: string; readonly path: string | undefined }[];
  readonly cudnnVersion: string | undefined;
  /** True when everything tfjs-node-gpu needs is present. */
  readonly ok: boolean;
  /** One sentence per problem, each with its fix. */
  readonly problems: readonly string[];
}

/** Shared libraries the loader knows: soname -> path (ldconfig cache, then LD_LIBRARY_PATH). */
function sharedLibraries(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of (process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter((d) => d !== '')) {
    try {
      for (const name of readdirSync(dir)) if (/\.so(\.|$)/.test(name) && !found.has(name)) found.set(name, join(dir, name));
    } catch {
      // a missing folder on the path is not our problem
    }
  }
  const cache = run('ldconfig', ['-p']) ?? run('/sbin/ldconfig', ['-p']) ?? '';
  for (const line of cache.split('\n')) {
    const match = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)/.exec(line);
    if (match?.[1] !== undefined && match[3] !== undefined && !found.has(match[1]) && !(match[2] ?? '').includes('32')) {
      found.set(match[1], match[3]);
    }
  }
  return found;
}

function toolkits(): { version: string; path: string }[] {
  const out: { version: string; path: string }[] = [];
  let dirs: string[] = [];
  try {
    dirs = readdirSync('/usr/local').filter((d) => /^cuda(-[\d.]+)?$/.test(d)).map((d) => join('/usr/local', d));
  } catch {
    dirs = [];
  }
  const seen = new Set<string>();
  for (const dir of dirs) {
    let real = dir;
    try {
      real = realpathSync(dir);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    let version: string | undefined;
    try {
      const json = JSON.parse(readFileSync(join(real, 'version.json'), 'utf8')) as Record<string, { version?: string }>;
      version = json['cuda']?.version ?? json['cuda_cudart']?.version;
    } catch {
      try {
        version = /CUDA Version\s+([\d.]+)/.exec(readFileSync(join(real, 'version.txt'), 'utf8'))?.[1];
      } catch {
        version = undefined;
      }
    }
    if (version === undefined) {
      const nvcc = join(real, 'bin', 'nvcc');
      version = existsSync(nvcc) ? /release\s+([\d.]+)/.exec(run(nvcc, ['--version']) ?? '')?.[1] : undefined;
    }
    version ??= /cuda-([\d.]+)$/.exec(real)?.[1];
    if (version !== undefined) out.push({ version, path: real });
  }
  return out;
}

function cudnnVersion(libraries: Map<string, string>): string | undefined {
  const headers = ['/usr/include', '/usr/include/x86_64-linux-gnu', '/usr/local/cuda/include'];
  for (const dir of headers) {
    try {
      const text = readFileSync(join(dir, 'cudnn_version.h'), 'utf8');
      const part = (name: string): string | undefined => new RegExp(`#define\\s+${name}\\s+(\\d+)`).exec(text)?.[1];
      const major = part('CUDNN_MAJOR');
      if (major !== undefined) return [major, part('CUDNN_MINOR') ?? '0', part('CUDNN_PATCHLEVEL') ?? '0'].join('.');
    } catch {
      // try the next folder
    }
  }
  for (const [soname, path] of libraries) {
    if (!soname.startsWith('libcudnn.so')) continue;
    try {
      const real = realpathSync(path);
      const match = /libcudnn\.so\.([\d.]+)$/.exec(real);
      if (match?.[1] !== undefined) return match[1];
    } catch {
      // dangling link
    }
    return soname.replace('libcudnn.so.', '');
  }
  return undefined;
}

function atLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Looks for the NVIDIA driver, CUDA toolkits, libcudart/libcudnn, against tfjs-node-gpu 4.22's needs. */
export function probeCuda(): CudaReport {
  const needs = TFJS_NODE_GPU_NEEDS;
  const smiQuery = run('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader']);
  const smiHeader = smiQuery === undefined ? undefined : run('nvidia-smi', []);
  const rows = (smiQuery ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const driver = {
    nvidiaSmi: smiQuery !== undefined,
    version: rows[0]?.split(',')[1]?.trim(),
    cudaVersion: /CUDA Version:\s*([\d.]+)/.exec(smiHeader ?? '')?.[1],
    gpus: rows.map((r) => r.split(',')[0]?.trim() ?? r),
  };
  const libs = sharedLibraries();
  const runtimes = [...libs]
    .filter(([soname]) => /^lib(cudart|cudnn)\.so\.\d/.test(soname))
    .map(([soname, path]) => ({ soname, path }))
    .sort((a, b) => a.soname.localeCompare(b.soname));
  const libraries = needs.libraries.map((soname) => ({ soname, path: libs.get(soname) }));
  const kits = toolkits();
  const cudnn = cudnnVersion(libs);

  const problems: string[] = [];
  if (!driver.nvidiaSmi) {
    problems.push('No NVIDIA driver answers (nvidia-smi is missing or fails), so there is no GPU to use: install the NVIDIA driver for your GPU (>= 450.80.02).');
  } else if (driver.gpus.length === 0) {
    problems.push('nvidia-smi lists no GPU: check that the GPU is visible to this machine or container (e.g. docker --gpus all).');
  } else if (driver.version !== undefined && !atLeast(driver.version, needs.driver)) {
    problems.push(`The NVIDIA driver ${driver.version} is older than the ${needs.driver} CUDA ${needs.cuda} needs: update the driver.`);
  }
  const missing = libraries.filter((l) => l.path === undefined).map((l) => l.soname);
  if (missing.length > 0) {
    const have = runtimes.length > 0 ? ` (found ${runtimes.map((r) => r.soname).join(', ')}, which libtensorflow ${needs.libtensorflow} cannot use)` : '';
    problems.push(
      `Missing ${missing.join(', ')}${have}: tfjs-node-gpu 4.22 needs the CUDA ${needs.cuda} and cuDNN ${needs.cudnn} libraries; install them (e.g. CUDA 11.2 runtime + cuBLAS/cuFFT/cuRAND/cuSOLVER/cuSPARSE and cuDNN 8.1) and make them visible with ldconfig or LD_LIBRARY_PATH.`,
    );
  }
  if (cudnn !== undefined && !cudnn.startsWith('8.')) {
    problems.push(`cuDNN ${cudnn} is installed, but tfjs-node-gpu 4.22 needs cuDNN 8 (8.1 or a later 8.x): install cuDNN 8 for CUDA 11.`);
  }
  return {
    needs: { cuda: needs.cuda, cudnn: needs.cudnn, driver: needs.driver, libtensorflow: needs.libtensorflow },
    driver,
    toolkits: kits,
    runtimes,
    libraries,
    cudnnVersion: cudnn,
    ok: problems.length === 0,
    problems,
  };
}
