import type { LayersModel } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { usageMessage as message } from '../testing/usage-message.js';
import { commandModelSettings, thresholdNote } from './model-metadata.js';

const model = { inputs: [{ shape: [null, 64, 64, 1] }] } as unknown as LayersModel;
const dir = '/runs/a/model';
const good = {
  threshold: 0.42,
  imageSize: 64,
  classNames: ['NORMAL', 'PNEUMONIA'] as const,
  decode: { size: 64, fit: 'contain' as const },
  calibration: { method: 'temperature' as const, temperature: 1.7, fittedOn: 'val', valNllBefore: 0.3, valNllAfter: 0.25 },
};

// The metadata's schema and its errors are @cxr/model's (model-metadata.spec.ts there); here, the threshold flag.
describe('commandModelSettings', () => {
  it('runs with what cxr train stores', () => {
    const s = commandModelSettings(model, good, { dir });
    expect(s).toMatchObject({ imageSize: 64, fit: 'contain', threshold: 0.42, thresholdSource: 'model', temperature: 1.7, classNames: ['NORMAL', 'PNEUMONIA'] });
    expect(s.calibration).toEqual(good.calibration);
    expect(thresholdNote(s, dir)).toBeUndefined();
  });

  it('takes --threshold over the stored one, and says so', () => {
    const s = commandModelSettings(model, good, { dir, threshold: 0.1 });
    expect(s).toMatchObject({ threshold: 0.1, thresholdSource: 'flag', storedThreshold: 0.42 });
    expect(thresholdNote(s, dir)).toBe("Using --threshold 0.1 instead of the model's own 0.4200 (chosen on validation).");
  });

  it('a model without metadata needs --threshold; then takes its input size, NORMAL/PNEUMONIA, fill and temperature 1', () => {
    expect(message(() => commandModelSettings(model, {}, { dir }))).toBe(
      'The model in /runs/a/model stores no threshold (/runs/a/model/model.json carries no cxr metadata, as for a model from elsewhere); pass --threshold P (e.g. --threshold 0.5) to choose one.',
    );
    const s = commandModelSettings(model, {}, { dir, threshold: 0.5 });
    expect(s).toMatchObject({ imageSize: 64, fit: 'fill', threshold: 0.5, temperature: 1, calibration: undefined, classNames: ['NORMAL', 'PNEUMONIA'] });
    expect(thresholdNote(s, dir)).toBe('The model in /runs/a/model stores no threshold; using --threshold 0.5 as given.');
  });

  it('a best checkpoint without a threshold says why and what to do', () => {
    const { threshold: _drop, ...rest } = good;
    expect(message(() => commandModelSettings(model, rest, { dir: '/runs/a/checkpoints/best' }))).toMatch(/a checkpoint written during training has no threshold until the run finishes\); pass --threshold P .*, or use the model\/ folder of the finished run\.$/);
  });
});
