import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { findPackage } from './native-packages.js';

/** What we know about one native tfjs package on this machine. */
export interface NativeBindingReport {
  readonly package: string;
  readonly installed: boolean;
  readonly version: string | undefined;
  readonly dir: string | undefined;
  /** The compiled addon (`tfjs_binding.node`), when present. */
  readonly binding: string | undefined;
  /** The libtensorflow it downloaded at install, when present. */
  readonly libtensorflow: string | undefined;
  /** Whether it loaded and ran an op in a child process (undefined when not installed). */
  readonly loads: boolean | undefined;
  /** Why it did not load (first line). */
  readonly error: string | undefined;
  /** GPU devices TensorFlow created (from its log). */
  readonly gpuDevices: readonly string[];
  /** Libraries TensorFlow said it could not open (from its log), e.g. libcudart.so.11.0. */
  readonly missingLibraries: readonly string[];
}

/** The first file under `dir` (depth <= 3) whose name passes `test`. */
function findFile(dir: string, test: (name: string) => boolean, depth = 3): string | undefined {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const entry of entries) if (entry.isFile() && test(entry.name)) return join(dir, entry.name);
  if (depth === 0) return undefined;
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name === 'src') continue;
    const hit = findFile(join(dir, entry.name), test, depth - 1);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

const PROBE = `
const out = (o) => process.stdout.write('\\n@@' + JSON.stringify(o) + '\\n');
try {
  const tf = require(process.env.CXR_PROBE_MAIN);
  const t = tf.add(tf.scalar(1), tf.scalar(2));
  out({ ok: t.dataSync()[0] === 3, backend: tf.getBackend() });
} catch (e) {
  out({ ok: false, error: String((e && e.message) || e) });
}`;

/**
 * Inspects a native tfjs package: is it installed, are its addon and libtensorflow there, and
 * does it load and run an op. Loading happens in a child process (a broken native library must
 * not take this process down), with TensorFlow's log captured to see GPUs and missing libraries.
 */
export function probeNative(packageName: string, timeoutMs = 90_000): NativeBindingReport {
  const pkg = findPackage(packageName);
  if (pkg === undefined) {
    return {
      package: packageName,
      installed: false,
      version: undefined,
      dir: undefined,
      binding: undefined,
      libtensorflow: undefined,
      loads: undefined,
      error: undefined,
      gpuDevices: [],
      missingLibraries: [],
    };
  }
  const binding = findFile(join(pkg.dir, 'lib'), (n) => n.endsWith('.node'));
  const deps = join(pkg.dir, 'deps');
  const libtensorflow = existsSync(deps) ? findFile(deps, (n) => /^libtensorflow\.so|^tensorflow\.dll|^libtensorflow\.\d*\.?dylib/.test(n)) : undefined;
  const result = spawnSync(process.execPath, ['-e', PROBE], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, CXR_PROBE_MAIN: pkg.main, TF_CPP_MIN_LOG_LEVEL: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  const marker = (result.stdout ?? '').split('\n').find((l) => l.startsWith('@@'));
  let loads = false;
  let error: string | undefined;
  if (marker !== undefined) {
    const parsed = JSON.parse(marker.slice(2)) as { ok: boolean; error?: string };
    loads = parsed.ok;
    error = parsed.error?.split('\n').find((l) => l.trim() !== '')?.trim();
  } else {
    error =
      result.error !== undefined
        ? `the load test did not finish (${result.error.message})`
        : `the load test crashed (exit ${String(result.status ?? result.signal)}): ${(result.stderr ?? '').trim().split('\n').slice(-1)[0] ?? ''}`;
  }
  const gpuDevices = [...log.matchAll(/Created device (\S*GPU:\d+)([^\n]*)/g)].map((m) => {
    const name = /name: ([^,\n]+)/.exec(m[2] ?? '')?.[1]?.trim();
    return name === undefined ? (m[1] ?? '') : `${m[1] ?? ''} (${name})`;
  });
  const missingLibraries = [...new Set([...log.matchAll(/Could not load dynamic library '([^']+)'/g)].map((m) => m[1] ?? ''))];
  return { package: packageName, installed: true, version: pkg.version, dir: pkg.dir, binding, libtensorflow, loads, error, gpuDevices, missingLibraries };
}
