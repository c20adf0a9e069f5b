import type { TrainEvent } from '@cxr/model';
import { createRng } from '@cxr/preprocess';
import { chooseThreshold, evaluatePredictions, pickOutcomeExamples } from '@cxr/eval';
import { samplePredictions } from '@cxr/eval/testing';
import { gradCamOverlayPng } from '../lib/grad-cam-overlay-png.js';
import type { CamExample, ReportData } from '../lib/report-types.js';

/** Uniform numbers in [0, 1) from preprocess's seeded generator. */
function seededUniform(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}

/** An X-ray-like grey test image: a dark field with two bright "lungs" and some texture. */
export function sampleXray(size: number, seed: number): Uint8Array {
  const rand = seededUniform(seed);
  const px = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const lung = (cx: number): number => Math.exp(-(((x - cx) / (size * 0.18)) ** 2 + ((y - size * 0.5) / (size * 0.3)) ** 2));
      px[y * size + x] = Math.min(255, Math.round(30 + 170 * (lung(size * 0.3) + lung(size * 0.7)) + 25 * rand()));
    }
  }
  return px;
}

function sampleTraining(epochs: number): TrainEvent[] {
  return Array.from({ length: epochs }, (_, i) => ({
    kind: 'epoch' as const,
    epoch: i + 1,
    loss: 0.7 * Math.exp(-i / 3) + 0.1,
    valLoss: 0.75 * Math.exp(-i / 4) + 0.15,
    valAccuracy: 0.6 + 0.3 * (1 - Math.exp(-i / 2)),
    valAuc: 0.65 + 0.3 * (1 - Math.exp(-i / 2)),
    learningRate: 1e-3,
    imagesPerSecond: 40,
    seconds: 30,
    inputWaitSeconds: 0.2,
    trainSeconds: 25,
    steps: 31,
    improved: true,
  }));
}

/**
 * A complete, realistic {@link ReportData} for report tests: seeded val/test predictions, the
 * threshold chosen on val, a training history, an audit object, run facts and Grad-CAM overlays
 * (synthetic heatmaps on synthetic X-rays). `hostile` puts HTML-like text in ids and config to test escaping.
 */
export async function sampleReportData(options: { readonly seed?: number; readonly hostile?: boolean; readonly camSize?: number } = {}): Promise<ReportData> {
  const seed = options.seed ?? 1;
  const val = samplePredictions(80, seed, 'val');
  const test = samplePredictions(120, seed + 1, options.hostile ? 'te<script>alert(1)</script>st' : 'test');
  const choice = chooseThreshold(
    val.map((p) => p.probability),
    val.map((p) => p.label as number),
  );
  const valReport = evaluatePredictions(val, { threshold: choice.threshold, split: 'val' });
  const testReport = evaluatePredictions(test, { threshold: choice.threshold, split: 'test' });
  const size = options.camSize ?? 64;
  const cams: CamExample[] = [];
  for (const [k, pick] of pickOutcomeExamples(testReport.predictions, choice.threshold, 2).entries()) {
    const heat = new Float32Array(8 * 8).map((_, i) => Math.max(0, Math.sin((i + k) * 0.7)));
    const png = await gradCamOverlayPng(sampleXray(size, seed + k), size, size, { values: heat, height: 8, width: 8 });
    cams.push({ ...pick, png, split: 'test', layerName: 'compact_s5_c2_relu' });
  }
  return {
    title: options.hostile ? 'Report <b>bold</b> & "quoted"' : 'cxr evaluation report',
    threshold: { ...choice, chosenOn: 'val' },
    splits: { val: valReport, test: testReport },
    training: sampleTraining(6),
    audit: {
      root: '/data/chest-xray',
      counts: [
        { split: 'train', NORMAL: 1341, PNEUMONIA: 3875 },
        { split: 'test', NORMAL: 234, PNEUMONIA: 390 },
      ],
      rejected: [{ path: options.hostile ? '/data/<img src=x onerror=alert(1)>.jpeg' : '/data/bad.jpeg', reason: 'truncated JPEG' }],
      duplicates: [['/data/a.jpeg', '/data/b.jpeg']],
      crossSplitGroups: [],
    },
    run: {
      seed: 42,
      backend: 'cpu (wasm unavailable: test)',
      startedAt: '2026-01-01T00:00:00.000Z',
      config: { epochs: 6, imageSize: 224, note: options.hostile ? '</td></tr></table><script>alert(1)</script>' : 'defaults' },
      versions: { node: process.versions.node, '@tensorflow/tfjs': '4.22.0' },
      timings: { scan: 1.5, train: 180.25, evaluate: 4 },
    },
    cams,
  };
}
