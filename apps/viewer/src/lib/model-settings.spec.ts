import { describe, expect, it } from 'vitest';
import { labelOf } from './classify.js';
import { readModelSettings } from './model-settings.js';

// The metadata cxr train writes (shape of a real run's model.json).
const META = {
  classNames: ['NORMAL', 'PNEUMONIA'],
  imageSize: 64,
  decode: { size: 64, fit: 'fill', key: 'cxr-decode-v1;size=64' },
  architecture: 'compact-cnn',
  seed: 5,
  threshold: 0.26,
  thresholdChoice: { threshold: 0.26, method: 'sensitivity', target: 0.98, sensitivity: 1, specificity: 0.9, n: 20, rule: 'sensitivity:0.98', chosenOn: 'val' },
  calibration: { method: 'temperature', temperature: 0.93, fittedOn: 'val' },
  trainedAt: '2026-12-06T07:44:40.373Z',
};

describe('readModelSettings', () => {
  it('reads what cxr train stores', () => {
    const s = readModelSettings(META, 64);
    expect(s).toMatchObject({ imageSize: 64, fit: 'fill', threshold: 0.26, thresholdRule: 'sensitivity:0.98', temperature: 0.93, calibrated: true, classNames: ['NORMAL', 'PNEUMONIA'], architecture: 'compact-cnn', seed: 5 });
    expect(s.thresholdValidation).toEqual({ sensitivity: 1, specificity: 0.9, n: 20 });
  });

  it('a missing calibration means temperature 1; missing class names and fit take the defaults', () => {
    const s = readModelSettings({ threshold: 0.5 }, 128);
    expect(s).toMatchObject({ imageSize: 128, fit: 'fill', temperature: 1, calibrated: false, classNames: ['NORMAL', 'PNEUMONIA'] });
  });

  it.each([
    [{ ...META, threshold: 1.5 }, /invalid threshold \(1\.5\): it must be a number between 0 and 1/],
    [{ ...META, imageSize: 128 }, /invalid imageSize \(128\): it must be the model's own input size, 64/],
    [{ ...META, decode: { fit: 'cover' } }, /invalid decode\.fit \("cover"\)/],
    [{ ...META, classNames: ['A', 'A'] }, /invalid classNames/],
    [{ ...META, calibration: { method: 'temperature', temperature: 0 } }, /invalid calibration\.temperature \(0\): it must be a number above 0/],
    [(({ threshold: _, ...rest }) => rest)(META), /stores no threshold/],
  ])('an invalid or missing field is one sentence naming it (%#)', (metadata, pattern) => {
    expect(() => readModelSettings(metadata, 64)).toThrow(pattern);
  });
});

describe('labelOf: the label rule of cxr predict', () => {
  it('calibrates the logit with the temperature, then compares with the threshold (at the threshold is positive)', () => {
    const s = readModelSettings(META, 64);
    const logitAt = 0.93 * Math.log(0.26 / 0.74);
    expect(labelOf(logitAt + 1e-9, s).label).toBe('PNEUMONIA');
    expect(labelOf(logitAt - 1e-6, s).label).toBe('NORMAL');
    expect(labelOf(0, s).probability).toBeCloseTo(0.5, 12);
    expect(labelOf(2, s).probability).toBeCloseTo(1 / (1 + Math.exp(-2 / 0.93)), 12);
  });
});
