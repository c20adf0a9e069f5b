import { describe, expect, it } from 'vitest';
import { calibration } from './calibration.js';
import { DEFAULT_ECE_BINS, expectedCalibrationError } from './expected-calibration-error.js';

describe('expectedCalibrationError', () => {
  it('is the count-weighted mean gap between probability and frequency over 15 bins by default', () => {
    expect(DEFAULT_ECE_BINS).toBe(15);
    expect(expectedCalibrationError([0.9, 0.9, 0.1, 0.1], [1, 0, 0, 0])).toBeCloseTo(0.25, 12);
    expect(expectedCalibrationError([0.99, 0.99, 0.99, 0.99, 0.99], [1, 1, 1, 0, 0])).toBeCloseTo(0.39, 12);
    expect(expectedCalibrationError([0.2, 0.3], [0, 1])).toBe(calibration([0.2, 0.3], [0, 1], { bins: 15 }).ece);
  });
  it('depends on the bins: 0.45 and 0.55 share one bin (gaps cancel) but not two of 15', () => {
    expect(expectedCalibrationError([0.45, 0.55], [1, 0], { bins: 1 })).toBeCloseTo(0, 12);
    expect(expectedCalibrationError([0.45, 0.55], [1, 0], { bins: 15 })).toBeCloseTo(0.55, 12);
    expect(expectedCalibrationError([0.2, 0.3], [0, 1], { bins: 2 })).toBeCloseTo(0.25, 12);
  });
  it('is 0 for perfectly calibrated bins and null without images', () => {
    expect(expectedCalibrationError([0, 1, 1], [0, 1, 1])).toBe(0);
    expect(expectedCalibrationError([], [])).toBeNull();
  });
  it('refuses bad bins and malformed inputs', () => {
    expect(() => expectedCalibrationError([0.5], [1], { bins: 0 })).toThrow(/expectedCalibrationError: bins must be an integer in \[1, 1000\], got 0/);
    expect(() => expectedCalibrationError([1.5], [1])).toThrow(RangeError);
  });
});
