import { formatAudit, scanAndAudit, UsageError, writeJsonAtomic, type ImageRecord } from '@cxr/loader';
import { writeAuditReport } from '@cxr/report';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { absolute, existingDir, resolveDataRoot } from '../paths.js';

/**
 * `cxr scan [dir] [--json] [--out DIR] [--seed N]`: the audit as a table or JSON; with `--out`, also
 * `audit.json` and the data page `audit.html` (with `audit/*.png`). Exit 0 when the scan completes.
 */
export async function runScan(parsed: ParsedCommand, { io, logger }: CommandContext): Promise<number> {
  const given = parsed.positionals[0];
  const root = given !== undefined ? existingDir(absolute(io.cwd, given), 'the command line') : resolveDataRoot(undefined, io.env, io.cwd).root;
  const out = parsed.values['out'];
  if (typeof out === 'string' && existsSync(absolute(io.cwd, out)) && !statSync(absolute(io.cwd, out)).isDirectory()) {
    throw new UsageError(`--out ${out} is a file, not a folder; give a folder for audit.json and audit.html.`);
  }
  const tty = io.stderr.isTTY === true;
  // The page's examples and shared-group files come from this scan's own records: the folder is read once.
  let records: readonly ImageRecord[] = [];
  const audit = await scanAndAudit(root, {
    onRecords: (found) => {
      records = found;
    },
    ...(tty ? { onProgress: (done: number, total: number) => void (done % 50 === 0 || done === total ? io.stderr.write(`\rscanning ${done}/${total}`) : undefined) } : {}),
  });
  if (tty) io.stderr.write('\r\x1b[2K');
  let written: string | undefined;
  if (typeof out === 'string') {
    const dir = absolute(io.cwd, out);
    const file = join(dir, 'audit.json');
    await writeJsonAtomic(file, audit);
    const seed = typeof parsed.values['seed'] === 'number' ? parsed.values['seed'] : 42;
    const page = await writeAuditReport(dir, { audit, records, seed });
    written = `Wrote ${file} and ${page.htmlPath} (${kilobytes(page.htmlBytes)}; its ${page.pngPaths.length} charts and example grids also as PNGs in ${join(dir, 'audit')}).`;
  }
  if (parsed.values['json'] === true) io.stdout.write(`${JSON.stringify(audit, null, 2)}\n`);
  else io.stdout.write(`${formatAudit(audit)}\n`);
  if (written !== undefined) logger.info(written);
  return 0;
}

function kilobytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}
