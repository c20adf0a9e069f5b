import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Io, OutStream } from '../io.js';
import { LOCK_FILE, runFolderOwner } from '../run-lock.js';

/** One training run of a sweep, as a job: the `cxr train` arguments of a run folder. */
export interface TrainJobData {
  /** The sweep it belongs to (its id). */
  readonly sweep: string;
  /** The run's name in the sweep, e.g. `default-seed1`. */
  readonly run: string;
  /** The run folder (absolute; on a file system every worker sees). */
  readonly dir: string;
  /** The arguments of `cxr train` after `train` (absolute paths; `--out dir`; never `--resume`). */
  readonly argv: readonly string[];
}

/** What a finished training job returns: its run folder's `run.json` results and who ran it. */
export interface TrainJobResult {
  readonly run: string;
  readonly dir: string;
  readonly results: Record<string, unknown>;
  /** `host:pid` of the process that finished it. */
  readonly worker: string;
  /** Seconds this attempt took. */
  readonly seconds: number;
  /** True when this attempt continued a checkpoint of an earlier, cut-short attempt. */
  readonly resumed: boolean;
}

/** How far a training job is: `fraction` of its epochs done (0 to 1), and the epoch it is in. */
export interface TrainJobProgress {
  readonly fraction: number;
  readonly epoch?: number;
  readonly epochs?: number;
}

/**
 * The run folder is being written by another live process (on the queue: a worker whose job lock
 * lapsed while it was still training, e.g. on an overloaded machine). Not a failure of the run: the
 * job waits and is looked at again later.
 */
export class RunBusyError extends Error {
  constructor(readonly dir: string, readonly owner: string) {
    super(`the run folder ${dir} is being written by ${owner}`);
    this.name = 'RunBusyError';
  }
}

/** A training attempt that did not finish: exit code 2 (usage or data error), 1 (unexpected) or 130/143 (stopped by a signal). */
export class TrainJobError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'TrainJobError';
  }

  /** True when the run was stopped by Ctrl-C or SIGTERM (its checkpoint is written: the next attempt resumes it). */
  get interrupted(): boolean {
    return this.exitCode === 130 || this.exitCode === 143;
  }
}

interface RunJson {
  readonly status?: string;
  readonly results?: Record<string, unknown>;
}

/** The run.json of a run folder, or undefined when there is none (or it cannot be read). */
export function readRunJson(dir: string): RunJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;
  } catch {
    return undefined;
  }
}

/** Splits written text into whole lines for `onLine`. */
function lineStream(onLine: (line: string) => void): OutStream & { flush(): void } {
  let pending = '';
  return {
    isTTY: false,
    write(text: string): boolean {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      return true;
    },
    flush(): void {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}

/**
 * Runs one training job in this process, through the same `cxr train` a user runs, and resolves to
 * its results. Idempotent: a run folder whose run.json says `done` is not trained again (its results
 * are returned), and one with a checkpoint left by an attempt that was cut short (a killed worker,
 * Ctrl-C) is continued with `--resume`, which gives the bytes of an uninterrupted run.
 *
 * @param options.takeOverLock - the queue has handed this job over from another worker whose lock
 *   expired: a run.lock that worker's host left is removed (on this host a dead owner's lock is taken
 *   over anyway).
 * @throws {@link TrainJobError} when `cxr train` ends with a non-zero code (its last error line as the message).
 */
export async function runTrainJob(
  job: TrainJobData,
  options: { readonly env: Io['env']; readonly cwd: string; readonly signal?: AbortSignal; readonly onProgress?: (progress: TrainJobProgress) => void; readonly takeOverLock?: boolean } ,
): Promise<TrainJobResult> {
  const started = Date.now();
  const worker = `${hostname()}:${process.pid}`;
  const before = readRunJson(job.dir);
  if (before?.status === 'done' && before.results) {
    return { run: job.run, dir: job.dir, results: before.results, worker, seconds: 0, resumed: false };
  }
  const resume = before !== undefined && existsSync(join(job.dir, 'checkpoints', 'last', 'state.json'));
  if (options.takeOverLock) {
    const lock = join(job.dir, LOCK_FILE);
    try {
      const owner = JSON.parse(readFileSync(lock, 'utf8')) as { host?: unknown };
      if (typeof owner.host === 'string' && owner.host !== hostname()) rmSync(lock, { force: true });
    } catch {
      // No lock, or not readable: the trainer decides.
    }
  }
  const owner = runFolderOwner(job.dir);
  if (owner !== undefined) throw new RunBusyError(job.dir, `pid ${owner.pid} on ${owner.host}`);
  let epochs = 0;
  let lastError = '';
  const report = (fraction: number, epoch?: number): void => {
    options.onProgress?.({ fraction: Math.max(0, Math.min(1, fraction)), ...(epoch !== undefined ? { epoch, epochs } : {}) });
  };
  const stdout = lineStream((line) => {
    const done = /^epoch (\d+)\/(\d+)\s\s/.exec(line);
    if (done) {
      epochs = Number(done[2]);
      report(Number(done[1]) / epochs, Number(done[1]));
    }
  });
  const stderr = lineStream((line) => {
    const step = /^epoch (\d+)\/(\d+) step (\d+)\/(\d+)/.exec(line);
    if (step) {
      epochs = Number(step[2]);
      const epoch = Number(step[1]);
      report((epoch - 1 + Number(step[3]) / Number(step[4])) / epochs, epoch);
    } else if (line.trim()) lastError = line.trim();
  });
  const io: Io = { stdout, stderr, env: options.env, cwd: options.cwd, ...(options.signal ? { signal: options.signal } : {}) };
  // Imported here: the command line module imports the commands, which import this one.
  const { main } = await import('../../index.js');
  const argv = ['train', ...job.argv, ...(resume ? ['--resume'] : [])];
  const code = await main(argv, io);
  stdout.flush();
  stderr.flush();
  if (code !== 0) {
    const message = lastError.replace(/^cxr train: /, '') || `cxr train ended with exit code ${code}`;
    throw new TrainJobError(message, code);
  }
  const after = readRunJson(job.dir);
  if (after?.status !== 'done' || !after.results) throw new TrainJobError(`cxr train ended without results in ${join(job.dir, 'run.json')}`, 1);
  return { run: job.run, dir: job.dir, results: after.results, worker, seconds: (Date.now() - started) / 1000, resumed: resume };
}
