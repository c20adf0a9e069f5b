import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '@cxr/loader';
import { checkQueueReachable, parseQueueUrl } from '../queue/connection.js';
import { runWorker } from '../queue/worker.js';

/** `cxr worker --queue URL`: takes training runs and decode shards from the queue until Ctrl-C. */
export async function runWorkerCommand(parsed: ParsedCommand, { io, logger }: CommandContext): Promise<number> {
  const v = parsed.values;
  if (typeof v['queue'] !== 'string') throw new UsageError('cxr worker needs the queue to take jobs from: --queue redis://HOST:PORT (the Redis that `cxr sweep --queue` and `cxr cache build --queue` use).');
  const address = parseQueueUrl(v['queue']);
  await checkQueueReachable(address);
  const only = v['only'];
  return runWorker(address, io, {
    decodeConcurrency: v['concurrency'] as number,
    lockMs: Math.round((v['lock-seconds'] as number) * 1000),
    queues: only === 'train' ? ['train'] : only === 'decode' ? ['decode'] : ['train', 'decode'],
    log: (line) => logger.info(`${new Date().toISOString().slice(11, 19)} ${line}`),
  });
}
