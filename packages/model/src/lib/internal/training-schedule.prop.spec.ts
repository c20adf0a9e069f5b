import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { cosineRate, scheduleAfterEpoch, startSchedule, type ScheduleSettings, type ScheduleStep } from './training-schedule.js';

/** Settings with a rate at or above its floor, as `train` accepts them. */
const settings = (schedule: 'plateau' | 'cosine'): fc.Arbitrary<ScheduleSettings> =>
  fc
    .record({
      epochs: fc.integer({ min: 1, max: 40 }),
      rates: fc.tuple(fc.double({ min: 1e-7, max: 1, noNaN: true }), fc.double({ min: 1e-7, max: 1, noNaN: true })),
      reduceLrPatience: fc.integer({ min: 1, max: 6 }),
      reduceLrFactor: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      patience: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(Infinity)),
    })
    .map(({ rates: [a, b], ...rest }) => ({ ...rest, schedule, learningRate: Math.max(a, b), minLearningRate: Math.min(a, b) }));

/** Monitored values of the epochs: repeats (plateaus), rises, falls and NaN (no metric). */
const values = fc.array(fc.oneof(fc.constantFrom(0.5, 0.6, 0.7), fc.double({ min: -1, max: 1, noNaN: true }), fc.constant(NaN)), { minLength: 1, maxLength: 40 });

/** Runs the schedule over the values, one epoch each; the step after every epoch. */
function runSchedule(s: ScheduleSettings, monitored: readonly number[]): ScheduleStep[] {
  let state = startSchedule(s);
  return monitored.map((value, i) => {
    const step = scheduleAfterEpoch(s, state, { epoch: i + 1, monitored: value });
    state = step.state;
    return step;
  });
}

/** The epochs (from 1) that improve: a finite value above every earlier finite one. */
function improvingEpochs(monitored: readonly number[]): boolean[] {
  let best = -Infinity;
  let any = false;
  return monitored.map((v) => {
    const improved = Number.isFinite(v) && (!any || v > best);
    if (improved) {
      best = v;
      any = true;
    }
    return improved;
  });
}

describe('scheduleAfterEpoch: improvement and early stopping', () => {
  test.prop([fc.constantFrom('plateau' as const, 'cosine' as const).chain(settings), values])('an epoch improves exactly when its value is finite and above every earlier one', (s, monitored) => {
    expect(runSchedule(s, monitored).map((step) => step.improved)).toEqual(improvingEpochs(monitored));
  });

  test.prop([fc.constantFrom('plateau' as const, 'cosine' as const).chain(settings), values])('the best value and its epoch follow the improvements; wait counts the epochs since the best', (s, monitored) => {
    const improved = improvingEpochs(monitored);
    runSchedule(s, monitored).forEach((step, i) => {
      const bestEpoch = improved.lastIndexOf(true, i) + 1;
      expect(step.state.bestEpoch).toBe(bestEpoch);
      expect(step.state.best).toBe(bestEpoch === 0 ? null : monitored[bestEpoch - 1]);
      expect(step.state.wait).toBe(i + 1 - bestEpoch);
    });
  });

  test.prop([fc.constantFrom('plateau' as const, 'cosine' as const).chain(settings), values])('stops exactly at the epochs where patience has run out since the best (never with patience Infinity)', (s, monitored) => {
    const improved = improvingEpochs(monitored);
    const steps = runSchedule(s, monitored);
    steps.forEach((step, i) => {
      const sinceBest = i + 1 - (improved.lastIndexOf(true, i) + 1);
      expect(step.earlyStop).toBe(sinceBest >= s.patience);
      if (s.patience === Infinity) expect(step.earlyStop).toBe(false);
    });
    // The first stop comes after exactly `patience` epochs without improvement.
    const first = steps.findIndex((step) => step.earlyStop);
    if (first >= 0) {
      expect(improved.slice(first + 1 - s.patience, first + 1).every((x) => !x)).toBe(true);
      expect(first + 1 - s.patience === 0 || improved[first - s.patience] === true).toBe(true);
    }
  });
});

describe('scheduleAfterEpoch: reduce on plateau', () => {
  test.prop([settings('plateau'), values])('never raises the rate and never goes below the floor', (s, monitored) => {
    let previous = s.learningRate;
    for (const step of runSchedule(s, monitored)) {
      expect(step.state.learningRate).toBeLessThanOrEqual(previous);
      expect(step.state.learningRate).toBeGreaterThanOrEqual(s.minLearningRate);
      previous = step.state.learningRate;
    }
  });

  test.prop([settings('plateau'), values])('cuts the rate by the factor exactly after reduceLrPatience epochs without improvement (since the best or the last cut)', (s, monitored) => {
    const improved = improvingEpochs(monitored);
    let rate = s.learningRate;
    let quiet = 0;
    runSchedule(s, monitored).forEach((step, i) => {
      quiet = improved[i] ? 0 : quiet + 1;
      if (quiet === s.reduceLrPatience) {
        rate = Math.max(s.minLearningRate, rate * s.reduceLrFactor);
        quiet = 0;
      }
      expect(step.state.learningRate).toBe(rate);
      expect(step.state.plateau).toBe(quiet);
    });
  });

  it('a constant metric after one improvement: the rate halves every 2 epochs down to the floor', () => {
    const s: ScheduleSettings = { schedule: 'plateau', epochs: 10, learningRate: 0.01, minLearningRate: 0.002, reduceLrPatience: 2, reduceLrFactor: 0.5, patience: Infinity };
    const rates = runSchedule(s, Array.from({ length: 8 }, () => 0.7)).map((step) => step.state.learningRate);
    expect(rates).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025, 0.002, 0.002]);
  });
});

describe('scheduleAfterEpoch: cosine', () => {
  test.prop([settings('cosine'), values])('the rate after epoch e is the cosine of epoch e + 1, whatever the values', (s, monitored) => {
    runSchedule(s, monitored).forEach((step, i) => {
      const e = i + 2;
      expect(step.state.learningRate).toBe(s.minLearningRate + ((s.learningRate - s.minLearningRate) * (1 + Math.cos((Math.PI * (e - 1)) / s.epochs))) / 2);
    });
  });

  test.prop([settings('cosine')])('falls monotonically from the initial rate (epoch 1) to the floor (after the last epoch)', (s) => {
    const rates = Array.from({ length: s.epochs + 1 }, (_, i) => cosineRate(s, i + 1));
    for (let i = 1; i < rates.length; i += 1) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1] as number);
    expect(rates[0]).toBeCloseTo(s.learningRate, 12);
    expect(rates[s.epochs]).toBe(s.minLearningRate);
    for (const rate of rates) expect(rate).toBeGreaterThanOrEqual(s.minLearningRate);
  });
});
