import { hostname } from 'node:os';
import { DelayedError, Worker, WaitingError } from 'bullmq';
import type { Job } from 'bullmq';
import type { Io } from '../io.js';
import type { QueueAddress } from './connection.js';
import { DECODE_QUEUE, QUEUE_PREFIX, TRAIN_QUEUE } from './connection.js';
import { RunBusyError, runTrainJob, TrainJobError } from './train-job.js';
import type { TrainJobData, TrainJobResult } from './train-job.js';
import { runDecodeJob } from './decode-job.js';
import type { DecodeJobData, DecodeJobResult } from './decode-job.js';

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** Decode shards run at once (training runs one at a time: it uses every core). */
  readonly decodeConcurrency: number;
  /**
   * How long a job's lock lasts without renewal (ms): a worker killed mid-job (kill -9, a lost
   * machine) leaves its job to another worker about this long (plus up to as much again) later.
   */
  readonly lockMs: number;
  /** Which queues to take jobs from. */
  readonly queues: readonly ('train' | 'decode')[];
  readonly log: (line: string) => void;
}

/**
 * Takes jobs from the cxr queues until `io.signal` aborts, and runs them in this process with the
 * same stages as the local commands: training runs (`cxr sweep`) one at a time, decode shards
 * (`cxr cache build`) several at a time.
 *
 * Ctrl-C or SIGTERM: no new job is taken; a training in progress stops after its step with a
 * checkpoint and its job goes back to the queue (the next worker continues the checkpoint); decode
 * shards in progress finish. Resolves to 130 when a job was put back, else 0.
 */
export async function runWorker(address: QueueAddress, io: Io, options: WorkerOptions): Promise<number> {
  const me = `${hostname()}:${process.pid}`;
  const common = {
    connection: address.options,
    prefix: QUEUE_PREFIX,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    // A job whose worker died twice is still retried (a third stall fails it, with the reason).
    maxStalledCount: 2,
  };
  let putBack = 0;
  const workers: Worker[] = [];
  if (options.queues.includes('train')) {
    const train = new Worker<TrainJobData, TrainJobResult>(
      TRAIN_QUEUE,
      async (job: Job<TrainJobData, TrainJobResult>, token?: string) => {
        const attempt = job.attemptsStarted;
        options.log(`${job.data.run}: training (attempt ${attempt}, job ${job.id ?? '?'}) in ${job.data.dir}`);
        let last = 0;
        await job.updateProgress({ fraction: 0, worker: me });
        try {
          const result = await runTrainJob(job.data, {
            env: io.env,
            cwd: io.cwd,
            ...(io.signal ? { signal: io.signal } : {}),
            takeOverLock: attempt > 1 || job.stalledCounter > 0,
            onProgress: (p) => {
              const now = Date.now();
              if (now - last < 1000 && p.fraction < 1) return;
              last = now;
              job.updateProgress({ ...p, worker: me }).catch(() => undefined);
            },
          });
          options.log(`${job.data.run}: done in ${Math.round(result.seconds)} s${result.resumed ? ' (continued from the checkpoint of an attempt cut short)' : ''}`);
          return { ...result, worker: me };
        } catch (error) {
          if (error instanceof TrainJobError && error.interrupted && token !== undefined) {
            // Stopped by Ctrl-C/SIGTERM with a checkpoint: back to the queue, without using up an attempt.
            await job.moveToWait(token);
            putBack++;
            options.log(`${job.data.run}: stopped with a checkpoint and put back in the queue; the next worker continues it.`);
            throw new WaitingError();
          }
          if (error instanceof RunBusyError && token !== undefined) {
            // Another live process still trains this run (its worker's lock lapsed): look again later, without using up an attempt.
            await job.moveToDelayed(Date.now() + options.lockMs, token);
            options.log(`${job.data.run}: ${error.message}; the job waits and is looked at again in ${Math.round(options.lockMs / 1000)} s.`);
            throw new DelayedError();
          }
          options.log(`${job.data.run}: attempt ${attempt} failed: ${error instanceof Error ? error.message : String(error)}`);
          throw error;
        }
      },
      { ...common, concurrency: 1, autorun: false },
    );
    workers.push(train);
  }
  if (options.queues.includes('decode')) {
    const decode = new Worker<DecodeJobData, DecodeJobResult>(
      DECODE_QUEUE,
      async (job: Job<DecodeJobData, DecodeJobResult>) => {
        let last = 0;
        const result = await runDecodeJob(job.data, (done, total) => {
          const now = Date.now();
          if (now - last < 500 && done < total) return;
          last = now;
          job.updateProgress({ done, total, worker: me }).catch(() => undefined);
        });
        const seconds = (result.finishedAt - result.startedAt) / 1000;
        options.log(`cache shard ${job.data.shard}: ${result.decoded} images decoded, ${result.cached} already cached${result.rejected.length ? `, ${result.rejected.length} rejected` : ''} in ${seconds.toFixed(1)} s (${seconds > 0 ? (result.decoded / seconds).toFixed(1) : '-'} img/s) into ${job.data.dir}`);
        return { ...result, worker: me };
      },
      { ...common, concurrency: options.decodeConcurrency, autorun: false },
    );
    workers.push(decode);
  }
  for (const worker of workers) {
    worker.on('error', () => {
      // Connection trouble: ioredis reconnects (a Redis restart); jobs resume when it is back.
    });
  }
  options.log(
    `Worker ${me} takes jobs from ${address.display} (${[options.queues.includes('train') ? 'training runs one at a time' : '', options.queues.includes('decode') ? `decode shards ${options.decodeConcurrency} at a time` : ''].filter(Boolean).join(', ')}); Ctrl-C to stop.`,
  );
  const running = workers.map((w) => w.run());
  await new Promise<void>((resolvePromise) => {
    if (io.signal?.aborted) resolvePromise();
    io.signal?.addEventListener('abort', () => resolvePromise(), { once: true });
  });
  options.log(`Worker ${me}: stopping (jobs in progress finish or go back to the queue)...`);
  await Promise.all(workers.map((w) => w.close()));
  await Promise.allSettled(running);
  options.log(`Worker ${me}: stopped.`);
  return putBack > 0 ? 130 : 0;
}
