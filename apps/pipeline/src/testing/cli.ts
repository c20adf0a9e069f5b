import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main } from '../index.js';
import type { Io } from '../index.js';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const SHARED_DATA = resolve(REPO, '../shared/datasets/chest-xray');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let testCache: string | undefined;
/** A disk cache folder for this test process, so that tests never fill the user's own cache (XDG_CACHE_HOME unless a test sets it). */
export function testCacheHome(): string {
  testCache ??= mkdtempSync(join(tmpdir(), 'cxr-test-cache-'));
  return testCache;
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
    env: { XDG_CACHE_HOME: testCacheHome(), ...options.env },
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

/** A `cxr` child process with its output so far, and helpers to wait on it. */
export interface CxrProcess {
  readonly child: ChildProcess;
  /** Everything written so far. */
  readonly output: () => { stdout: string; stderr: string };
  /** Resolves when stdout + stderr match `pattern` (rejects when the process ends first, or after `timeoutMs`). */
  readonly waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  /** Resolves with the exit code (128 + n for a death by signal n) and the whole output. */
  readonly exited: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

const ENTRY = fileURLToPath(new URL('./cxr-process.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Starts `cxr <argv>` as a real process (node running the sources through tsx, as the built
 * bin/cxr.js would run them), for what only a process shows: signals, two processes on one folder.
 */
export function spawnCxr(argv: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): CxrProcess {
  const child = spawn(process.execPath, ['--conditions=@cxr/source', '--import', TSX, ENTRY, ...argv], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], TMPDIR: process.env['TMPDIR'], XDG_CACHE_HOME: testCacheHome(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  const exited = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolvePromise) => {
    child.on('close', (code, signal) => {
      for (const listener of listeners) listener();
      resolvePromise({ code: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0), stdout, stderr, signal });
    });
  });
  const waitFor = (pattern: RegExp, timeoutMs = 120_000): Promise<void> =>
    new Promise((resolvePromise, reject) => {
      const check = (): void => {
        if (pattern.test(stdout + stderr)) done(undefined);
        else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`cxr ${argv.join(' ')} ended before printing ${String(pattern)}:\n${stdout}${stderr}`));
      };
      const timer = setTimeout(() => done(new Error(`cxr ${argv.join(' ')} did not print ${String(pattern)} within ${timeoutMs} ms:\n${stdout}${stderr}`)), timeoutMs);
      const done = (error: Error | undefined): void => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolvePromise();
      };
      listeners.add(check);
      check();
    });
  return { child, output: () => ({ stdout, stderr }), waitFor, exited };
}
