import { inspectCheckpoint } from '@cxr/model';
import type { CheckpointStatus, ResumePoint } from '@cxr/model';
import { UsageError } from '@cxr/loader';

/** What a fresh start of a run needs: its folder and the settings run.json keeps. */
export interface RunToRestart {
  readonly dir: string;
  readonly data: string;
  readonly seed: number;
  readonly epochs: number;
  readonly imageSize: number;
  readonly batchSize: number;
  readonly architecture: string;
  readonly backend: string;
  readonly relaxedSimd?: boolean;
  readonly forwardConvolution?: string;
  readonly weights: string | null;
  readonly thresholdRule: string;
  readonly external: readonly string[];
  readonly configFile?: string | null;
}

/** A path as a shell word (quoted when it holds spaces or shell characters). */
function word(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The command that starts `run` over from scratch, with the settings it was started with. */
export function freshStartCommand(run: RunToRestart): string {
  const parts = ['cxr train', `--out ${word(run.dir)}`, `--data ${word(run.data)}`, `--seed ${run.seed}`, `--epochs ${run.epochs}`, `--image-size ${run.imageSize}`, `--batch-size ${run.batchSize}`, `--architecture ${run.architecture}`];
  if (run.backend !== 'auto') parts.push(`--backend ${run.backend}`);
  if (run.relaxedSimd === false) parts.push('--no-relaxed-simd');
  if (run.forwardConvolution === 'xnnpack') parts.push('--xnnpack-conv');
  if (run.weights) parts.push(`--weights ${word(run.weights)}`);
  parts.push(`--threshold-rule ${run.thresholdRule}`);
  parts.push(...(run.external.length === 0 ? ['--external none'] : run.external.map((dir) => `--external ${word(dir)}`)));
  if (run.configFile) parts.push(`--config ${word(run.configFile)}`);
  return parts.join(' ');
}

/** "after epoch 2" or "3 steps into epoch 3". */
export function describePoint(status: Extract<CheckpointStatus, { status: 'ok' }>): string {
  return status.stepInEpoch > 0 ? `${status.stepInEpoch} steps into epoch ${status.epochsDone + 1}` : `after epoch ${status.epochsDone}`;
}

/**
 * Checks the checkpoints `cxr train --resume` is about to read, before the data is decoded: the
 * resume point asked for (`last`, or `previous` with `--resume-from previous`) and the best model.
 * Returns the point and what it holds; a missing `last` is left to the trainer (its own message).
 *
 * @throws a usage error when the point asked for is damaged (saying why, and offering the other
 *   point when it is whole, or a fresh start with the run's own settings), when `previous` is asked
 *   for and absent, or when `best/` is damaged.
 */
export async function checkResumePoint(
  checkpoints: string,
  requested: ResumePoint,
  run: RunToRestart,
): Promise<{ point: ResumePoint; status: CheckpointStatus }> {
  const fresh = `start the run over with \`${freshStartCommand(run)}\``;
  const status = await inspectCheckpoint(checkpoints, requested);
  if (status.status === 'missing') {
    if (requested === 'previous') {
      throw new UsageError(`--resume-from previous: ${status.dir} does not exist (it is kept from a run's second checkpoint on); leave --resume-from out to continue from the last checkpoint, or ${fresh}.`);
    }
    return { point: requested, status };
  }
  if (status.status === 'damaged') {
    const otherPoint: ResumePoint = requested === 'last' ? 'previous' : 'last';
    const other = await inspectCheckpoint(checkpoints, otherPoint);
    const offer =
      other.status === 'ok'
        ? `continue from the ${otherPoint} one (${describePoint(other)}) with \`cxr train --resume --out ${word(run.dir)}${otherPoint === 'previous' ? ' --resume-from previous' : ''}\`, or ${fresh}`
        : `no other checkpoint is whole, so ${fresh}`;
    throw new UsageError(`The checkpoint ${status.dir} is damaged (${status.reason}); ${offer}.`);
  }
  const best = await inspectCheckpoint(checkpoints, 'best');
  if (best.status === 'damaged') {
    throw new UsageError(`The best-model checkpoint ${best.dir} is damaged (${best.reason}), so the run cannot continue; ${fresh}.`);
  }
  return { point: requested, status };
}
