import { formatAudit, scanAndAudit } from '@cxr/loader';
import { join } from 'node:path';
import type { ParsedCommand } from '../args.js';
import { writeJsonAtomic } from '../atomic.js';
import type { CommandContext } from '../context.js';
import { absolute, existingDir, resolveDataRoot } from '../paths.js';

/** `cxr scan [dir] [--json] [--out DIR]`: the audit as a table or JSON. Exit 0 when the scan completes. */
export async function runScan(parsed: ParsedCommand, { io, logger }: CommandContext): Promise<number> {
  const given = parsed.positionals[0];
  const root = given !== undefined ? existingDir(absolute(io.cwd, given), 'the command line') : resolveDataRoot(undefined, io.env, io.cwd).root;
  const tty = io.stderr.isTTY === true;
  const audit = await scanAndAudit(root, {
    ...(tty ? { onProgress: (done: number, total: number) => void (done % 50 === 0 || done === total ? io.stderr.write(`\rscanning ${done}/${total}`) : undefined) } : {}),
  });
  if (tty) io.stderr.write('\r\x1b[2K');
  const out = parsed.values['out'];
  if (typeof out === 'string') {
    const file = join(absolute(io.cwd, out), 'audit.json');
    await writeJsonAtomic(file, audit);
    logger.detail(`audit written to ${file}`);
  }
  if (parsed.values['json'] === true) io.stdout.write(`${JSON.stringify(audit, null, 2)}\n`);
  else io.stdout.write(`${formatAudit(audit)}\n`);
  return 0;
}
