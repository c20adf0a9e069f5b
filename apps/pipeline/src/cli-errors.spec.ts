import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './index.js';
import { cli, copySubset, isOneSentence } from './testing/cli.js';

// Every bad input gives one clear sentence on stderr, a non-zero exit and no stack trace.

const work = mkdtempSync(join(tmpdir(), 'cxr-errors-'));
const missing = join(work, 'no-such-folder');

async function expectUsage(argv: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> {
  const result = await cli(argv, { cwd: work, env });
  expect(result.code, `${argv.join(' ')}: ${result.stderr}`).not.toBe(0);
  expect(isOneSentence(result.stderr), `one sentence, got: ${result.stderr}`).toBe(true);
  expect(result.stderr).toMatch(pattern);
  expect(result.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('cxr usage errors', () => {
  it('unknown command, no command', async () => {
    await expectUsage(['trian'], /unknown command "trian"; did you mean `cxr train`\?/);
    const none = await cli([], { cwd: work });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('Usage: cxr <command>');
  });

  it('an unknown flag on every command', async () => {
    for (const command of ['scan', 'train', 'evaluate', 'predict', 'doctor']) {
      await expectUsage([command, '--bogus'], new RegExp(`Unknown flag --bogus for \`cxr ${command}\``));
    }
  });

  it('a malformed number', async () => {
    await expectUsage(['train', '--epochs', 'ten'], /--epochs must be a whole number \(got "ten"\)/);
    await expectUsage(['train', '--image-size', '12.5'], /--image-size must be a whole number/);
    await expectUsage(['evaluate', '--model', 'm', '--batch-size', '0'], /--batch-size must be a positive whole number, at most 4096 \(got "0"\)/);
    await expectUsage(['train', '--batch-size', '-1'], /--batch-size must be a positive whole number, at most 4096 \(got "-1"\), e\.g\. --batch-size 32\./);
  });

  it('scan and doctor help show a config example of their own flags', async () => {
    for (const command of ['scan', 'doctor']) {
      const help = await cli([command, '--help'], { cwd: work });
      expect(help.code).toBe(0);
      expect(help.stdout, command).not.toContain('"epochs"');
    }
    expect((await cli(['scan', '--help'], { cwd: work })).stdout).toContain('{"seed": 42}');
    expect((await cli(['doctor', '--help'], { cwd: work })).stdout).toContain('{"json": true}');
  });

  it('a missing folder, from a flag or CXR_DATA', async () => {
    await expectUsage(['scan', missing], /no-such-folder .*does not exist/);
    await expectUsage(['train', '--dry-run', '--data', missing], /no-such-folder \(from --data\) does not exist/);
    await expectUsage(['train', '--dry-run'], /no-such-folder \(from CXR_DATA\) does not exist/, { CXR_DATA: missing });
    await expectUsage(['evaluate', '--model', missing, '--data', missing], /no-such-folder/);
    await expectUsage(['predict', '--model', missing, 'x.png'], /no-such-folder/);
  });

  it('a folder with no dataset layout', async () => {
    const flat = join(work, 'flat');
    mkdirSync(flat, { recursive: true });
    writeFileSync(join(flat, 'a.txt'), 'x');
    await expectUsage(['scan', flat], /flat/);
    await expectUsage(['train', '--dry-run', '--data', flat], /flat/);
    expect(existsSync(join(work, 'runs')), 'no run folder is left behind').toBe(false);
  });

  it('an empty class', async () => {
    const root = copySubset(3);
    const emptied = join(root, 'train', 'NORMAL');
    rmSync(emptied, { recursive: true });
    mkdirSync(emptied);
    await expectUsage(['train', '--dry-run', '--data', root, '--out', join(work, 'run-empty')], /The class NORMAL has no usable image in .*train/);
  });

  it('corrupt files beyond the tolerance', async () => {
    const root = copySubset(4);
    for (let i = 0; i < 4; i++) writeFileSync(join(root, 'train', 'PNEUMONIA', `broken${i}.jpeg`), Buffer.from('not a jpeg at all'));
    await expectUsage(['train', '--dry-run', '--data', root, '--out', join(work, 'run-corrupt')], /broken0\.jpeg/);
  });

  it('a folder that is not a model', async () => {
    const notModel = join(work, 'not-a-model');
    mkdirSync(notModel, { recursive: true });
    await expectUsage(['evaluate', '--model', notModel, '--data', copySubset(2)], /not-a-model/);
    await expectUsage(['predict', '--model', notModel, notModel], /not-a-model/);
  });

  it('a required flag left out', async () => {
    await expectUsage(['evaluate', '--data', work], /--model/);
    await expectUsage(['predict', 'x.png'], /--model/);
  });

  it('an unknown backend or architecture, a missing --weights folder', async () => {
    const root = copySubset(2);
    await expectUsage(['train', '--dry-run', '--data', root, '--out', join(work, 'run-backend'), '--backend', 'gpu'], /--backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu \(got "gpu"\)/);
    await expectUsage(['train', '--dry-run', '--data', root, '--architecture', 'resnet'], /--architecture must be one of compact-cnn/);
    await expectUsage(['train', '--dry-run', '--data', root, '--weights', missing], /no-such-folder \(from --weights\) does not exist/);
  });

  it('--resume of a folder that is not a run, or with a changed setting', async () => {
    const notRun = join(work, 'not-a-run');
    mkdirSync(notRun, { recursive: true });
    await expectUsage(['train', '--resume', '--out', notRun], /not-a-run holds no run\.json/);
    const root = copySubset(2);
    const planned = join(work, 'planned');
    const dry = await cli(['train', '--dry-run', '--data', root, '--out', planned, '--image-size', '32', '--backend', 'cpu'], { cwd: work });
    expect(dry.code, dry.stderr).toBe(0);
    await expectUsage(['train', '--resume', '--out', planned, '--image-size', '64'], /--image-size 64 differs from the run being resumed \(32\)/);
  });

  it('a bad config file', async () => {
    const file = join(work, 'cfg.json');
    writeFileSync(file, '{"epochs": 0}');
    await expectUsage(['train', '--config', file], /Setting "epochs" in .*cfg\.json must be a positive whole number, at most 1000/);
    writeFileSync(file, '{"learningRate": 0.000001, "minLearningRate": 0.0001}');
    await expectUsage(['train', '--dry-run', '--config', file], /Setting "learningRate" \(0\.000001\) is below "minLearningRate" \(0\.0001\) in .*cfg\.json: .*raise learningRate or lower minLearningRate\./);
  });

  it('an unexpected failure: one line naming the log with the details, exit 1', async () => {
    let stderr = '';
    const code = await main(['doctor'], {
      stdout: { write: () => { throw new Error('EPIPE: the terminal went away'); } },
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
      cwd: work,
    });
    expect(code).toBe(1);
    expect(isOneSentence(stderr)).toBe(true);
    const log = /Details are in (\S+)\.$/.exec(stderr.trim())?.[1];
    expect(stderr).toContain('cxr doctor: unexpected error: EPIPE: the terminal went away.');
    expect(log && readFileSync(log, 'utf8')).toContain('at ');
  });
});
