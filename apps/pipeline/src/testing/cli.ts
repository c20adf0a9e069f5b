import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../index.js';
import type { Io } from '../index.js';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const SHARED_DATA = resolve(REPO, '../shared/datasets/chest-xray');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cxr <argv>` in-process with captured output. */
export async function cli(
  argv: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; signal?: AbortSignal; onStderr?: (text: string) => void } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: {
      write: (t: string) => {
        stderr += t;
        options.onStderr?.(t);
      },
      isTTY: false,
    },
    env: options.env ?? {},
    cwd: options.cwd ?? tmpdir(),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/**
 * Copies the first `perClass` images of each split and class of the shared dataset into a new
 * temporary folder (sorted by name, so the subset is the same every time) and returns it.
 */
export function copySubset(perClass: number, splits: readonly string[] = ['train', 'val', 'test']): string {
  const root = mkdtempSync(join(tmpdir(), 'cxr-subset-'));
  for (const split of splits) {
    for (const cls of ['NORMAL', 'PNEUMONIA']) {
      const from = join(SHARED_DATA, split, cls);
      const to = join(root, split, cls);
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(from).sort().slice(0, perClass)) copyFileSync(join(from, name), join(to, name));
    }
  }
  return root;
}

/** True when the output is one line without a stack trace. */
export function isOneSentence(text: string): boolean {
  const lines = text.trim().split('\n');
  return lines.length === 1 && !/\n\s+at |at .*\(.*:\d+:\d+\)/.test(text) && text.trim().length > 10;
}
