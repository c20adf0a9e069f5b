import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** Runs a command briefly; its stdout, or undefined when it is missing or fails. */
export function run(command: string, args: readonly string[], timeoutMs = 5000): string | undefined {
  try {
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.error !== undefined || result.status !== 0) return undefined;
    return result.stdout;
  } catch {
    return undefined;
  }
}

/** NVIDIA GPUs the driver shows (`nvidia-smi -L`, else /proc/driver/nvidia/gpus); empty when none. */
export function visibleNvidiaGpus(): string[] {
  const listed = run('nvidia-smi', ['-L']);
  if (listed !== undefined) {
    return listed
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('GPU '));
  }
  const proc = '/proc/driver/nvidia/gpus';
  try {
    return existsSync(proc) ? readdirSync(proc).map((bus) => `GPU at PCI ${bus}`) : [];
  } catch {
    return [];
  }
}
