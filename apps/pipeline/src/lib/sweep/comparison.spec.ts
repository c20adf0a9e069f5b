import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { compare, comparisonHtml, spread } from './comparison.js';
import type { RunOutcome } from './comparison.js';
import type { SweepPlan } from './sweep-plan.js';

const run = (setting: string, seed: number) => ({ name: `${setting}-seed${seed}`, setting, seed, fold: null, dir: `/s/runs/${setting}-seed${seed}`, config: {}, argv: [] });
const plan: SweepPlan = { version: 1, id: 'abc', file: '/s.json', out: '/s', createdAt: '2026-01-01T00:00:00.000Z', seeds: [1, 2], folds: null, settings: ['a', 'b'], runs: [run('a', 1), run('a', 2), run('b', 1), run('b', 2)] };
const results = (auc: number) => ({ threshold: 0.4, val: { auc: auc + 0.01, accuracy: 0.9 }, test: { auc, accuracy: 0.8 }, external: { external: { dir: '/x', auc: auc - 0.1, sensitivity: 0.95 } } });

describe('compare', () => {
  it('gives each run its figures and report link, and each setting the mean and spread of its finished runs', () => {
    const outcomes = new Map<string, RunOutcome>([
      ['a-seed1', { status: 'done', results: results(0.9) }],
      ['a-seed2', { status: 'done', results: results(0.8) }],
      ['b-seed1', { status: 'failed', error: 'boom <b>', attempts: 3 }],
      ['b-seed2', { status: 'done', results: results(0.7) }],
    ]);
    const c = compare(plan, outcomes, 'redis://q:6379', 0);
    expect(c.sweep).toMatchObject({ complete: true, counts: { done: 3, failed: 1 } });
    expect(c.runs[0]).toMatchObject({ dir: 'runs/a-seed1', report: 'runs/a-seed1/report.html', threshold: 0.4, figures: { test: { auc: 0.9, accuracy: 0.8 }, external: { auc: 0.8, sensitivity: 0.95 } } });
    expect(c.runs[2]).toMatchObject({ status: 'failed', report: null, error: 'boom <b>', attempts: 3 });
    const a = c.settings['a'];
    expect(a?.figures['test']?.auc?.mean).toBeCloseTo(0.85);
    expect(a?.figures['test']?.auc?.sd).toBeCloseTo(Math.SQRT1_2 * 0.1);
    expect(c.settings['b']).toMatchObject({ runs: 2, done: 1, failed: 1 });
    const html = comparisonHtml(c);
    expect(html).toContain('<a href="runs/a-seed1/report.html">a-seed1</a>');
    expect(html).toContain('failed</span> after 3 attempts: boom &lt;b&gt;');
    expect(html).not.toContain('<script');
  });

  it('marks a sweep with unfinished runs incomplete', () => {
    const c = compare(plan, new Map([['a-seed1', { status: 'running' } as RunOutcome]]), null, 0);
    expect(c.sweep).toMatchObject({ complete: false, counts: { running: 1, queued: 3 } });
    expect(comparisonHtml(c)).toMatch(/cxr sweep --resume/);
  });
});

test.prop([fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 })])('spread: the mean lies within [min, max], the sd is 0 for one value and never negative', (values) => {
  const s = spread(values);
  expect(s.n).toBe(values.length);
  expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-6);
  expect(s.mean).toBeLessThanOrEqual(s.max + 1e-6);
  expect(s.sd).toBeGreaterThanOrEqual(0);
  if (values.length === 1) expect(s.sd).toBe(0);
});
