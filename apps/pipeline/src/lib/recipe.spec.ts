import { DEFAULT_TRAINING } from '@cxr/model';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommand } from './args.js';
import { readRecipe } from './recipe.js';
import { TRAIN } from './specs.js';

describe('readRecipe', () => {
  it('merges augment and compact over the defaults and reads the other settings', () => {
    const recipe = readRecipe({ augment: { shift: 0.08, flip: false }, compact: { dropout: 0.2 }, schedule: 'cosine', patience: null, learningRate: 0.002, labelSmoothing: 0.05 }, 'r.json');
    expect(recipe.augment).toEqual({ ...DEFAULT_TRAINING.augment, shift: 0.08, flip: false });
    expect(recipe.compact).toEqual({ ...DEFAULT_TRAINING.compact, dropout: 0.2 });
    expect(recipe).toMatchObject({ schedule: 'cosine', patience: Infinity, learningRate: 0.002, labelSmoothing: 0.05 });
    expect(readRecipe({}, undefined)).toEqual({});
  });

  it('names the setting, the file and the fix for every mistake', () => {
    const fails = (raw: Record<string, unknown>, pattern: RegExp) => expect(() => readRecipe(raw, 'r.json')).toThrow(pattern);
    fails({ augment: { shfit: 0.1 } }, /Setting "augment" in r\.json has an unknown augmentation "shfit"; use flip, rotationDegrees/);
    fails({ augment: { shift: 0.9 } }, /"augment.shift" in r\.json must be a number between 0 and 0.5 \(got 0.9\)/);
    fails({ augment: [] }, /must be an object/);
    fails({ compact: { filters: [16, 0] } }, /compact.filters/);
    fails({ compact: { stemStride: 3 } }, /must be 1 or 2/);
    fails({ schedule: 'step' }, /"plateau" or "cosine"/);
    fails({ learningRate: 0 }, /strictly between 0 and 1/);
    fails({ labelSmoothing: 0.5 }, /labelSmoothing/);
    fails({ epochs: 3 }, /is not a training setting/);
  });
});

describe('train config files', () => {
  it('carry the recipe beside the flags, and a typo of either is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxr-recipe-'));
    try {
      const file = join(dir, 'recipe.json');
      writeFileSync(file, JSON.stringify({ epochs: 9, augment: { gamma: 0.3 }, schedule: 'cosine' }));
      const parsed = parseCommand(TRAIN, ['--config', file], dir);
      expect(parsed.values['epochs']).toBe(9);
      expect(parsed.settings).toEqual({ augment: { gamma: 0.3 }, schedule: 'cosine' });
      writeFileSync(file, JSON.stringify({ augmnet: {} }));
      expect(() => parseCommand(TRAIN, ['--config', file], dir)).toThrow(/unknown setting "augmnet" for `cxr train`; did you mean "augment"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
