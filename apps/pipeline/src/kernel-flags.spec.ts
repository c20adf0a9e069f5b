import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStartCommand } from './lib/resume-point.js';
import { cli, copySubset, isOneSentence, spawnCxr } from './testing/cli.js';

// --no-relaxed-simd and --xnnpack-conv: the WASM kernel choices of train, evaluate and predict.
// The runs that start the engine are real processes: the kernels' arithmetic is fixed per process.

const work = mkdtempSync(join(tmpdir(), 'cxr-kernel-flags-'));
const OFF = ['--no-relaxed-simd', '--xnnpack-conv'];
let data = '';

beforeAll(() => {
  data = copySubset(4);
});

async function cxr(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return spawnCxr(argv, { cwd: work }).exited;
}

interface RunJson {
  readonly settings: { relaxedSimd: boolean; forwardConvolution: string };
  readonly backend: { name: string; kernels?: { fusedMultiplyAdd: boolean; generatedForwardConvolution: boolean }; reason: string };
}

describe('the kernel switches', () => {
  it('train, evaluate and predict list both in --help', async () => {
    for (const command of ['train', 'evaluate', 'predict']) {
      const help = await cli([command, '--help'], { cwd: work });
      expect(help.code).toBe(0);
      expect(help.stdout, command).toMatch(/--no-relaxed-simd\s+WASM: multiply and add separately/);
      expect(help.stdout, command).toMatch(/--xnnpack-conv\s+WASM: run the forward convolutions on XNNPACK/);
    }
  });

  it('a value given to a switch, on the command line or in a config file: one sentence, exit 2', async () => {
    const given = await cli(['train', '--dry-run', '--no-relaxed-simd=false'], { cwd: work });
    expect(given.code).toBe(2);
    expect(isOneSentence(given.stderr), given.stderr).toBe(true);
    expect(given.stderr).toContain('The flag --no-relaxed-simd is a switch and takes no value; write just --no-relaxed-simd.');
    const config = join(work, 'bad.json');
    writeFileSync(config, '{"xnnpackConv": "yes"}');
    for (const command of ['train', 'evaluate', 'predict']) {
      const bad = await cli([command, '--config', config], { cwd: work });
      expect(bad.code, command).toBe(2);
      expect(isOneSentence(bad.stderr), bad.stderr).toBe(true);
      expect(bad.stderr).toContain(`Setting "xnnpackConv" in ${config} must be true or false (got "yes"), e.g. "xnnpackConv": true.`);
    }
  });

  it('a fresh start of a run keeps its kernel choices', () => {
    const run = { dir: '/runs/a', data: '/data', seed: 1, epochs: 1, imageSize: 32, batchSize: 4, architecture: 'compact-cnn', backend: 'auto', weights: null, thresholdRule: 'youden', external: [] };
    expect(freshStartCommand(run)).not.toMatch(/relaxed-simd|xnnpack/);
    expect(freshStartCommand({ ...run, relaxedSimd: false, forwardConvolution: 'xnnpack' })).toContain('--no-relaxed-simd --xnnpack-conv');
  });

  it('a config file turns fused multiply-add off; run.json and the log say what is in effect', async () => {
    const config = join(work, 'no-fma.json');
    writeFileSync(config, '{"noRelaxedSimd": true}');
    const out = join(work, 'plan');
    const result = await cxr(['train', '--dry-run', '--config', config, '--data', data, '--out', out, '--external', 'none']);
    expect(result.code, result.stderr).toBe(0);
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    expect(runJson.settings).toMatchObject({ relaxedSimd: false, forwardConvolution: 'generated' });
    expect(runJson.backend.kernels).toEqual({ fusedMultiplyAdd: false, generatedForwardConvolution: true });
    expect(result.stdout).toMatch(/^Backend: wasm .*generated kernels without fused multiply-add \(turned off\); forward convolutions on the generated kernel$/m);
  });

  it('train, evaluate and predict run with both off, record it, and predict close to the default kernels', async () => {
    const run = join(work, 'run');
    const trained = await cxr(['train', ...OFF, '--data', data, '--out', run, '--epochs', '1', '--image-size', '32', '--batch-size', '4', '--external', 'none', '--no-cache']);
    expect(trained.code, trained.stderr).toBe(0);
    const runJson = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as RunJson;
    expect(runJson.settings).toMatchObject({ relaxedSimd: false, forwardConvolution: 'xnnpack' });
    expect(runJson.backend.kernels).toEqual({ fusedMultiplyAdd: false, generatedForwardConvolution: false });
    const off = 'generated kernels without fused multiply-add (turned off); forward convolutions on XNNPACK (the generated kernel turned off)';
    expect(readFileSync(join(run, 'cxr.log'), 'utf8')).toContain(off);

    // Evaluate, and predict with and without the switches, at once (each its own process).
    const model = join(run, 'model');
    const images = join(data, 'test', 'PNEUMONIA');
    const probabilities = async (flags: readonly string[]): Promise<number[]> => {
      const result = await cxr(['predict', ...flags, '--model', model, images, '--json', '--no-cache']);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { predictions: { probability: number }[] }).predictions.map((p) => p.probability);
    };
    const [evaluated, separate, fused] = await Promise.all([cxr(['evaluate', ...OFF, '--model', model, '--data', data, '--out', join(work, 'eval'), '--no-cache']), probabilities(OFF), probabilities([])]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(work, 'eval', 'report.json'), 'utf8')) as { run: { backend: string } };
    expect(report.run.backend).toContain(off);
    expect(separate).toHaveLength(readdirSync(images).length);
    // Other kernels, other rounding: the same predictions to a few digits, not bit for bit.
    separate.forEach((p, i) => expect(p).toBeCloseTo(fused[i] as number, 4));
    expect(separate).not.toEqual(fused);
  }, 180_000);
});
