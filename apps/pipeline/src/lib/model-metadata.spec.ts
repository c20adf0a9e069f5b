import type { LayersModel } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { usageMessage as message } from '../testing/usage-message.js';
import { modelSettings, thresholdNote } from './model-metadata.js';

const model = { inputs: [{ shape: [null, 64, 64, 1] }] } as unknown as LayersModel;
const dir = '/runs/a/model';
const good = {
  threshold: 0.42,
  imageSize: 64,
  classNames: ['NORMAL', 'PNEUMONIA'],
  decode: { size: 64, fit: 'contain' },
  calibration: { method: 'temperature', temperature: 1.7, fittedOn: 'val', valNllBefore: 0.3, valNllAfter: 0.25 },
};

describe('modelSettings', () => {
  it('reads what cxr train stores', () => {
    const s = modelSettings(model, good, { dir });
    expect(s).toMatchObject({ imageSize: 64, fit: 'contain', threshold: 0.42, thresholdSource: 'model', temperature: 1.7, classNames: ['NORMAL', 'PNEUMONIA'] });
    expect(s.calibration).toEqual(good.calibration);
    expect(thresholdNote(s, dir)).toBeUndefined();
  });

  it('takes --threshold over the stored one, and says so', () => {
    const s = modelSettings(model, good, { dir, threshold: 0.1 });
    expect(s).toMatchObject({ threshold: 0.1, thresholdSource: 'flag', storedThreshold: 0.42 });
    expect(thresholdNote(s, dir)).toBe("Using --threshold 0.1 instead of the model's own 0.4200 (chosen on validation).");
  });

  it('a model without metadata needs --threshold; then takes its input size, NORMAL/PNEUMONIA, fill and temperature 1', () => {
    expect(message(() => modelSettings(model, {}, { dir }))).toBe(
      'The model in /runs/a/model stores no threshold (/runs/a/model/model.json carries no cxr metadata, as for a model from elsewhere); pass --threshold P (e.g. --threshold 0.5) to choose one.',
    );
    const s = modelSettings(model, {}, { dir, threshold: 0.5 });
    expect(s).toMatchObject({ imageSize: 64, fit: 'fill', threshold: 0.5, temperature: 1, calibration: undefined, classNames: ['NORMAL', 'PNEUMONIA'] });
    expect(thresholdNote(s, dir)).toBe('The model in /runs/a/model stores no threshold; using --threshold 0.5 as given.');
  });

  it('a best checkpoint without a threshold says why and what to do', () => {
    const { threshold: _drop, ...rest } = good;
    expect(message(() => modelSettings(model, rest, { dir: '/runs/a/checkpoints/best' }))).toMatch(/a checkpoint written during training has no threshold until the run finishes\); pass --threshold P .*, or use the model\/ folder of the finished run\.$/);
  });

  it('an invalid field is a usage error naming the field, the value and the file, even with --threshold', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ threshold: 5 }, /invalid threshold \(5\): it must be a number between 0 and 1/],
      [{ threshold: null }, /invalid threshold \(null\)/],
      [{ threshold: '0.9' }, /invalid threshold \("0\.9"\)/],
      [{ threshold: Number.NaN }, /invalid threshold \(null\)/],
      [{ imageSize: 64.5 }, /invalid imageSize \(64\.5\)/],
      [{ imageSize: 128 }, /invalid imageSize \(128\): it must be the model's own input size, 64/],
      [{ classNames: ['A', 'A'] }, /invalid classNames/],
      [{ classNames: 'NORMAL,PNEUMONIA' }, /invalid classNames/],
      [{ decode: null }, /invalid decode \(null\)/],
      [{ decode: { fit: 'crop' } }, /invalid decode\.fit \("crop"\)/],
      [{ calibration: 1.5 }, /invalid calibration \(1\.5\)/],
      [{ calibration: { method: 'platt', temperature: 1 } }, /invalid calibration\.method \("platt"\)/],
      [{ calibration: { method: 'temperature', temperature: 0 } }, /invalid calibration\.temperature \(0\): it must be a number above 0/],
      [{ calibration: { method: 'temperature', temperature: -1 } }, /invalid calibration\.temperature \(-1\)/],
      [{ calibration: { method: 'temperature' } }, /invalid calibration\.temperature \(missing\)/],
    ];
    for (const [change, pattern] of cases) {
      const text = message(() => modelSettings(model, { ...good, ...change }, { dir, threshold: 0.5 }));
      expect(text).toMatch(pattern);
      expect(text).toContain('/runs/a/model/model.json');
      expect(text.split('\n')).toHaveLength(1);
    }
  });
});
