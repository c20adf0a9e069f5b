import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { colourScaleHeight } from '@cxr/report';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, copySubset, isOneSentence } from './testing/cli.js';

// End to end on a small real subset of ../shared/datasets/chest-xray: 12 images per split and class.
const PER_CLASS = 12;
const work = mkdtempSync(join(tmpdir(), 'cxr-e2e-'));
let data = '';
const count = (split: string, cls: string): number => readdirSync(join(data, split, cls)).length;

beforeAll(() => {
  data = copySubset(PER_CLASS); // val has only 8 per class
});

describe('cxr scan', () => {
  it('--json reports the counts of every split and class, and no rejection', async () => {
    const result = await cli(['scan', data, '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const audit = JSON.parse(result.stdout) as { splits: Record<string, Record<string, number>>; rejected: unknown[] };
    for (const split of ['train', 'val', 'test']) expect(audit.splits[split]).toEqual({ NORMAL: count(split, 'NORMAL'), PNEUMONIA: count(split, 'PNEUMONIA') });
    expect(audit.splits['train']).toEqual({ NORMAL: PER_CLASS, PNEUMONIA: PER_CLASS });
    expect(audit.rejected).toEqual([]);
  });

  it('prints a readable table by default', async () => {
    const result = await cli(['scan', data], { cwd: work });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/train\s+12\s+12\s+24/);
  });
});

describe('cxr train --dry-run', () => {
  it('prints the plan as JSON and writes run.json and split.csv; same seed, same split.csv byte for byte', async () => {
    const runs = [join(work, 'dry-a'), join(work, 'dry-b'), join(work, 'dry-c')];
    const plans = [];
    for (const [i, out] of runs.entries()) {
      const result = await cli(['train', '--dry-run', '--json', '--data', data, '--out', out, '--seed', i === 2 ? '7' : '3', '--image-size', '64', '--backend', 'cpu'], { cwd: work });
      expect(result.code, result.stderr).toBe(0);
      plans.push(JSON.parse(result.stdout) as { classWeights: Record<string, number>; split: Record<string, Record<string, number>>; seed: number; backend: { name: string } });
    }
    const [a, b, c] = runs.map((dir) => readFileSync(join(dir, 'split.csv')));
    expect(a?.equals(b as Buffer)).toBe(true);
    expect(a?.equals(c as Buffer)).toBe(false);
    const plan = plans[0]!;
    expect(plan.seed).toBe(3);
    expect(plan.backend.name).toBe('cpu');
    expect(Object.keys(plan.classWeights).sort()).toEqual(['NORMAL', 'PNEUMONIA']);
    expect(plan.classWeights['NORMAL']! + plan.classWeights['PNEUMONIA']!).toBeCloseTo(1, 10);
    // train+val pooled, 20% to val, test untouched.
    expect(plan.split['test']).toEqual({ NORMAL: count('test', 'NORMAL'), PNEUMONIA: count('test', 'PNEUMONIA') });
    for (const cls of ['NORMAL', 'PNEUMONIA']) {
      const pooled = count('train', cls) + count('val', cls);
      expect(plan.split['train']![cls]! + plan.split['val']![cls]!).toBe(pooled);
      expect(plan.split['val']![cls]!).toBe(Math.round(0.2 * pooled));
    }
    const files = ['train', 'val', 'test'].flatMap((split) => ['NORMAL', 'PNEUMONIA'].map((cls) => count(split, cls))).reduce((x, y) => x + y, 0);

    const csv = a!.toString('utf8').trim().split('\n');
    expect(csv[0]).toBe('path,split,label,group');
    expect(csv).toHaveLength(1 + files);
    expect(csv.slice(1).every((line) => /^(train|val|test)\/(NORMAL|PNEUMONIA)\/[^,]+,(train|val|test),(NORMAL|PNEUMONIA),[^,]+$/.test(line))).toBe(true);
    const run = JSON.parse(readFileSync(join(runs[0]!, 'run.json'), 'utf8')) as { seed: number; status: string; settings: Record<string, unknown>; versions: Record<string, string>; backend: { name: string } };
    expect(run).toMatchObject({ seed: 3, status: 'planned', backend: { name: 'cpu' } });
    expect(run.settings).toMatchObject({ imageSize: 64, data, seed: 3 });
    expect(Object.keys(run.versions)).toEqual(expect.arrayContaining(['node', 'tfjs', 'sharp', 'cxr']));
    expect(existsSync(join(runs[0]!, 'model'))).toBe(false);
  });
});

describe('cxr train, evaluate, predict', () => {
  const run = join(work, 'run');
  const model = join(run, 'model');

  it('trains one epoch and writes the whole run folder', async () => {
    const result = await cli(['train', '--data', data, '--out', run, '--epochs', '1', '--image-size', '64', '--batch-size', '16', '--seed', '5', '--json'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { threshold: number; test: { auc: number | null; n: number } };
    expect(summary.threshold).toBeGreaterThanOrEqual(0);
    expect(summary.threshold).toBeLessThanOrEqual(1);
    expect(summary.test.n).toBe(24);
    for (const entry of ['model/model.json', 'model/weights.bin', 'checkpoints', 'report.html', 'report.json', 'plots', 'run.json', 'split.csv', 'cxr.log']) {
      expect(existsSync(join(run, entry)), entry).toBe(true);
    }
    expect(readdirSync(join(run, 'plots')).some((f) => f.endsWith('.png'))).toBe(true);
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as { threshold: number; splits: { test: { auc: number | null } } };
    expect(report.threshold).toBe(summary.threshold);
    expect(typeof report.splits.test.auc).toBe('number');
    const runJson = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { status: string; results: { test: { auc: number } } };
    expect(runJson.status).toBe('done');
    expect(runJson.results.test.auc).toBe(report.splits.test.auc);
    // Nothing half-written is left behind.
    const leftovers = readdirSync(run, { recursive: true }).map(String).filter((f) => /\.tmp$|\.tmp-|\.partial/.test(f));
    expect(leftovers).toEqual([]);
  });

  it('evaluates the saved model with its own threshold and image size', async () => {
    const out = join(work, 'eval');
    const result = await cli(['evaluate', '--model', model, '--data', data, '--split', 'test', '--json', '--out', out], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { n: number; threshold: number; auc: number };
    const trained = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as { threshold: number; splits: { test: { auc: number } } };
    expect(report.n).toBe(24);
    expect(report.threshold).toBe(trained.threshold);
    expect(report.auc).toBeCloseTo(trained.splits.test.auc, 6);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('predicts files and folders: one row per image with probability, label and threshold; --cam writes PNGs', async () => {
    const cams = join(work, 'cams');
    const folder = join(data, 'test', 'NORMAL');
    const file = join(data, 'test', 'PNEUMONIA', readdirSync(join(data, 'test', 'PNEUMONIA')).sort()[0]!);
    const result = await cli(['predict', '--model', model, folder, file, '--json', '--cam', cams], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { threshold: number; predictions: { file: string; probability: number; label: string; threshold: number }[] };
    expect(out.predictions).toHaveLength(13);
    for (const p of out.predictions) {
      expect(p.probability).toBeGreaterThanOrEqual(0);
      expect(p.probability).toBeLessThanOrEqual(1);
      expect(p.label).toBe(p.probability >= p.threshold ? 'PNEUMONIA' : 'NORMAL');
      expect(p.threshold).toBe(out.threshold);
    }
    expect(readdirSync(cams, { recursive: true }).filter((f) => String(f).endsWith('.cam.png'))).toHaveLength(13);

    const table = await cli(['predict', '--model', model, file], { cwd: work });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^file\s+probability\s+label\s+threshold$/);
    expect(table.stdout.trim().split('\n')).toHaveLength(2);
  });
});

describe('cxr predict --cam and files it cannot use', () => {
  const model = join(work, 'run', 'model');

  it('names the CAM of each row (unique, leading back to its image), at the image size with a colour scale, and lists every rejected file with its reason', async () => {
    const coll = join(work, 'coll');
    const [one, two] = readdirSync(join(data, 'test', 'PNEUMONIA')).sort();
    mkdirSync(join(coll, 'a'), { recursive: true });
    mkdirSync(join(coll, 'b'), { recursive: true });
    copyFileSync(join(data, 'test', 'PNEUMONIA', one as string), join(coll, 'a', 'x.jpeg'));
    copyFileSync(join(data, 'test', 'PNEUMONIA', two as string), join(coll, 'b', 'x.jpeg'));
    writeFileSync(join(coll, 'b', 'notes.jpeg'), 'not an image');
    const whole = readFileSync(join(coll, 'a', 'x.jpeg'));
    writeFileSync(join(coll, 'a', 'cut.jpeg'), whole.subarray(0, Math.floor(whole.length / 3)));
    const cams = join(work, 'coll-cams');

    const table = await cli(['predict', '--model', model, 'coll', '--cam', 'coll-cams'], { cwd: work });
    expect(table.code).toBe(2);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^file\s+probability\s+label\s+threshold\s+cam$/);
    expect(lines.slice(1, 3).map((l) => l.split(/\s+/)[0])).toEqual(['coll/a/x.jpeg', 'coll/b/x.jpeg']);
    expect(lines.slice(1, 3).map((l) => l.split(/\s+/).at(-1))).toEqual(['coll-cams/a/x.jpeg.cam.png', 'coll-cams/b/x.jpeg.cam.png']);
    // libvips sometimes loses the decoder's own words for a truncated JPEG (its error buffer is
    // shared by threads); the reason is then the generic one. Either is one line naming the file.
    const truncated = String.raw`(truncated image data \(VipsJpeg: premature end of JPEG image\)|corrupt or truncated image data \(the decoder reported damaged data\))`;
    expect(table.stderr).toMatch(
      new RegExp(
        `^${escapeRegExp(`cxr predict: 2 files cannot be used (listed below); give valid .jpeg, .png or DICOM X-rays.\n  ${join(coll, 'a', 'cut.jpeg')}: `)}${truncated}${escapeRegExp(`\n  ${join(coll, 'b', 'notes.jpeg')}: not an image (unsupported or unrecognised format)\n`)}$`,
      ),
    );
    for (const [image, cam] of [['a/x.jpeg', 'a/x.jpeg.cam.png'], ['b/x.jpeg', 'b/x.jpeg.cam.png']] as const) {
      const source = await sharp(join(coll, image)).metadata();
      const png = await sharp(join(cams, cam)).metadata();
      expect([png.width, png.height], cam).toEqual([source.width, (source.height as number) + colourScaleHeight(source.width as number)]);
    }

    const asJson = await cli(['predict', '--model', model, coll, '--cam', cams, '--json'], { cwd: work });
    expect(asJson.code).toBe(2);
    const out = JSON.parse(asJson.stdout) as { predictions: { file: string; cam: string }[]; rejected: Record<string, unknown>[] };
    for (const p of out.predictions) expect(relative(cams, p.cam)).toBe(`${relative(coll, p.file)}.cam.png`);
    expect(new Set(out.predictions.map((p) => p.cam)).size).toBe(2);
    expect(out.rejected).toEqual([
      { path: join(coll, 'a', 'cut.jpeg'), reason: expect.stringMatching(new RegExp(`^${truncated}$`)) },
      { path: join(coll, 'b', 'notes.jpeg'), reason: 'not an image (unsupported or unrecognised format)' },
    ]);
  });

  it('a non-image given alone: one sentence, no table header', async () => {
    const notes = join(work, 'notes.txt');
    writeFileSync(notes, 'hello');
    const result = await cli(['predict', '--model', model, notes], { cwd: work });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(isOneSentence(result.stderr)).toBe(true);
    expect(result.stderr).toBe(`cxr predict: ${notes} cannot be used (not an image (unsupported or unrecognised format)); give valid .jpeg, .png or DICOM X-rays.\n`);
  });
});

describe('Ctrl-C and --resume', () => {
  it('stops after a step with a checkpoint, then --resume finishes the run', async () => {
    const out = join(work, 'interrupted');
    const controller = new AbortController();
    const args = ['train', '--data', data, '--out', out, '--epochs', '2', '--image-size', '32', '--batch-size', '8', '--json'];
    const stopped = await cli(args, { cwd: work, signal: controller.signal, onStderr: (t) => /epoch 1\/2 step 1\//.test(t) && controller.abort() });
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain(`cxr train --resume --out ${out}`);
    expect((JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { status: string }).status).toBe('interrupted');
    expect(existsSync(join(out, 'checkpoints', 'last'))).toBe(true);
    expect(existsSync(join(out, 'model'))).toBe(false);

    const resumed = await cli(['train', '--resume', '--out', out, '--json'], { cwd: work });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`Resuming run ${out}`);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { status: string; settings: { imageSize: number; epochs: number } };
    expect(run).toMatchObject({ status: 'done', settings: { imageSize: 32, epochs: 2 } });
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
  });
});

describe('the cxr bin', () => {
  const bin = fileURLToPath(new URL('../bin/cxr.js', import.meta.url));

  it('runs as a program: scan --json, and a usage error exits non-zero with one line', () => {
    const ok = spawnSync(process.execPath, [bin, 'scan', data, '--json'], { encoding: 'utf8', cwd: work });
    expect(ok.status, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { splits: { train: { NORMAL: number } } }).splits.train.NORMAL).toBe(PER_CLASS);
    const bad = spawnSync(process.execPath, [bin, 'train', '--epochs', 'many'], { encoding: 'utf8', cwd: work });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['cxr train: --epochs must be a whole number (got "many"), e.g. --epochs 10.']);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
