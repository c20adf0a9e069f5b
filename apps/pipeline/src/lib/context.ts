import type { Io } from './io.js';
import type { Logger } from './logger.js';

/** What every command gets: where to write, a logger (stdout, or stderr with --json) and a clock. */
export interface CommandContext {
  readonly io: Io;
  readonly logger: Logger;
  readonly now: () => number;
  /** The command's own arguments, as given (for run.json and the log). */
  readonly argv: readonly string[];
  /** Runs `cleanup` when the command ends, however it ends (e.g. to release the run folder's lock); none when absent. */
  readonly defer?: (cleanup: () => void) => void;
}
