import { describe, expect, it } from 'vitest';
import { describeThresholdRule, formatThresholdRule, parseThresholdRule } from './threshold-rule.js';

describe('threshold rules as text', () => {
  it('reads youden and sensitivity:T', () => {
    expect(parseThresholdRule('youden')).toEqual({ method: 'youden' });
    expect(parseThresholdRule(' Sensitivity:0.95 ')).toEqual({ method: 'sensitivity', target: 0.95 });
    expect(parseThresholdRule('sensitivity:1')).toEqual({ method: 'sensitivity', target: 1 });
    expect(parseThresholdRule('sensitivity:.9')).toEqual({ method: 'sensitivity', target: 0.9 });
  });
  it('refuses anything else, naming the text and the accepted forms', () => {
    for (const bad of ['', 'sensitivity', 'sensitivity:0', 'sensitivity:1.5', 'sensitivity:-0.9', 'sensitivity:95%', 'specificity:0.9', 'youden:1']) {
      expect(() => parseThresholdRule(bad)).toThrow(/"youden" or "sensitivity:T" with T above 0 and at most 1/);
    }
  });
  it('writes what it reads', () => {
    expect(formatThresholdRule({ method: 'sensitivity', target: 0.95 })).toBe('sensitivity:0.95');
    expect(parseThresholdRule(formatThresholdRule({ method: 'sensitivity', target: 0.975 }))).toEqual({ method: 'sensitivity', target: 0.975 });
    expect(formatThresholdRule({ method: 'youden' })).toBe('youden');
  });
  it('states the rule and its promise in plain words', () => {
    expect(describeThresholdRule({ method: 'sensitivity', target: 0.95 })).toBe('chosen on validation as the most specific point that keeps sensitivity >= 95%');
    expect(describeThresholdRule({ method: 'sensitivity', target: 0.975 })).toContain('sensitivity >= 97.5%');
    expect(describeThresholdRule({ method: 'youden' })).toMatch(/sensitivity \+ specificity is highest \(Youden's J\)/);
  });
});
