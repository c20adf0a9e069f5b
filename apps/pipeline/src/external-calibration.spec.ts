import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseThresholdRule } from '@cxr/eval';
import { cli, copySubset, isOneSentence, REPO } from './testing/cli.js';
import { DEFAULT_THRESHOLD_RULE } from './lib/commands/train.js';

// External test sets, calibration, the threshold rule and validated model metadata, through the cxr command.

const EXTERNAL = resolve(REPO, '../shared/datasets/chest-xray-external/test');
const work = mkdtempSync(join(tmpdir(), 'cxr-external-'));
let data = '';
let nested = ''; // an external set laid out as test/{NORMAL,PNEUMONIA}
let flat = ''; // an external set laid out as {NORMAL,PNEUMONIA}, no split folders
const run = join(work, 'run');
const model = join(run, 'model');

/** Copies the first `perClass` images of each class of the shared external set into `root/<prefix>CLASS`. */
function copyExternal(root: string, prefix: string, perClass: number): string {
  for (const cls of ['NORMAL', 'PNEUMONIA']) {
    const to = join(root, prefix, cls);
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(join(EXTERNAL, cls)).sort().slice(0, perClass)) copyFileSync(join(EXTERNAL, cls, name), join(to, name));
  }
  return root;
}

interface SplitJson {
  n: number;
  auc: number | null;
  brier: number | null;
  ece: number | null;
  temperature: number | null;
  uncalibrated: { brier: number | null; ece: number | null } | null;
  note?: string;
  predictions: { id: string; probability: number; label: 0 | 1 }[];
}
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

beforeAll(() => {
  data = copySubset(10);
  nested = copyExternal(join(work, 'site-a'), 'test', 6);
  flat = copyExternal(join(work, 'site-b'), '', 5);
});

describe('cxr train with external sets, calibration and a threshold rule', () => {
  it('evaluates each external set after training and reports it in report.json, report.html, run.json and the log', async () => {
    const result = await cli(
      ['train', '--data', data, '--out', run, '--epochs', '1', '--image-size', '32', '--batch-size', '8', '--seed', '3', '--external', nested, '--external', flat, '--threshold-rule', 'sensitivity:0.9', '--json'],
      { cwd: work },
    );
    expect(result.code, result.stderr).toBe(0);
    const names = ['external:site-a', 'external:site-b'];
    const report = readJson<{ threshold: number; thresholdChoice: { method: string; target: number }; calibration: { temperature: number; fittedOn: string }; splits: Record<string, SplitJson>; cams: { split: string }[] }>(
      join(run, 'report.json'),
    );
    expect(Object.keys(report.splits)).toEqual(['val', 'test', ...names]);
    expect(report.splits['external:site-a']!.n).toBe(12);
    expect(report.splits['external:site-b']!.n).toBe(10);
    for (const name of names) {
      const split = report.splits[name]!;
      expect(typeof split.auc).toBe('number');
      expect(split.note).toMatch(/never used to train, to pick a checkpoint, or to choose the threshold/);
      expect(split.temperature).toBe(report.calibration.temperature);
      expect(split.uncalibrated?.brier).toEqual(expect.any(Number));
      expect(split.ece).toEqual(expect.any(Number));
      expect(report.cams.some((c) => c.split === name)).toBe(true);
    }
    expect(report.cams.some((c) => c.split === 'test')).toBe(true);
    expect(report.thresholdChoice).toMatchObject({ method: 'sensitivity', target: 0.9 });
    expect(report.calibration).toMatchObject({ fittedOn: 'val' });
    expect(report.calibration.temperature).toBeGreaterThan(0);

    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Split: external:site-a</h2>');
    expect(html).toContain('never used to train, to pick a checkpoint, or to choose the threshold');
    expect(html).toContain('chosen on validation as the most specific point that keeps sensitivity &gt;= 90%');
    expect(html).toContain('<h2>Calibration</h2>');

    const summary = JSON.parse(result.stdout) as { thresholdRule: string; external: Record<string, { dir: string; auc: number; n: number }> };
    const runJson = readJson<{ settings: { thresholdRule: string; external: string[] }; results: { external: Record<string, { auc: number; dir: string }>; calibration: { temperature: number } } }>(join(run, 'run.json'));
    expect(runJson.settings.thresholdRule).toBe('sensitivity:0.9');
    expect(runJson.settings.external).toEqual([nested, flat]);
    expect(Object.keys(runJson.results.external)).toEqual(names);
    expect(runJson.results.external['external:site-b']).toMatchObject({ dir: flat, auc: report.splits['external:site-b']!.auc });
    expect(summary.external['external:site-a']!.n).toBe(12);
    expect(result.stderr).toMatch(/External set external:site-b \(.*site-b; never used to train/);
    expect(result.stderr).toMatch(/Calibration: temperature \d/);
  });

  it('stores the threshold, how it was chosen and the calibration with the model and its best checkpoint', () => {
    const meta = readJson<{ userDefinedMetadata: Record<string, unknown> }>(join(model, 'model.json')).userDefinedMetadata;
    const choice = meta['thresholdChoice'] as { method: string; target: number; sensitivity: number; specificity: number; threshold: number; rule: string };
    expect(choice).toMatchObject({ method: 'sensitivity', target: 0.9, rule: 'sensitivity:0.9', threshold: meta['threshold'] });
    expect(choice.sensitivity).toBeGreaterThanOrEqual(0.9);
    expect(typeof choice.specificity).toBe('number');
    const calibration = meta['calibration'] as { method: string; temperature: number; fittedOn: string; valNllBefore: number; valNllAfter: number };
    expect(calibration).toMatchObject({ method: 'temperature', fittedOn: 'val' });
    expect(calibration.valNllAfter).toBeLessThanOrEqual(calibration.valNllBefore);
    const best = readJson<{ userDefinedMetadata: Record<string, unknown> }>(join(run, 'checkpoints', 'best', 'model.json')).userDefinedMetadata;
    expect(best).toMatchObject({ threshold: meta['threshold'], calibration });
  });

  it('evaluate reads a folder of class folders and gives the same calibrated figures as the run', async () => {
    const result = await cli(['evaluate', '--model', model, '--data', flat, '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const evaluated = JSON.parse(result.stdout) as { n: number; auc: number; brier: number; ece: number; temperature: number; threshold: number };
    const trained = readJson<{ threshold: number; splits: Record<string, SplitJson> }>(join(run, 'report.json')).splits['external:site-b']!;
    expect(evaluated.n).toBe(10);
    expect(evaluated.auc).toBeCloseTo(trained.auc!, 10);
    expect(evaluated.brier).toBeCloseTo(trained.brier!, 10);
    expect(evaluated.ece).toBeCloseTo(trained.ece!, 10);
    expect(evaluated.temperature).toBe(trained.temperature);
  });

  it('predict gives the calibrated probability the run reported, from the model and from checkpoints/best', async () => {
    const test = readJson<{ threshold: number; splits: Record<string, SplitJson> }>(join(run, 'report.json'));
    const first = test.splits['test']!.predictions[0]!;
    for (const dir of [model, join(run, 'checkpoints', 'best')]) {
      const result = await cli(['predict', '--model', dir, first.id, '--json'], { cwd: work });
      expect(result.code, result.stderr).toBe(0);
      const out = JSON.parse(result.stdout) as { threshold: number; predictions: { probability: number }[] };
      expect(out.threshold).toBe(test.threshold);
      expect(out.predictions[0]!.probability).toBeCloseTo(first.probability, 6);
    }
  });

  it('refuses invalid model metadata with one sentence naming the field and the file (exit 2)', async () => {
    const image = readJson<{ splits: Record<string, SplitJson> }>(join(run, 'report.json')).splits['test']!.predictions[0]!.id;
    const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
      ['threshold-5', (m) => (m['threshold'] = 5), /invalid threshold \(5\)/],
      ['threshold-null', (m) => (m['threshold'] = null), /invalid threshold \(null\)/],
      ['threshold-text', (m) => (m['threshold'] = '0.9'), /invalid threshold \("0\.9"\)/],
      ['temperature-0', (m) => ((m['calibration'] as Record<string, unknown>)['temperature'] = 0), /invalid calibration\.temperature \(0\)/],
      ['temperature-text', (m) => ((m['calibration'] as Record<string, unknown>)['temperature'] = 'warm'), /invalid calibration\.temperature \("warm"\)/],
      ['image-size', (m) => (m['imageSize'] = 0), /invalid imageSize \(0\)/],
      ['class-names', (m) => (m['classNames'] = ['NORMAL']), /invalid classNames/],
      ['decode', (m) => (m['decode'] = 'fill'), /invalid decode \("fill"\)/],
    ];
    for (const [name, change, pattern] of cases) {
      const dir = join(work, `bad-${name}`);
      cpSync(model, dir, { recursive: true });
      const file = join(dir, 'model.json');
      const json = readJson<{ userDefinedMetadata: Record<string, unknown> }>(file);
      change(json.userDefinedMetadata);
      writeFileSync(file, JSON.stringify(json));
      for (const argv of [['predict', '--model', dir, image], ['evaluate', '--model', dir, '--data', flat]]) {
        const result = await cli(argv, { cwd: work });
        expect(result.code, `${name} ${argv[0]}: ${result.stderr}`).toBe(2);
        expect(isOneSentence(result.stderr), result.stderr).toBe(true);
        expect(result.stderr).toMatch(pattern);
        expect(result.stderr).toContain(file);
        expect(result.stdout).toBe('');
      }
    }
  });

  it('a model without a threshold needs --threshold, and says when it is used', async () => {
    const image = readJson<{ splits: Record<string, SplitJson> }>(join(run, 'report.json')).splits['test']!.predictions[0]!.id;
    const elsewhere = join(work, 'from-elsewhere');
    cpSync(model, elsewhere, { recursive: true });
    const json = readJson<Record<string, unknown>>(join(elsewhere, 'model.json'));
    delete json['userDefinedMetadata'];
    writeFileSync(join(elsewhere, 'model.json'), JSON.stringify(json));
    const refused = await cli(['predict', '--model', elsewhere, image], { cwd: work });
    expect(refused.code).toBe(2);
    expect(isOneSentence(refused.stderr)).toBe(true);
    expect(refused.stderr).toMatch(/stores no threshold .*carries no cxr metadata.*pass --threshold P/);
    const given = await cli(['predict', '--model', elsewhere, image, '--threshold', '0.3'], { cwd: work });
    expect(given.code, given.stderr).toBe(0);
    expect(given.stderr).toContain('stores no threshold; using --threshold 0.3 as given');
    expect(given.stdout).toMatch(/0\.3000\n$/);
    const overridden = await cli(['evaluate', '--model', model, '--data', flat, '--threshold', '0.25', '--json'], { cwd: work });
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(overridden.stderr).toMatch(/Using --threshold 0\.25 instead of the model's own/);
    expect((JSON.parse(overridden.stdout) as { threshold: number }).threshold).toBe(0.25);

    // A best checkpoint from a run that has not finished has no threshold yet: the error says so.
    const unfinished = join(work, 'unfinished', 'checkpoints', 'best');
    cpSync(join(run, 'checkpoints', 'best'), unfinished, { recursive: true });
    const best = readJson<{ userDefinedMetadata: Record<string, unknown> }>(join(unfinished, 'model.json'));
    delete best.userDefinedMetadata['threshold'];
    writeFileSync(join(unfinished, 'model.json'), JSON.stringify(best));
    const checkpoint = await cli(['predict', '--model', unfinished, image], { cwd: work });
    expect(checkpoint.code).toBe(2);
    expect(checkpoint.stderr).toMatch(/a checkpoint written during training has no threshold until the run finishes.*--threshold P.*model\/ folder of the finished run/);
  });

  it('one external set from CXR_EXTERNAL is splits.external; the default rule is DEFAULT_THRESHOLD_RULE', async () => {
    const out = join(work, 'run-env');
    const result = await cli(['train', '--data', data, '--out', out, '--epochs', '1', '--image-size', '32', '--batch-size', '8', '--json'], { cwd: work, env: { CXR_EXTERNAL: flat } });
    expect(result.code, result.stderr).toBe(0);
    const report = readJson<{ thresholdChoice: { method: string }; splits: Record<string, SplitJson> }>(join(out, 'report.json'));
    expect(Object.keys(report.splits)).toEqual(['val', 'test', 'external']);
    expect(report.thresholdChoice.method).toBe(parseThresholdRule(DEFAULT_THRESHOLD_RULE).method);
    const runJson = readJson<{ settings: { external: string[]; externalSource: string; thresholdRule: string } }>(join(out, 'run.json'));
    expect(runJson.settings).toMatchObject({ external: [flat], externalSource: 'CXR_EXTERNAL', thresholdRule: DEFAULT_THRESHOLD_RULE });
  });
});

describe('cxr train with a recipe in its config file', () => {
  it('builds the model with the recipe, records it in run.json, and names a bad setting', async () => {
    const out = join(work, 'run-recipe');
    const recipe = join(work, 'recipe.json');
    writeFileSync(recipe, JSON.stringify({ epochs: 1, augment: { crop: 0.3, gamma: 0.2, noise: 0.05 }, compact: { dropout: 0.2 }, schedule: 'plateau', labelSmoothing: 0.05 }));
    const result = await cli(['train', '--data', data, '--out', out, '--config', recipe, '--image-size', '32', '--batch-size', '8', '--external', 'none'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const runJson = readJson<{ settings: { epochs: number; augment: Record<string, unknown>; compact: Record<string, unknown>; schedule: string; labelSmoothing: number } }>(join(out, 'run.json'));
    expect(runJson.settings).toMatchObject({ epochs: 1, schedule: 'plateau', labelSmoothing: 0.05, augment: { crop: 0.3, gamma: 0.2, noise: 0.05, flip: true }, compact: { dropout: 0.2 } });
    const topology = readJson<{ modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } }>(join(out, 'model', 'model.json')).modelTopology.config.layers;
    expect(topology.map((l) => l.class_name)).toEqual(expect.arrayContaining(['CxrRandomCrop', 'CxrRandomGamma', 'CxrRandomIntensity', 'CxrSeededDropout']));
    expect(topology.find((l) => l.class_name === 'CxrRandomCrop')?.config).toMatchObject({ crop: 0.3 });
    expect(topology.find((l) => l.class_name === 'CxrSeededDropout')?.config).toMatchObject({ rate: 0.2 });
    writeFileSync(recipe, JSON.stringify({ augment: { crop: 0.9 } }));
    const bad = await cli(['train', '--data', data, '--out', join(work, 'run-bad-recipe'), '--config', recipe, '--dry-run'], { cwd: work });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Setting "augment.crop" in .*recipe\.json must be a number between 0 and 0.5 \(got 0.9\)/);
    expect(isOneSentence(bad.stderr)).toBe(true);
  });
});

describe('bad external sets and threshold rules', () => {
  const dry = (extra: string[], env: Record<string, string> = {}) => cli(['train', '--dry-run', '--data', data, '--out', join(work, 'dry'), '--image-size', '32', ...extra], { cwd: work, env });

  it('a missing or empty external folder is one sentence naming the flag and the folder, exit 2', async () => {
    const missing = join(work, 'no-such-site');
    const empty = join(work, 'empty-site');
    mkdirSync(join(empty, 'test', 'NORMAL'), { recursive: true });
    for (const [extra, env, pattern] of [
      [['--external', missing], {}, /The external set .*no-such-site \(from --external\) does not exist/],
      [['--external', empty], {}, /The external set .*empty-site \(from --external\) holds no images/],
      [[], { CXR_EXTERNAL: missing }, /no-such-site \(from CXR_EXTERNAL\) does not exist/],
      [['--external', 'none', '--external', empty], {}, /--external cannot mix "none" with folders/],
    ] as [string[], Record<string, string>, RegExp][]) {
      const result = await dry(extra, env);
      expect(result.code, result.stderr).toBe(2);
      expect(isOneSentence(result.stderr), result.stderr).toBe(true);
      expect(result.stderr).toMatch(pattern);
    }
    expect(existsSync(join(work, 'dry', 'run.json'))).toBe(false);
  });

  it('--external none runs without an external set; the plan names the rule', async () => {
    const result = await dry(['--external', 'none', '--threshold-rule', 'sensitivity:0.95', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { external: unknown[]; thresholdRule: string };
    expect(plan).toMatchObject({ external: [], thresholdRule: 'sensitivity:0.95' });
    expect(result.stderr).toContain('External sets: none (--external none)');
    expect(result.stderr).toContain('the most specific point that keeps sensitivity >= 95%');
  });

  it('a malformed --threshold-rule is one sentence naming the flag and the accepted forms, exit 2', async () => {
    for (const rule of ['sensitivity:95', 'specificity:0.9', 'sensitivity:0']) {
      const result = await dry(['--threshold-rule', rule]);
      expect(result.code).toBe(2);
      expect(isOneSentence(result.stderr)).toBe(true);
      expect(result.stderr).toContain(`--threshold-rule must be youden or sensitivity:T with T above 0 and at most 1, e.g. --threshold-rule sensitivity:0.95 (got "${rule}")`);
    }
  });
});
