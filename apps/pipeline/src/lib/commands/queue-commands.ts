import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { runSweep } from './sweep.js';
import { runWorkerCommand } from './worker.js';
import { runCacheBuild } from './cache-build.js';
import { usageError } from '../errors.js';

/** The commands of the job queue, by name (registered by the command line). */
export const QUEUE_RUNNERS: Readonly<Record<string, (parsed: ParsedCommand, context: CommandContext) => Promise<number>>> = {
  sweep: runSweep,
  worker: runWorkerCommand,
  cache: (parsed, context) => {
    if (parsed.positionals[0] !== 'build') throw usageError(`cxr cache takes build (got "${String(parsed.positionals[0])}"), e.g. \`cxr cache build --data DIR\`.`);
    return runCacheBuild(parsed, context);
  },
};
