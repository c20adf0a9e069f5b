/**
 * Quality check of the training defaults (not a test): trains on the shared chest X-ray data
 * (train+val pooled and re-split 80/20 by patient, test untouched) and reports the test AUC,
 * the time and the machine load.
 *
 *   npx tsx --conditions=@cxr/source bench/quality/library/run.ts [--image-size 128]
 *     [--epochs N] [--batch-size 32] [--learning-rate 1e-3] [--filters 16,32,64,128,256]
 *     [--convs-per-stage 1] [--stem-stride 2] [--limit N] [--backend wasm] [--no-augment]
 *     [--data DIR] [--seed 42]
 *
 * Without flags it uses DEFAULT_TRAINING. Decoded images are cached in the OS temp folder
 * (cxr-quality-<size>.bin) so repeated runs skip decoding. `--limit N` keeps N training images
 * (stratified by order) for quick experiments; validation and test stay whole.
 */
import { decodeImages, scanDataset, type ImageRecord, type Sample } from '@cxr/loader';
import { DEFAULT_TRAINING, buildModel, initBackend, predict, rocAuc, train, type Architecture, type TrainEvent } from '@cxr/model';
import { batch, classWeights, deriveSeed, outputBiasInit, prefetch, resplitRecords, shuffle } from '@cxr/preprocess';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { from, lastValueFrom, tap, toArray } from 'rxjs';

const { values: args } = parseArgs({
  options: {
    'image-size': { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    'learning-rate': { type: 'string' },
    filters: { type: 'string' },
    'convs-per-stage': { type: 'string' },
    'stem-stride': { type: 'string' },
    architecture: { type: 'string' },
    limit: { type: 'string' },
    backend: { type: 'string' },
    'no-augment': { type: 'boolean' },
    data: { type: 'string' },
    seed: { type: 'string' },
    patience: { type: 'string' },
  },
});

const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
const D = DEFAULT_TRAINING;
const size = num(args['image-size'], D.imageSize);
const epochs = num(args.epochs, D.epochs);
const batchSize = num(args['batch-size'], D.batchSize);
const learningRate = num(args['learning-rate'], D.learningRate);
const seed = num(args.seed, 42);
const limit = num(args.limit, 0);
const compact = {
  filters: args.filters === undefined ? D.compact.filters : args.filters.split(',').map(Number),
  convsPerStage: num(args['convs-per-stage'], D.compact.convsPerStage),
  stemStride: num(args['stem-stride'], D.compact.stemStride),
};
const architecture = (args.architecture ?? D.architecture) as Architecture;
const dataRoot = resolve(args.data ?? resolve(import.meta.dirname, '../../../../shared/datasets/chest-xray'));
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** Each line shows the wall clock, the 1-minute load average and this process's CPU seconds so far (robust to other load). */
const log = (...parts: unknown[]): void =>
  console.log(`[${new Date().toISOString().slice(11, 19)} load ${loadavg()[0]?.toFixed(1)} cpu ${cpuSeconds().toFixed(0)}s]`, ...parts);

async function decodeAll(records: readonly ImageRecord[]): Promise<Map<string, Uint8Array>> {
  const cacheBin = join(tmpdir(), `cxr-quality-${size}.bin`);
  const cacheJson = `${cacheBin}.json`;
  if (existsSync(cacheBin) && existsSync(cacheJson)) {
    const paths = JSON.parse(await readFile(cacheJson, 'utf8')) as string[];
    const bin = await readFile(cacheBin);
    const map = new Map<string, Uint8Array>();
    paths.forEach((p, i) => map.set(p, new Uint8Array(bin.buffer, bin.byteOffset + i * size * size, size * size)));
    if (records.every((r) => map.has(r.path))) return map;
  }
  const started = performance.now();
  const samples: Sample[] = await lastValueFrom(from(records).pipe(decodeImages({ size, concurrency: 2 }), toArray()));
  log(`decoded ${samples.length} images at ${size}px in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const bin = new Uint8Array(samples.length * size * size);
  samples.forEach((s, i) => bin.set(s.pixels, i * size * size));
  await writeFile(cacheBin, bin);
  await writeFile(cacheJson, JSON.stringify(samples.map((s) => s.record.path)));
  return new Map(samples.map((s) => [s.record.path, s.pixels]));
}

const backend = await initBackend({ backend: (args.backend ?? 'wasm') as 'wasm' });
log(`backend ${backend.name}: ${backend.reason}`);

const scanned = await lastValueFrom(scanDataset(dataRoot).pipe(toArray()));
const { records, report } = resplitRecords(scanned, { seed: deriveSeed(seed, 'split'), valFraction: D.valFraction });
log('split', JSON.stringify({ train: report.counts.train.total, val: report.counts.val.total, test: report.counts.test.total }));
const pixels = await decodeAll(records);
const toSample = (r: ImageRecord): Sample => ({ record: r, pixels: pixels.get(r.path) as Uint8Array, height: size, width: size });
let trainSamples = records.filter((r) => r.split === 'train').map(toSample);
if (limit > 0) {
  const step = trainSamples.length / limit;
  trainSamples = Array.from({ length: limit }, (_, i) => trainSamples[Math.floor(i * step)] as Sample);
}
const valSamples = records.filter((r) => r.split === 'val').map(toSample);
const testSamples = records.filter((r) => r.split === 'test').map(toSample);
const counts = {
  negatives: trainSamples.filter((s) => s.record.label === 0).length,
  positives: trainSamples.filter((s) => s.record.label === 1).length,
};

const model = buildModel({
  architecture,
  imageSize: size,
  seed: deriveSeed(seed, 'model'),
  augment: args['no-augment'] === true ? false : D.augment,
  outputBias: outputBiasInit(counts),
  compact,
});
log(`${architecture} ${JSON.stringify(compact)}: ${model.countParams()} parameters; ${trainSamples.length} train images, ${epochs} epochs, batch ${batchSize}, lr ${learningRate}`);

const started = performance.now();
const cpuStarted = cpuSeconds();
const events: TrainEvent[] = await lastValueFrom(
  train({
    model,
    trainBatches: (epoch, demand) =>
      from(trainSamples).pipe(shuffle({ seed: deriveSeed(seed, 'shuffle'), epoch }), batch({ size: batchSize }), prefetch({ bufferSize: 2, demand })),
    valBatches: () => from(valSamples).pipe(batch({ size: 64 })),
    epochs,
    classWeights: classWeights(counts),
    learningRate,
    patience: num(args.patience, D.patience),
    reduceLrPatience: D.reduceLrPatience,
    reduceLrFactor: D.reduceLrFactor,
    minLearningRate: D.minLearningRate,
  }).pipe(
    tap((e) => {
      if (e.kind !== 'step') log(JSON.stringify(e));
      else if (e.step % 20 === 0) log(`epoch ${e.epoch} step ${e.step}/${e.stepsPerEpoch ?? '?'} loss ${e.loss.toFixed(4)} ${e.imagesPerSecond.toFixed(1)} images/s`);
    }),
    toArray(),
  ),
);
const trainSeconds = (performance.now() - started) / 1000;
const steps = events.filter((e): e is Extract<TrainEvent, { kind: 'step' }> => e.kind === 'step');
const trainCpu = cpuSeconds() - cpuStarted;
log(
  `training took ${trainSeconds.toFixed(0)} s wall, ${trainCpu.toFixed(0)} CPU s (${(steps.length * batchSize / trainSeconds).toFixed(1)} images/s wall incl. validation; ` +
    `${(steps.length * batchSize / trainCpu).toFixed(1)} images per CPU-second)`,
);

const t0 = performance.now();
const predictions = await lastValueFrom(from(testSamples).pipe(batch({ size: 64 }), predict({ model }), toArray()));
const auc = rocAuc(
  predictions.map((p) => p.probability),
  predictions.map((p) => p.label ?? 0),
);
const accuracy = predictions.filter((p) => (p.probability >= 0.5 ? 1 : 0) === p.label).length / predictions.length;
log(`TEST AUC ${auc?.toFixed(4)} accuracy@0.5 ${accuracy.toFixed(4)} on ${predictions.length} images (inference ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
