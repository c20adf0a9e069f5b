import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sampleReportData } from '../../testing/report-data.js';
import { evaluatePredictions } from '@cxr/eval';
import { calibrationSpec, confusionMatrixSpec, precisionRecallSpec, rocCurveSpec, trainingCurvesSpec } from './plot-specs.js';
import { renderPlot, renderSvg, svgToPng } from './render-plot.js';

/** Dark pixels in a region of a PNG: text drawn there shows up as dark pixels on the white background. */
async function darkPixels(png: Buffer, region: { left: number; top: number; width: number; height: number }): Promise<number> {
  const { data } = await sharp(png).extract(region).greyscale().raw().toBuffer({ resolveWithObject: true });
  return data.filter((v) => v < 100).length;
}

describe('plots', async () => {
  const data = await sampleReportData();
  const test = data.splits['test']!;

  it('the confusion matrix shows counts, outcome names and class names', async () => {
    const svg = await renderSvg(confusionMatrixSpec(test.confusion, { split: 'test' }));
    expect(svg).toContain('Confusion matrix (test)');
    expect(svg).toContain(`TP: ${test.confusion.tp}`);
    expect(svg).toContain(`FN: ${test.confusion.fn}`);
    expect(svg).toContain('PNEUMONIA');
    expect(svg).toContain('Predicted class');
    expect(svg).toContain('Actual class');
  });

  it('the ROC curve names its AUC and marks each operating point', async () => {
    const svg = await renderSvg(rocCurveSpec(test.roc, { aucCi: test.aucCi, operatingPoints: test.operatingPoints, split: 'test' }));
    expect(svg).toContain(`AUC ${test.auc!.toFixed(3)}`);
    for (const name of ['default 0.5', 'notebook 0.75', 'chosen']) expect(svg).toContain(name);
    expect(svg).toContain('False positive rate');
    expect(svg).toContain('chance (AUC 0.5)');
  });

  it('a one-class ROC says why it is empty', async () => {
    const only = evaluatePredictions([{ id: 'a', probability: 0.3, label: 1 }], { threshold: 0.5 });
    const svg = await renderSvg(rocCurveSpec(only.roc, { operatingPoints: only.operatingPoints }));
    expect(svg).toContain('AUC is undefined: the split has no NORMAL image');
  });

  it('PR, calibration and training curves carry titles, axes and legends', async () => {
    const pr = await renderSvg(precisionRecallSpec(test.pr, { split: 'test' }));
    expect(pr).toContain('average precision');
    expect(pr).toContain('no skill');
    const cal = await renderSvg(calibrationSpec(test.calibration, { split: 'test' }));
    expect(cal).toContain('Brier score');
    expect(cal).toContain('perfect calibration');
    const tr = await renderSvg(trainingCurvesSpec(data.training ?? []));
    for (const label of ['training loss', 'validation loss', 'validation AUC', 'Epoch']) expect(tr).toContain(label);
  });

  it('PNG text renders (the title area is not blank) at 2x the SVG size', async () => {
    const plot = await renderPlot(confusionMatrixSpec(test.confusion, { split: 'test' }));
    const meta = await sharp(plot.png).metadata();
    expect(meta.width).toBe(Math.round(plot.width * 2));
    expect(await darkPixels(plot.png, { left: 0, top: 0, width: 300, height: 40 })).toBeGreaterThan(200);
    // A plot with an empty title has no ink there: the check can fail.
    const blank = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/></svg>');
    expect(await darkPixels(blank, { left: 0, top: 0, width: 300, height: 40 })).toBe(0);
  });

  it('rejects a bad PNG scale', async () => {
    await expect(svgToPng('<svg/>', { scale: 0 })).rejects.toThrow(/scale must be in \(0, 8\], got 0/);
  });
});
