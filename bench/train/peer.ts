import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The PyTorch peer as found on this machine: which Python imports torch, and the allocator it runs with. */
export interface TorchPeer {
  readonly python: string;
  readonly version: string;
  /** The jemalloc library preloaded, or undefined when none was found (then PyTorch runs 3-7x slow here). */
  readonly jemalloc: string | undefined;
}

/** One measurement of the peer. */
export interface TorchMeasure {
  readonly trainImagesPerSecond: number;
  readonly inferImagesPerSecond: number;
}

/** The first of `pythons` that imports torch, or why none does. */
export function findTorch(pythons: readonly string[]): TorchPeer | string {
  const tried: string[] = [];
  for (const python of pythons) {
    const result = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (result.status === 0) return { python, version: result.stdout.trim(), jemalloc: findJemalloc() };
    tried.push(`${python}: ${result.error !== undefined ? 'not found' : (result.stderr.trim().split('\n').pop() ?? `exit ${String(result.status)}`)}`);
  }
  return `no Python here imports torch (${tried.join('; ')}); install it with "apt-get install python3-torch libjemalloc2"`;
}

function findJemalloc(): string | undefined {
  try {
    const listing = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' });
    const line = listing.split('\n').find((l) => l.includes('libjemalloc.so.2'));
    const path = line?.split('=>')[1]?.trim();
    if (path !== undefined && existsSync(path)) return path;
  } catch {
    // no ldconfig: try the usual places
  }
  return ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2', '/usr/local/lib/libjemalloc.so.2'].find((p) => existsSync(p));
}

/**
 * Runs the peer script (`SIZE THREADS STEPS`, printing `train_img_s=X infer_img_s=Y`) with jemalloc
 * preloaded and keeping its pages, as the peers README says a fair comparison needs.
 */
export function runTorch(peer: TorchPeer, script: string, size: number, threads: number, steps: number): TorchMeasure {
  const env = { ...process.env, ...(peer.jemalloc === undefined ? {} : { LD_PRELOAD: peer.jemalloc, MALLOC_CONF: 'retain:true,dirty_decay_ms:-1,muzzy_decay_ms:-1' }) };
  const result = spawnSync(peer.python, [script, String(size), String(threads), String(steps)], { encoding: 'utf8', env });
  const train = /train_img_s=([\d.]+)/.exec(result.stdout)?.[1];
  const infer = /infer_img_s=([\d.]+)/.exec(result.stdout)?.[1];
  if (result.status !== 0 || train === undefined || infer === undefined) {
    throw new Error(`the PyTorch peer failed at ${size} px (exit ${String(result.status)}): ${result.stderr.trim().split('\n').pop() ?? ''}`);
  }
  return { trainImagesPerSecond: Number(train), inferImagesPerSecond: Number(infer) };
}
