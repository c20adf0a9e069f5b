import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { runSweep } from './sweep.js';
import { runWorkerCommand } from './worker.js';

/** The commands of the job queue, by name (registered by the command line). */
export const QUEUE_RUNNERS: Readonly<Record<string, (parsed: ParsedCommand, context: CommandContext) => Promise<number>>> = {
  sweep: runSweep,
  worker: runWorkerCommand,
};
