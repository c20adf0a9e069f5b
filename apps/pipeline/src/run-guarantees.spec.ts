import { existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyDataset } from '@cxr/loader/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, isOneSentence, spawnCxr } from './testing/cli.js';

// What the README's "What happens when" promises, through the cxr command: one live process owns a
// run folder; SIGINT and SIGTERM stop training with a checkpoint; a stop anywhere plus --resume
// gives the bytes of the uninterrupted run; a damaged checkpoint is named, with a way on.

const work = mkdtempSync(join(tmpdir(), 'cxr-guarantees-'));
let data = '';
const EPOCHS = 3;
const STEPS = 5; // per epoch: 12 + 12 images per class pooled, 80% to train, batches of 8
const flags = (out: string, epochs = EPOCHS): string[] => ['train', '--data', data, '--out', out, '--epochs', String(epochs), '--image-size', '32', '--batch-size', '8', '--seed', '11', '--backend', 'wasm', '--external', 'none'];
/** A run that goes on until it is stopped (no early stopping). */
const endless = (out: string): string[] => [...flags(out, 200), '--config', join(work, 'no-early-stop.json')];
const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const state = (run: string, point = 'last') => json<{ epochsDone: number; stepInEpoch: number }>(join(run, 'checkpoints', point, 'state.json'));
/** The progress line after global step `step` (the last step of an epoch has none: the epoch line follows). */
const stepLine = (step: number): RegExp => new RegExp(`epoch ${Math.floor((step - 1) / STEPS) + 1}/\\d+ step ${((step - 1) % STEPS) + 1}/`);
const reference = join(work, 'uninterrupted');
/**
 * The same bytes as the uninterrupted run: the saved model (the best epoch's weights), and the last
 * epoch's weights and Adam slots (the model may hold an earlier epoch, when that one was the best).
 */
function expectSameBytes(run: string): void {
  for (const file of ['model/weights.bin', 'checkpoints/best/weights.bin', 'checkpoints/last/weights.bin', 'checkpoints/last/optimizer.bin']) {
    expect(readFileSync(join(run, file)).equals(readFileSync(join(reference, file))), file).toBe(true);
  }
}

beforeAll(async () => {
  data = (await writeTinyDataset(join(work, 'data'), { perClass: 12, size: 48, seed: 3 })).root;
  writeFileSync(join(work, 'no-early-stop.json'), '{"patience": 1000}');
  const straight = await cli([...flags(reference), '--json'], { cwd: work });
  expect(straight.code, straight.stderr).toBe(0);
  expect(straight.stderr).toMatch(new RegExp(`epoch 1/${EPOCHS} step ${STEPS - 1}/${STEPS} `));
}, 120_000);

describe('one owner per run folder', () => {
  it('a second cxr train into the same --out, or a --resume of it, stops with one sentence naming the folder and the owner (exit 2)', async () => {
    const run = join(work, 'shared-out');
    const first = spawnCxr(endless(run), { cwd: work });
    await first.waitFor(/epoch 1\/200 step 1\//);
    const pid = first.child.pid as number;
    const owner = json<{ pid: number; command: string }>(join(run, 'run.lock'));
    expect(owner).toMatchObject({ pid, command: expect.stringContaining(`cxr train --data ${data} --out ${run}`) });

    const second = spawnCxr([...flags(run, 2), '--seed', '12'], { cwd: work });
    const refused = await second.exited;
    expect(refused.code, refused.stderr).toBe(2);
    expect(isOneSentence(refused.stderr), refused.stderr).toBe(true);
    expect(refused.stderr).toContain(`cxr train: The run folder ${run} is in use by another cxr process (pid ${pid}: \`cxr train --data ${data} --out ${run} --epochs 200`);
    expect(refused.stderr).toMatch(/wait for it to finish or stop it, or give another --out folder\.\n$/);
    const resume = await cli(['train', '--resume', '--out', run], { cwd: work });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(new RegExp(`The run folder ${run} is in use by another cxr process \\(pid ${pid}:`));
    // The refused commands wrote nothing into the folder, not even a line of its log.
    expect(readFileSync(join(run, 'cxr.log'), 'utf8')).not.toMatch(/--epochs 2 |--resume/);

    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(130);
    expect(existsSync(join(run, 'run.lock'))).toBe(false);

    // A lock left by a process that died (kill -9) is taken over.
    writeFileSync(join(run, 'run.lock'), JSON.stringify({ pid: 2 ** 30 + 7, host: hostname(), command: 'cxr train (killed)', since: '2026-01-01T00:00:00.000Z', token: 'dead' }));
    const taken = await cli(['train', '--resume', '--out', run, '--epochs', '1'], { cwd: work });
    expect(taken.code, taken.stderr).toBe(0);
    expect(existsSync(join(run, 'run.lock'))).toBe(false);
  }, 180_000);
});

describe('SIGTERM and SIGINT', () => {
  it('SIGTERM, like a first Ctrl-C, finishes the step, writes a checkpoint, marks the run interrupted and prints the resume command', async () => {
    const run = join(work, 'sigterm');
    const child = spawnCxr(flags(run), { cwd: work });
    await child.waitFor(stepLine(2));
    child.child.kill('SIGTERM');
    const result = await child.exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.signal).toBeNull();
    expect(result.stderr).toContain('cxr: SIGTERM: stopping after the current step');
    expect(result.stdout).toContain(`continue with \`cxr train --resume --out ${run}\``);
    expect(json<{ status: string }>(join(run, 'run.json')).status).toBe('interrupted');
    expect(state(run).epochsDone * STEPS + state(run).stepInEpoch).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(run, 'model'))).toBe(false);
  }, 120_000);

  it('a second signal quits at once', async () => {
    const run = join(work, 'two-signals');
    const child = spawnCxr(endless(run), { cwd: work });
    await child.waitFor(/epoch 1\/200 step 2\//);
    child.child.kill('SIGINT');
    child.child.kill('SIGTERM');
    const result = await child.exited;
    // Two signals sent back to back may reach the process in either order: the second one names itself and sets the code.
    const second = /cxr: stopped at once \(second signal: (SIGTERM|Ctrl-C)\)\./.exec(result.stderr)?.[1];
    expect(second, result.stderr).toBeDefined();
    expect(result.code, result.stderr).toBe(second === 'SIGTERM' ? 143 : 130);
    expect(json<{ status: string }>(join(run, 'run.json')).status).toBe('training');
  }, 120_000);

  // Two stops at random steps, one per signal; the step the run really stopped at is printed.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} at a random step and --resume give the bytes of the uninterrupted run`, async () => {
      const lines = Array.from({ length: EPOCHS * STEPS - 2 }, (_, i) => i + 1).filter((step) => step % STEPS !== 0);
      const at = lines[Math.floor(Math.random() * lines.length)] as number;
      const run = join(work, `resume-${signal}`);
      const child = spawnCxr(flags(run), { cwd: work });
      await child.waitFor(stepLine(at));
      child.child.kill(signal);
      const stopped = await child.exited;
      expect(stopped.code, stopped.stderr).toBe(130);
      const where = state(run);
      console.info(`${signal} sent after step ${at}; the run stopped after epoch ${where.epochsDone}, step ${where.stepInEpoch}`);
      const resumed = await cli(['train', '--resume', '--out', run], { cwd: work });
      expect(resumed.code, resumed.stderr).toBe(0);
      expectSameBytes(run);
    }, 120_000);
  }
});

describe('a damaged checkpoint', () => {
  it('--resume with a truncated checkpoints/last/weights.bin names the damage and offers the previous checkpoint or a fresh start; both give the uninterrupted bytes', async () => {
    const run = join(work, 'damaged');
    const controller = new AbortController();
    const stopped = await cli(flags(run), { cwd: work, signal: controller.signal, onStderr: (t) => stepLine(STEPS + 2).test(t) && controller.abort() });
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(state(run, 'previous')).toMatchObject({ epochsDone: 1, stepInEpoch: 0 });
    const weights = join(run, 'checkpoints', 'last', 'weights.bin');
    truncateSync(weights, readFileSync(weights).length - 1000);

    const refused = await cli(['train', '--resume', '--out', run], { cwd: work });
    expect(refused.code).toBe(2);
    expect(isOneSentence(refused.stderr), refused.stderr).toBe(true);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^cxr train: The checkpoint ${join(run, 'checkpoints', 'last')} is damaged \\(weights\\.bin holds \\d+ bytes but model\\.json describes \\d+ \\(cut short or replaced\\)\\); ` +
          `continue from the previous one \\(after epoch 1\\) with \`cxr train --resume --out ${run} --resume-from previous\`, or start the run over with \`cxr train --out ${run} --data ${data} --seed 11 --epochs 3 `,
      ),
    );
    expect(refused.stderr).not.toMatch(/not a model folder|Point to a folder holding model\.json/);
    const fresh = /start the run over with `([^`]+)`/.exec(refused.stderr)?.[1] as string;

    const fromPrevious = await cli(['train', '--resume', '--out', run, '--resume-from', 'previous'], { cwd: work });
    expect(fromPrevious.code, fromPrevious.stderr).toBe(0);
    expect(fromPrevious.stdout).toContain(`from ${join(run, 'checkpoints', 'previous')} (after epoch 1)`);
    expectSameBytes(run);

    // Both checkpoints damaged: only the fresh start is offered, and it is the same run again.
    const again = join(work, 'damaged-both');
    const stopAgain = new AbortController();
    expect((await cli(flags(again), { cwd: work, signal: stopAgain.signal, onStderr: (t) => stepLine(STEPS + 2).test(t) && stopAgain.abort() })).code).toBe(130);
    writeFileSync(join(again, 'checkpoints', 'last', 'state.json'), '{"version": 1, "epo');
    truncateSync(join(again, 'checkpoints', 'previous', 'optimizer.bin'), 10);
    const none = await cli(['train', '--resume', '--out', again], { cwd: work });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/is damaged \(state\.json is not valid JSON \(\d+ bytes; cut short\?\)\); no other checkpoint is whole, so start the run over with `cxr train --out /);
    const restart = /start the run over with `cxr ([^`]+)`/.exec(none.stderr)?.[1] as string;
    expect(restart.split(' ').slice(0, 3)).toEqual(['train', '--out', again]);
    const restarted = await cli(restart.split(' '), { cwd: work });
    expect(restarted.code, restarted.stderr).toBe(0);
    expectSameBytes(again);
    expect(fresh.split(' ').slice(4)).toEqual(restart.split(' ').slice(3));
  }, 180_000);
});
