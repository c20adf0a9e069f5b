import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usageMessage } from '../../testing/usage-message.js';
import { expandSweep } from './sweep-plan.js';

const work = mkdtempSync(join(tmpdir(), 'cxr-sweep-plan-'));
const data = join(work, 'data');
mkdirSync(data);
const io = { env: {}, cwd: work };
let n = 0;
const file = (body: unknown): string => {
  const path = join(work, `sweep-${n++}.json`);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
};
const out = join(work, 'out');

describe('expandSweep', () => {
  it('expands settings x seeds into runs with their own folders and configs, each setting over the shared train config', () => {
    const plan = expandSweep(file({ train: { data: 'data', epochs: 2, augment: { flip: true, crop: 0.2 }, external: 'none' }, settings: { a: {}, b: { augment: { crop: 0 }, epochs: 3 } }, seeds: [1, 2] }), out, io);
    expect(plan.runs.map((r) => r.name)).toEqual(['a-seed1', 'a-seed2', 'b-seed1', 'b-seed2']);
    const b = plan.runs[2];
    expect(b?.config).toEqual({ data, epochs: 3, augment: { flip: true, crop: 0 }, external: ['none'] });
    expect(b?.dir).toBe(join(out, 'runs', 'b-seed1'));
    expect(b?.argv).toEqual(['--config', join(out, 'configs', 'b.json'), '--out', b?.dir, '--seed', '1']);
  });

  it('with "folds": K runs per seed, fold I of K each', () => {
    const plan = expandSweep(file({ train: { data }, seeds: [7], folds: 3 }), out, io);
    expect(plan.runs.map((r) => [r.name, r.fold])).toEqual([
      ['default-seed7-fold1of3', '1/3'],
      ['default-seed7-fold2of3', '2/3'],
      ['default-seed7-fold3of3', '3/3'],
    ]);
    expect(plan.runs[1]?.argv.slice(-2)).toEqual(['--fold', '2/3']);
  });

  it('names the file, the setting and the fix for each mistake', () => {
    const cases: [unknown, RegExp][] = [
      ['{"train": ', /is not valid JSON/],
      [[1], /must hold one JSON object/],
      [{ setings: {} }, /unknown key "setings"; did you mean "settings"\?/],
      [{ train: { data, seed: 3 } }, /"train" sets "seed", which a sweep sets per run \(list the seeds in "seeds"\); remove it\./],
      [{ train: { data }, settings: { 'a b': {} } }, /the setting name "a b" must be letters, digits/],
      [{ train: { data }, seeds: [1, 1] }, /"seeds" lists a seed twice/],
      [{ train: { data }, seeds: [-1] }, /"seeds" must be a list of whole numbers/],
      [{ train: { data }, folds: 1 }, /"folds" must be a whole number from 2 to 50/],
      [{ train: { data, epocs: 2 } }, /setting "default": "epocs" is not a `cxr train` setting; did you mean "epochs"\?/],
      [{ train: { data, epochs: 0 } }, /setting "default": "epochs" must be a positive whole number/],
      [{ train: { data }, settings: { x: { augment: { crop: 3 } } } }, /Setting "augment.crop" in the sweep file .*, setting "x" must be a number between 0 and 0.5/],
      [{ train: { data: 'nowhere' } }, /setting "default": "data" .*nowhere is not a folder/],
    ];
    for (const [body, pattern] of cases) {
      const path = file(body);
      expect(usageMessage(() => expandSweep(path, out, io)), JSON.stringify(body)).toMatch(pattern);
    }
    expect(usageMessage(() => expandSweep(join(work, 'missing.json'), out, io))).toMatch(/The sweep file .*missing.json does not exist/);
  });
});
