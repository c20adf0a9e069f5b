/**
 * Eval benchmark: the metrics against their O(n^2) definitions, evaluate() on dataset-sized
 * splits, writeReport() time and size, and Grad-CAM against a plain forward pass, all in one run.
 *
 * Run from the repository root:
 *   npx tsx --conditions=@cxr/source bench/eval/run.ts [--no-write]
 * Writes the figures to bench/eval/RESULTS.md.
 */
import { mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { aucConfidenceInterval, evaluatePredictions, pickOutcomeExamples, rocCurve, chooseThreshold } from '@cxr/eval';
import { bruteForceAuc, samplePredictions } from '@cxr/eval/testing';
import { gradCam, gradCamOverlayPng, writeReport, type CamExample } from '@cxr/report';
import { sampleReportData, sampleXray } from '@cxr/report/testing';
import { buildModel, initBackend } from '@cxr/model';

const here = dirname(fileURLToPath(import.meta.url));
const write = !process.argv.includes('--no-write');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function time(fn: () => unknown, reps: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** DeLong's components by their definition, O(P x N): the baseline for aucConfidenceInterval. */
function bruteForceDelong(probs: number[], labels: number[]): number {
  const pos = probs.filter((_, i) => labels[i] === 1);
  const neg = probs.filter((_, i) => labels[i] === 0);
  const psi = (x: number, y: number): number => (x > y ? 1 : x === y ? 0.5 : 0);
  const v10 = pos.map((x) => neg.reduce((s, y) => s + psi(x, y), 0) / neg.length);
  const v01 = neg.map((y) => pos.reduce((s, x) => s + psi(x, y), 0) / pos.length);
  const variance = (v: number[]): number => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
  };
  return Math.sqrt(variance(v10) / pos.length + variance(v01) / neg.length);
}

const lines: string[] = [];
const log = (s: string): void => {
  console.log(s);
  lines.push(s);
};

log(`# Eval benchmark\n`);
log(`Command: \`npx tsx --conditions=@cxr/source bench/eval/run.ts\` (${new Date().toISOString()}, Node ${process.versions.node}, ${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(1)}).`);
log('Shared, noisy machine: compare the ratios within a row, not absolute times across runs.\n');

log('## Metrics vs their O(n^2) definitions (median ms)\n');
log('| n | rocCurve + AUC | brute-force AUC (baseline) | speed-up | DeLong CI | brute-force DeLong (baseline) | speed-up | evaluatePredictions (everything) |');
log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const n of [624, 5856, 20000]) {
  const preds = samplePredictions(n, 7, 'b');
  const probs = preds.map((p) => p.probability);
  const labels = preds.map((p) => p.label as number);
  const reps = n > 10000 ? 3 : 7;
  const ours = await time(() => rocCurve(probs, labels), reps);
  const base = await time(() => bruteForceAuc(probs, labels), n > 10000 ? 1 : 3);
  const ci = await time(() => aucConfidenceInterval(probs, labels), reps);
  const ciBase = await time(() => bruteForceDelong(probs, labels), n > 10000 ? 1 : 3);
  const all = await time(() => evaluatePredictions(preds, { threshold: 0.5 }), reps);
  const check = Math.abs((rocCurve(probs, labels).auc as number) - (bruteForceAuc(probs, labels) as number));
  if (check > 1e-12) throw new Error(`AUC mismatch ${check}`);
  log(`| ${n} | ${ours.toFixed(2)} | ${base.toFixed(1)} | ${(base / ours).toFixed(0)}x | ${ci.toFixed(2)} | ${ciBase.toFixed(1)} | ${(ciBase / ci).toFixed(0)}x | ${all.toFixed(1)} |`);
}

log('\n## writeReport (test split of 624, val of 520, 6 epochs, 8 Grad-CAM overlays at 224 px)\n');
{
  const base = await sampleReportData({ camSize: 224 });
  const val = samplePredictions(520, 11, 'val');
  const test = samplePredictions(624, 12, 'test');
  const choice = chooseThreshold(val.map((p) => p.probability), val.map((p) => p.label as number));
  const testReport = evaluatePredictions(test, { threshold: choice.threshold, split: 'test' });
  const cams: CamExample[] = [];
  for (const [k, pick] of pickOutcomeExamples(testReport.predictions, choice.threshold, 2).entries()) {
    const heat = new Float32Array(14 * 14).map((_, i) => Math.max(0, Math.sin((i + k) * 0.37)));
    cams.push({ ...pick, png: await gradCamOverlayPng(sampleXray(224, k), 224, 224, { values: heat, height: 14, width: 14 }) });
  }
  const data = { ...base, threshold: { ...choice, chosenOn: 'val' }, splits: { val: evaluatePredictions(val, { threshold: choice.threshold, split: 'val' }), test: testReport }, cams };
  const dir = await mkdtemp(join(tmpdir(), 'cxr-bench-report-'));
  const ms = await time(() => writeReport(dir, data), 3);
  const html = (await stat(join(dir, 'report.html'))).size;
  const json = (await stat(join(dir, 'report.json'))).size;
  let plots = 0;
  const plotFiles = await readdir(join(dir, 'plots'));
  for (const f of plotFiles) plots += (await stat(join(dir, 'plots', f))).size;
  await rm(dir, { recursive: true, force: true });
  log(`| median time | report.html | report.json | plots/ (${plotFiles.length} files) |`);
  log('| ---: | ---: | ---: | ---: |');
  log(`| ${(ms / 1000).toFixed(2)} s | ${(html / 1024).toFixed(0)} KiB | ${(json / 1024).toFixed(0)} KiB | ${(plots / 1024).toFixed(0)} KiB |`);
}

log('\n## Grad-CAM vs a plain forward pass (compact-cnn, 224 px, one image; median ms)\n');
{
  const choice = await initBackend();
  log(`Backend: ${choice.name}.\n`);
  const model = buildModel({ imageSize: 224, seed: 1 });
  const image = { pixels: sampleXray(224, 3), height: 224, width: 224 };
  const forward = await time(async () => {
    const out = tf.tidy(() => model.predict(tf.tensor4d(Float32Array.from(image.pixels), [1, 224, 224, 1])) as tf.Tensor);
    await out.data();
    out.dispose();
  }, 5);
  const before = tf.memory().numTensors;
  const cam = await time(() => gradCam(model, image), 5);
  const leaked = tf.memory().numTensors - before;
  log('| forward pass (baseline) | gradCam | ratio | tensors left after 5 CAMs |');
  log('| ---: | ---: | ---: | ---: |');
  log(`| ${forward.toFixed(0)} | ${cam.toFixed(0)} | ${(cam / forward).toFixed(1)}x | ${leaked} |`);
  model.dispose();
}

if (write) {
  const out = join(here, 'RESULTS.md');
  await writeFile(`${out}.tmp`, `${lines.join('\n')}\n`);
  await rename(`${out}.tmp`, out);
  console.log(`\nwrote ${out}`);
}
