import { existsSync, mkdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '@cxr/loader';
import { absolute } from '../paths.js';
import { duration } from '../progress.js';
import { checkQueueReachable, parseQueueUrl } from '../queue/connection.js';
import { acquireRunLock } from '../run-lock.js';
import { compare, writeComparison } from '../sweep/comparison.js';
import { runLocally, runOnQueue } from '../sweep/run-sweep.js';
import { SweepProgress } from '../sweep/sweep-progress.js';
import { defaultSweepOut, expandSweep, planFile, readPlan, writePlan } from '../sweep/sweep-plan.js';
import type { SweepPlan } from '../sweep/sweep-plan.js';

/** `cxr sweep FILE [--queue URL] [--out DIR] [--resume]`: see the command's help. */
export async function runSweep(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  const { io, logger, now } = context;
  const v = parsed.values;
  const file = absolute(io.cwd, parsed.positionals[0] as string);
  const out = typeof v['out'] === 'string' ? absolute(io.cwd, v['out']) : defaultSweepOut(io.cwd, file);
  const resume = v['resume'] === true;
  const json = v['json'] === true;
  const address = typeof v['queue'] === 'string' ? parseQueueUrl(v['queue']) : undefined;
  if (!address && (parsed.explicit.has('attempts') || parsed.explicit.has('retry-delay'))) {
    throw new UsageError(`--${parsed.explicit.has('attempts') ? 'attempts' : 'retry-delay'} applies to runs on a queue; add --queue redis://HOST:PORT, or leave it out (here each run is tried once).`);
  }
  const expanded = expandSweep(file, out, io, typeof v['data'] === 'string' ? { data: v['data'] } : {});
  const existing = readPlan(out);
  if (existing && !resume) throw new UsageError(`${out} already holds a sweep (started ${existing.createdAt}); add --resume to continue it, or give another --out folder.`);
  if (!existing && resume) throw new UsageError(`--resume: ${out} holds no sweep (no ${planFile(out)}); leave --resume out to start it, or give the sweep's folder with --out.`);
  if (existing && !isDeepStrictEqual(existing.runs.map((r) => [r.name, r.config, r.argv]), expanded.runs.map((r) => [r.name, r.config, r.argv]))) {
    throw new UsageError(`--resume: the sweep file ${file} no longer gives the runs of the sweep in ${out} (started ${existing.createdAt}); restore the file, or start the changed sweep in another --out folder.`);
  }
  if (address) await checkQueueReachable(address);
  mkdirSync(out, { recursive: true });
  const lock = acquireRunLock(out, `cxr sweep ${context.argv.join(' ')}`);
  context.defer?.(lock.release);
  logger.attach(`${out}/sweep.log`);
  logger.detail(`cxr sweep ${context.argv.join(' ')}`);
  const plan: SweepPlan = existing ?? (await writePlan(expanded, now()));
  const started = now();
  logger.info(
    `${existing ? 'Resuming' : 'Starting'} sweep ${plan.id} of ${file}: ${plan.runs.length} runs (${plan.settings.length} setting${plan.settings.length > 1 ? 's' : ''} x ${plan.seeds.length} seed${plan.seeds.length > 1 ? 's' : ''}${plan.folds ? ` x ${plan.folds} folds` : ''}) into ${out}, ${address ? `on the queue ${address.display}` : 'in this process, one after the other'}.`,
  );
  const progress = new SweepProgress(io.stderr, plan.runs.length, (line) => logger.info(line), now);
  const end = address
    ? await runOnQueue(plan, address, io, progress, {
        attempts: v['attempts'] as number,
        retryDelayMs: Math.round((v['retry-delay'] as number) * 1000),
        onQueued: ({ queued, already, done, retried }) =>
          progress.line(
            `${[queued || (!already && !retried) ? `Queued ${queued} run${queued === 1 ? '' : 's'}` : '', already ? `${already} already on the queue` : '', retried ? `${retried} that had failed queued again` : '', done ? `${done} already done` : ''].filter(Boolean).join(', ')}; \`cxr worker --queue ${address.display}\` on each machine that sees ${out} runs them.`,
          ),
      })
    : await runLocally(plan, io, progress);
  progress.clear();
  const comparison = compare(plan, end.outcomes, address?.display ?? null, now());
  const written = await writeComparison(comparison);
  const c = comparison.sweep.counts;
  for (const [name, s] of Object.entries(comparison.settings)) {
    const figures = Object.entries(s.figures)
      .filter(([, f]) => f.auc)
      .map(([split, f]) => `${split} AUC ${f.auc?.mean.toFixed(4)} ± ${f.auc?.sd.toFixed(4)}`)
      .join(', ');
    logger.info(`  ${name}: ${s.done}/${s.runs} runs done${s.failed ? `, ${s.failed} failed` : ''}${figures ? `; ${figures}` : ''}`);
  }
  logger.info(`Comparison: ${written.html} and ${written.json} (${c.done} done, ${c.failed} failed${end.interrupted ? `, ${plan.runs.length - c.done - c.failed} not finished` : ''}; ${duration((now() - started) / 1000)}).`);
  if (json) io.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
  if (end.interrupted) {
    const command = `cxr sweep ${parsed.positionals[0]} --out ${out}${address ? ` --queue ${v['queue'] as string}` : ''} --resume`;
    logger.info(address ? `Stopped following: the queued runs stay on the queue and the workers go on with them; \`${command}\` follows them again.` : `Stopped: \`${command}\` continues the sweep (an unfinished run from its checkpoint).`);
    return 130;
  }
  if (c.failed > 0) {
    io.stderr.write(`cxr sweep: ${c.failed} of ${plan.runs.length} runs failed: ${comparison.runs.filter((r) => r.status === 'failed').map((r) => `${r.name} (${r.error ?? 'unknown error'})`).join('; ')}.\n`);
    return 1;
  }
  return existsSync(written.json) ? 0 : 1;
}
