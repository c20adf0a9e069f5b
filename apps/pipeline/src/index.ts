import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closest, commandHelp, parseCommand } from './lib/args.js';
import type { ParsedCommand } from './lib/args.js';
import { isUsageError } from '@cxr/loader';
import { oneSentence } from './lib/errors.js';
import type { Io } from './lib/io.js';
import { processIo } from './lib/io.js';
import { Logger } from './lib/logger.js';
import { COMMANDS } from './lib/specs.js';
import { packageVersion } from './lib/versions.js';
import type { CommandContext } from './lib/context.js';
import { runScan } from './lib/commands/scan.js';
import { runTrain } from './lib/commands/train.js';
import { runEvaluate } from './lib/commands/evaluate.js';
import { runPredict } from './lib/commands/predict.js';
import { runDoctor } from './lib/commands/doctor.js';
import { QUEUE_RUNNERS } from './lib/commands/queue-commands.js';
import { runCache } from './lib/commands/cache.js';
import { runView } from './lib/commands/view.js';

export type { Io, OutStream } from './lib/io.js';

/**
 * Exit codes: 0 done, 1 unexpected failure, 2 a usage or data error the user can fix, 130 interrupted
 * (a first Ctrl-C or SIGTERM, after a clean stop); 143 after a second SIGTERM (quit at once).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

const RUNNERS: Record<string, (parsed: ParsedCommand, context: CommandContext) => Promise<number>> = {
  scan: runScan,
  train: runTrain,
  evaluate: runEvaluate,
  predict: runPredict,
  doctor: runDoctor,
  ...QUEUE_RUNNERS,
  cache: runCache,
  view: runView,
};

/**
 * Runs the `cxr` command line and resolves to the exit code (it never calls `process.exit`).
 *
 * @param argv The arguments after the program name, e.g. `['scan', 'data', '--json']`.
 * @param io Streams, environment and working folder; the process's own by default. Without `io`,
 *   Ctrl-C (SIGINT) and SIGTERM (what `timeout`, `docker stop` and Kubernetes send) are handled
 *   alike: the first stops the command cleanly (training: after the current step, with a
 *   checkpoint), a second one of either ends the process at once.
 */
export async function main(argv: readonly string[], io?: Io): Promise<number> {
  if (io) return run(argv, io);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    const name = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    if (controller.signal.aborted) {
      process.stderr.write(`\ncxr: stopped at once (second signal: ${name}).\n`);
      process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
    }
    process.stderr.write(`\ncxr: ${name}: stopping after the current step (Ctrl-C or SIGTERM again to quit at once)...\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(argv, processIo(controller.signal));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    (first === undefined ? io.stderr : io.stdout).write(topic ? commandHelp(topic) : overview());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${packageVersion('@cxr/pipeline') ?? 'unknown'}\n`);
    return EXIT.ok;
  }
  const spec = COMMANDS.find((c) => c.name === first);
  if (!spec) {
    const guess = closest(first, COMMANDS.map((c) => c.name));
    const what = first.startsWith('-') ? `flag ${first} before a command` : `command "${first}"`;
    io.stderr.write(`cxr: unknown ${what}; ${guess ? `did you mean \`cxr ${guess}\`? ` : ''}the commands are ${COMMANDS.map((c) => c.name).join(', ')} (see \`cxr --help\`).\n`);
    return EXIT.usage;
  }
  const now = io.now ?? Date.now;
  const jsonMode = rest.includes('--json');
  const logger = new Logger(jsonMode ? io.stderr : io.stdout, now);
  const cleanups: (() => void)[] = [];
  try {
    const parsed = parseCommand(spec, rest, io.cwd);
    if (parsed.help) {
      io.stdout.write(commandHelp(spec));
      return EXIT.ok;
    }
    const runner = RUNNERS[spec.name];
    if (!runner) throw new Error(`no runner for ${spec.name}`);
    return await runner(parsed, { io, logger, now, argv: rest, defer: (cleanup) => cleanups.push(cleanup) });
  } catch (error) {
    if (isUsageError(error)) {
      logger.detail(`usage error: ${error.message}`);
      io.stderr.write(`cxr ${spec.name}: ${oneSentence(error)}\n`);
      return EXIT.usage;
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    let where = logger.path;
    logger.detail(`unexpected error: ${stack}`);
    if (!where) {
      try {
        const dir = join(tmpdir(), 'cxr-logs');
        mkdirSync(dir, { recursive: true });
        where = join(dir, `${spec.name}-${new Date(now()).toISOString().replace(/[:.]/g, '-')}.log`);
        writeFileSync(where, `cxr ${argv.join(' ')}\n${stack}\n`);
      } catch {
        where = undefined;
      }
    }
    io.stderr.write(`cxr ${spec.name}: unexpected error: ${oneSentence(error)}${where ? ` Details are in ${where}.` : ''}\n`);
    return EXIT.failure;
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
  }
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    'cxr: train and evaluate a pneumonia classifier on chest X-rays.',
    '',
    'Usage: cxr <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Every command has --help; every command takes --config FILE (a JSON object of its flags).',
    'Data: --data DIR, else $CXR_DATA, else ../shared/datasets/chest-xray next to the repository.',
    '',
  ].join('\n');
}
