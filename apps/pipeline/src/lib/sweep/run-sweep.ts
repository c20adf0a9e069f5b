import { Queue } from 'bullmq';
import type { Io } from '../io.js';
import type { QueueAddress } from '../queue/connection.js';
import { QUEUE_PREFIX, TRAIN_QUEUE, waitOrAbort } from '../queue/connection.js';
import { readRunJson, runTrainJob, TrainJobError } from '../queue/train-job.js';
import type { TrainJobData, TrainJobProgress, TrainJobResult } from '../queue/train-job.js';
import type { RunOutcome } from './comparison.js';
import type { SweepProgress } from './sweep-progress.js';
import type { SweepPlan, SweepRun } from './sweep-plan.js';

/** How a sweep ended: each run's outcome, and whether Ctrl-C (or SIGTERM) stopped it first. */
export interface SweepEnd {
  readonly outcomes: Map<string, RunOutcome>;
  readonly interrupted: boolean;
}

/** What a run's job carries. */
export function jobData(plan: SweepPlan, run: SweepRun): TrainJobData {
  return { sweep: plan.id, run: run.name, dir: run.dir, argv: run.argv };
}

/** The queue's id of a run's job: unique per sweep and run, so enqueueing twice never makes two jobs. */
export function jobId(plan: SweepPlan, run: SweepRun): string {
  return `${plan.id}.${run.name}`;
}

/** The outcome of a run whose run.json says it is done, or undefined. */
function doneOnDisk(run: SweepRun): RunOutcome | undefined {
  const json = readRunJson(run.dir);
  return json?.status === 'done' && json.results ? { status: 'done', results: json.results } : undefined;
}

/**
 * Runs the sweep's runs one after the other in this process (no queue), each through `cxr train`.
 * Runs already done (a resumed sweep) are kept; a run stopped by Ctrl-C leaves its checkpoint and
 * ends the sweep (the next `--resume` continues it); a failed run is reported and the others go on.
 */
export async function runLocally(plan: SweepPlan, io: Io, progress: SweepProgress): Promise<SweepEnd> {
  const outcomes = new Map<string, RunOutcome>();
  for (const run of plan.runs) {
    const done = doneOnDisk(run);
    if (done) {
      outcomes.set(run.name, done);
      progress.update(run.name, done);
    } else outcomes.set(run.name, { status: 'queued' });
  }
  for (const run of plan.runs) {
    if (outcomes.get(run.name)?.status === 'done') continue;
    if (io.signal?.aborted) return { outcomes, interrupted: true };
    progress.update(run.name, { status: 'running', worker: 'this process' });
    try {
      const result = await runTrainJob(jobData(plan, run), {
        env: io.env,
        cwd: io.cwd,
        ...(io.signal ? { signal: io.signal } : {}),
        onProgress: (p) => progress.update(run.name, { status: 'running', worker: 'this process' }, p.fraction, p),
      });
      const outcome: RunOutcome = { status: 'done', results: result.results, seconds: result.seconds, attempts: 1, resumed: result.resumed };
      outcomes.set(run.name, outcome);
      progress.update(run.name, outcome);
    } catch (error) {
      if (error instanceof TrainJobError && error.interrupted) {
        outcomes.set(run.name, { status: 'interrupted' });
        progress.update(run.name, { status: 'interrupted' });
        return { outcomes, interrupted: true };
      }
      const outcome: RunOutcome = { status: 'failed', error: error instanceof Error ? error.message : String(error), attempts: 1 };
      outcomes.set(run.name, outcome);
      progress.update(run.name, outcome);
    }
  }
  return { outcomes, interrupted: io.signal?.aborted === true && [...outcomes.values()].some((o) => o.status !== 'done' && o.status !== 'failed') };
}

/** Options of {@link runOnQueue}. */
export interface QueueRunOptions {
  /** Attempts per run before it counts as failed. */
  readonly attempts: number;
  /** First retry delay (ms); doubled for each further retry. */
  readonly retryDelayMs: number;
  /** Polling period (ms). */
  readonly pollMs?: number;
  /** Called once the runs are queued. */
  readonly onQueued?: (counts: { readonly queued: number; readonly already: number; readonly done: number; readonly retried: number }) => void;
}

/**
 * Puts the sweep's runs on the queue (one job per run not yet done; a job already there is left as
 * it is, a failed one of a resumed sweep is queued again) and follows them until every one has ended,
 * drawing the progress. Ctrl-C stops following and leaves the jobs queued: the workers go on, and
 * `cxr sweep --resume` follows them again.
 */
export async function runOnQueue(plan: SweepPlan, address: QueueAddress, io: Io, progress: SweepProgress, options: QueueRunOptions): Promise<SweepEnd> {
  const queue = new Queue<TrainJobData, TrainJobResult>(TRAIN_QUEUE, { connection: address.options, prefix: QUEUE_PREFIX });
  queue.on('error', () => {
    // ioredis reconnects by itself (a Redis restart); the polling below waits for it.
  });
  const outcomes = new Map<string, RunOutcome>();
  const pending = new Map<string, SweepRun>();
  try {
    let queued = 0;
    let retried = 0;
    let already = 0;
    for (const run of plan.runs) {
      const done = doneOnDisk(run);
      if (done) {
        outcomes.set(run.name, done);
        progress.update(run.name, done);
        continue;
      }
      const id = jobId(plan, run);
      const existing = await queue.getJob(id);
      if (existing) {
        if ((await existing.getState()) === 'failed') {
          await existing.retry('failed');
          retried++;
        } else already++;
      } else {
        await queue.add('train', jobData(plan, run), {
          jobId: id,
          attempts: options.attempts,
          backoff: { type: 'exponential', delay: options.retryDelayMs },
          removeOnComplete: { age: 30 * 24 * 3600 },
          removeOnFail: { age: 30 * 24 * 3600 },
        });
        queued++;
      }
      outcomes.set(run.name, { status: 'queued' });
      pending.set(run.name, run);
    }
    options.onQueued?.({ queued, already, done: plan.runs.length - pending.size, retried });
    while (pending.size > 0 && io.signal?.aborted !== true) {
      for (const [name, run] of pending) {
        if (io.signal?.aborted) break;
        const job = await queue.getJob(jobId(plan, run));
        let outcome: RunOutcome;
        let fraction = 0;
        let epoch: TrainJobProgress | undefined;
        if (!job) {
          outcome = doneOnDisk(run) ?? { status: 'failed', error: `its job ${jobId(plan, run)} was removed from the queue before it ended; \`cxr sweep --resume\` queues it again` };
        } else {
          const state = await job.getState();
          const p = (typeof job.progress === 'object' ? job.progress : {}) as Partial<TrainJobProgress & { worker: string }>;
          if (state === 'completed' && !job.returnvalue) {
            // Read before it completed (its state is read after it): look again at the next poll.
            continue;
          } else if (state === 'completed') {
            const r = job.returnvalue;
            outcome = { status: 'done', results: r.results, worker: r.worker, seconds: r.seconds, attempts: job.attemptsMade, resumed: r.resumed };
          } else if (state === 'failed') {
            outcome = { status: 'failed', error: job.failedReason, attempts: job.attemptsMade };
          } else if (state === 'active') {
            outcome = { status: 'running', attempts: job.attemptsStarted, ...(p.worker ? { worker: p.worker } : {}) };
            fraction = typeof p.fraction === 'number' ? p.fraction : 0;
            epoch = p as TrainJobProgress;
          } else {
            outcome = { status: 'queued', ...(job.attemptsMade > 0 ? { error: job.failedReason, attempts: job.attemptsMade } : {}) };
          }
        }
        outcomes.set(name, outcome);
        progress.update(name, outcome, fraction, epoch);
        if (outcome.status === 'done' || outcome.status === 'failed') pending.delete(name);
      }
      if (pending.size > 0) await waitOrAbort(options.pollMs ?? 500, io.signal);
    }
  } finally {
    await queue.close();
  }
  return { outcomes, interrupted: pending.size > 0 };
}
