import type { Prediction } from '@cxr/model';
import { firstValueFrom, from, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { evaluate, evaluatePredictions } from './evaluate.js';
import { expectedCalibrationError } from './expected-calibration-error.js';
import { temperatureScale } from './fit-temperature.js';

const preds: Prediction[] = [
  { id: 'a', probability: 0.9, label: 1 },
  { id: 'b', probability: 0.8, label: 0 },
  { id: 'c', probability: 0.6, label: 1 },
  { id: 'd', probability: 0.3, label: 0 },
  { id: 'e', probability: 0.2, label: 1 },
  { id: 'f', probability: 0.1, label: 0 },
  { id: 'g', probability: 0.7, label: undefined },
];

describe('evaluate', () => {
  it('emits one report when the stream completes, with metrics at 0.5, 0.75 and the chosen threshold', async () => {
    const reports = await lastValueFrom(from(preds).pipe(evaluate({ threshold: 0.25, split: 'test' }), toArray()));
    expect(reports).toHaveLength(1);
    const r = reports[0]!;
    expect(r).toMatchObject({ split: 'test', n: 6, positives: 3, negatives: 3, unlabeled: 1, threshold: 0.25 });
    expect(r.auc).toBeCloseTo(6 / 9);
    expect(r.operatingPoints.map((p) => [p.name, p.threshold])).toEqual([
      ['default 0.5', 0.5],
      ['notebook 0.75', 0.75],
      ['chosen', 0.25],
    ]);
    expect(r.confusion).toEqual({ threshold: 0.25, tp: 2, fp: 2, tn: 1, fn: 1 });
    expect(r.operatingPoints[1]!.confusion).toEqual({ threshold: 0.75, tp: 1, fp: 1, tn: 2, fn: 2 });
    expect(r.aucCi?.lower).toBeLessThanOrEqual(r.auc!);
    expect(r.predictions.map((p) => p.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(r.calibration.bins).toHaveLength(10);
    expect(r.undefinedReasons).toEqual({});
  });
  it('a one-class split reports undefined figures with reasons, not zeros', async () => {
    const r = await firstValueFrom(from<Prediction[]>([{ id: 'x', probability: 0.4, label: 1 }, { id: 'y', probability: 0.7, label: 1 }]).pipe(evaluate({ threshold: 0.5 })));
    expect(r.auc).toBeNull();
    expect(r.undefinedReasons['auc']).toMatch(/no NORMAL image/);
    expect(r.aucCi).toBeNull();
    expect(r.metrics.specificity).toBeNull();
    expect(r.metrics.undefinedReasons.specificity).toMatch(/no NORMAL image/);
    expect(r.brier).toBeCloseTo((0.36 + 0.09) / 2);
  });
  it('an empty stream still yields a report, every figure undefined', async () => {
    const r = await firstValueFrom(from([] as Prediction[]).pipe(evaluate({ threshold: 0.5 })));
    expect(r.n).toBe(0);
    expect(Object.keys(r.undefinedReasons).sort()).toEqual(['auc', 'aucCi', 'averagePrecision', 'brier']);
  });
  it('each subscription collects on its own', async () => {
    const pipeline = from(preds).pipe(evaluate({ threshold: 0.5 }));
    const a = await firstValueFrom(pipeline);
    const b = await firstValueFrom(pipeline);
    expect(b).toEqual(a);
    expect(b.n).toBe(6);
  });
  it('validates options at creation, naming the stage and the value', () => {
    expect(() => evaluate({ threshold: 1.5 })).toThrow(/evaluate: threshold must be a number in \[0, 1\], got 1.5/);
    expect(() => evaluate({ threshold: 0.5, calibrationBins: 2.5 })).toThrow(RangeError);
    expect(() => evaluate({ threshold: 0.5, ciLevel: 0 })).toThrow(/ciLevel/);
    expect(() => evaluate({ threshold: 0.5, compareAt: [{ name: 'x', threshold: -1 }] })).toThrow(/compareAt/);
    expect(() => evaluate(undefined as never)).toThrow(TypeError);
  });
  it('reports the ECE over 15 bins by default (eceBins to change it), and no temperature', async () => {
    const r = await firstValueFrom(from(preds).pipe(evaluate({ threshold: 0.5 })));
    const labelled = preds.filter((p) => p.label !== undefined);
    expect(r.eceBins).toBe(15);
    expect(r.ece).toBe(expectedCalibrationError(labelled.map((p) => p.probability), labelled.map((p) => p.label as number)));
    expect(r.temperature).toBeNull();
    expect(r.uncalibrated).toBeNull();
    const coarse = await firstValueFrom(from(preds).pipe(evaluate({ threshold: 0.5, eceBins: 2 })));
    expect(coarse.eceBins).toBe(2);
    expect(coarse.ece).not.toBe(r.ece);
  });
  it('with a temperature, probabilities are sigmoid(logit / T) and the raw Brier and ECE are kept', async () => {
    const logits = [3, 2.5, 1, -0.5, -2, -4];
    const labels: (0 | 1)[] = [1, 0, 1, 0, 1, 0];
    const withLogits: Prediction[] = logits.map((logit, i) => ({ id: `p${i}`, probability: 0.123, logit, label: labels[i] }));
    const r = evaluatePredictions(withLogits, { threshold: 0.5, temperature: 2 });
    expect(r.temperature).toBe(2);
    expect(r.predictions.map((p) => p.probability)).toEqual(logits.map((z) => temperatureScale(z, 2)));
    expect(r.predictions.map((p) => p.logit)).toEqual(logits);
    const raw = logits.map((z) => temperatureScale(z, 1));
    expect(r.uncalibrated?.brier).toBeCloseTo(raw.reduce((s, p, i) => s + (p - (labels[i] as number)) ** 2, 0) / raw.length, 12);
    expect(r.uncalibrated?.ece).toBe(expectedCalibrationError(raw, labels));
    expect(r.brier).not.toBeCloseTo(r.uncalibrated!.brier!, 6);
    // Ranking unchanged: the same AUC as the raw probabilities.
    expect(r.auc).toBe(evaluatePredictions(withLogits.map((p) => ({ ...p, probability: temperatureScale(p.logit!, 1) })), { threshold: 0.5 }).auc);
  });
  it('with a temperature, a labelled prediction without a logit errors, naming it', () => {
    expect(() => evaluatePredictions([{ id: '/x/a.jpeg', probability: 0.4, label: 1 }], { threshold: 0.5, temperature: 1.5 })).toThrow(/a\.jpeg has no finite logit/);
    expect(() => evaluate({ threshold: 0.5, temperature: 0 })).toThrow(/temperature must be a finite number > 0, got 0/);
    expect(() => evaluate({ threshold: 0.5, eceBins: 0 })).toThrow(/eceBins/);
  });
  it('a probability outside [0, 1] errors the stream, naming the image', async () => {
    await expect(firstValueFrom(of<Prediction>({ id: '/x/bad.jpeg', probability: 1.2, label: 1 }).pipe(evaluate({ threshold: 0.5 })))).rejects.toThrow(/bad\.jpeg/);
  });
});
