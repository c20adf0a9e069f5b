import { describe, expect, it } from 'vitest';
import { runSettings, splitFigures } from './run-figures.js';

describe('splitFigures', () => {
  it('reads each split of a report.json, validation first, and leaves out what is missing', () => {
    const report = {
      splits: {
        test: { n: 80, auc: 0.87, aucCi: { lower: 0.8, upper: 0.95 }, metrics: { accuracy: 0.8, sensitivity: 0.7, specificity: 0.9 }, brier: 0.25, ece: 0.2 },
        val: { n: 20, auc: 0.99, metrics: { sensitivity: 1 } },
      },
    };
    const figures = splitFigures(report);
    expect(figures.map((f) => f.split)).toEqual(['val', 'test']);
    expect(figures[0]).toMatchObject({ n: 20, auc: 0.99, aucLower: undefined, sensitivity: 1, specificity: undefined });
    expect(figures[1]).toMatchObject({ n: 80, aucLower: 0.8, aucUpper: 0.95, accuracy: 0.8, brier: 0.25, ece: 0.2 });
  });

  it('is empty for anything that is not a report', () => {
    for (const value of [undefined, null, 3, [], { splits: 1 }]) expect(splitFigures(value)).toEqual([]);
  });
});

describe('runSettings', () => {
  it('lists the training settings of a run.json', () => {
    const rows = runSettings({ seed: 5, status: 'done', settings: { architecture: 'compact-cnn', epochs: 2, batchSize: 16 }, backend: { name: 'wasm', reason: 'SIMD' }, versions: { cxr: '0.1.0' } }).rows;
    expect(rows).toEqual(expect.arrayContaining([['architecture', 'compact-cnn'], ['epochs', '2'], ['seed', '5'], ['trained on', 'wasm (SIMD)'], ['cxr', '0.1.0'], ['status', 'done']]));
    expect(runSettings('x').rows).toEqual([]);
  });
});
