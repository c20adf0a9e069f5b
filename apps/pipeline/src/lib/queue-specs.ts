import { availableParallelism } from 'node:os';
import type { CommandSpec, FlagSpec } from './args.js';

const queue: FlagSpec = {
  type: 'string',
  placeholder: 'URL',
  description: 'Redis of the job queue, redis://HOST:PORT (rediss:// for TLS; redis://:PASSWORD@HOST:PORT/DB). Without it everything runs in this process.',
  example: 'redis://127.0.0.1:6379',
};
const json: FlagSpec = { type: 'boolean', description: 'Print the result as JSON on stdout (messages go to stderr).' };

export const SWEEP: CommandSpec = {
  name: 'sweep',
  summary: 'Run many trainings (settings x seeds, or k folds) and compare them on one page.',
  description:
    'Reads a sweep file (JSON): "train" (the cxr train config every run shares: flags in camelCase and the recipe), "settings" (named configs over it, e.g. {"baseline": {}, "no-crop": {"augment": {"crop": 0}}}), "seeds" (default [42]) and optionally "folds" (K: each seed trains K runs, validating on each patient-disjoint fold of train+val in turn). Each run is a cxr train into OUT/runs/<setting>-seed<N>[-fold<I>of<K>]. With --queue the runs go to a Redis queue that `cxr worker` processes on any machine that sees OUT (a shared file system); without it they run here one after the other. A progress bar follows all runs; at the end OUT/sweep.html and OUT/sweep.json compare them: each run\'s validation, test and external figures with a link to its report, and the mean and spread per setting. A run that fails (three attempts on the queue) is reported with its error and the others go on. Ctrl-C stops following (on the queue the jobs stay queued and the workers go on; here the current run stops with a checkpoint); --resume continues.',
  positional: { name: 'file', description: 'The sweep file (JSON).', required: true, variadic: false },
  flags: {
    out: { type: 'string', placeholder: 'DIR', description: 'Sweep folder: run folders, sweep.html, sweep.json. On a queue, a folder every worker sees at the same path. Default: sweeps/<file name>.' },
    queue,
    resume: { type: 'boolean', description: 'Continue the sweep in --out: runs done are kept, queued jobs are followed again, unfinished runs continue from their checkpoints, failed runs are tried again.' },
    data: { type: 'string', placeholder: 'DIR', description: 'Dataset folder for every run (over the sweep file\'s "data"). Default: the sweep file\'s, else $CXR_DATA, else ../shared/datasets/chest-xray next to the repository.' },
    attempts: { type: 'integer', placeholder: 'N', min: 1, max: 20, default: 3, description: 'With --queue: attempts per run before it counts as failed.' },
    'retry-delay': { type: 'number', placeholder: 'SECONDS', min: 0, max: 86400, default: 10, description: 'With --queue: wait before the first retry of a failed run (doubled for each further one).', example: '10' },
    json,
  },
  examples: [
    'cxr sweep sweeps/recipes.json                                  # every run here, one after the other',
    'cxr sweep sweeps/recipes.json --queue redis://127.0.0.1:6379 --out /shared/sweeps/recipes',
    'cxr sweep sweeps/recipes.json --queue redis://127.0.0.1:6379 --resume   # after Ctrl-C',
  ],
  configExample: '{"queue": "redis://127.0.0.1:6379", "attempts": 3}',
};

export const WORKER: CommandSpec = {
  name: 'worker',
  summary: 'Take training runs and decode shards from a Redis queue and run them.',
  description:
    'Runs the jobs that `cxr sweep --queue` and `cxr cache build --queue` put on the queue, with the same stages as the local commands: one training at a time (it uses every core) and several decode shards at a time. Start one per machine; every machine must see the sweep and cache folders at the same paths. A worker killed mid-job (kill -9, a lost machine) leaves its job to another worker once the job\'s lock expires (--lock-seconds); a training continues from its last checkpoint, to the same result. Ctrl-C or SIGTERM: no new job is taken, a training stops after its step with a checkpoint and goes back to the queue, decode shards finish; a second signal quits at once.',
  flags: {
    queue,
    concurrency: { type: 'integer', placeholder: 'N', min: 1, max: 256, default: availableParallelism(), description: 'Decode shards at once (training runs one at a time).', example: '4' },
    'lock-seconds': {
      type: 'number',
      placeholder: 'SECONDS',
      min: 1,
      max: 3600,
      default: 30,
      description: 'Lock of a job in progress, renewed while the worker lives: the job of a worker that died goes to another after this long (up to twice).',
      example: '30',
    },
    only: { type: 'string', placeholder: 'KIND', choices: ['train', 'decode'], description: 'Take only training runs, or only decode shards (default: both).' },
  },
  examples: ['cxr worker --queue redis://127.0.0.1:6379', 'cxr worker --queue redis://queue-host:6379 --only decode --concurrency 8'],
  configExample: '{"queue": "redis://127.0.0.1:6379", "concurrency": 4}',
};

/** The flags of `cxr cache build` (the `cache` command's other actions take only --cache and --json). */
export const CACHE_BUILD_FLAGS: Readonly<Record<string, FlagSpec>> = {
  data: { type: 'string', placeholder: 'DIR', description: 'build: the dataset folder. Default: $CXR_DATA, else ../shared/datasets/chest-xray next to the repository.' },
  'image-size': { type: 'integer', placeholder: 'N', min: 16, max: 1024, description: "build: side of the decoded square images, as for `cxr train --image-size` (default: train's default).", example: '128' },
  'shard-size': { type: 'integer', placeholder: 'N', min: 1, max: 100000, default: 500, description: 'build: images per shard (one job each on the queue).' },
  queue: { ...queue, description: `build: ${queue.description}` },
};

export const QUEUE_COMMANDS: readonly CommandSpec[] = [SWEEP, WORKER];
