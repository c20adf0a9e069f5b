/**
 * Ablation runner: trains recipes in one process, the way `cxr train` does (same re-split, same
 * seeds, same batches, same model and trainer), and records for each run the logits of the
 * validation split, the carved test split and the external set, so any calibration or threshold
 * rule can be compared afterwards on the same models.
 *
 *   npx tsx --conditions=@cxr/source bench/quality/ablate.ts --recipe bench/quality/recipes/default.json \
 *     --seeds 1,2,3 [--label NAME] [--runs bench/quality/runs] [--data DIR] [--external DIR]
 *
 * A recipe is a JSON object of training settings over DEFAULT_TRAINING (`imageSize`, `epochs`,
 * `augment: { shift, gamma, ... }`, `compact: { filters, ... }`, `learningRate`, ...). Each run writes
 * `<runs>/<label>-seed<N>.json` (settings, timings, logits, labels); `summarize.ts` turns the runs
 * into the ablation table. Decoded images are kept in memory for every seed of one invocation.
 */
import { decodeImages, decodeSettingsKey, scanDataset, type ImageRecord, type Sample } from '@cxr/loader';
import { DEFAULT_TRAINING, buildModel, initBackend, train, type TrainEvent, type TrainingDefaults } from '@cxr/model';
import { cacheSamples, classWeights, type Batch, type Demand, deriveSeed, loadBatches, outputBiasInit, resplitRecords, toAsyncIterable } from '@cxr/preprocess';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { from, lastValueFrom, toArray, type Observable, type OperatorFunction } from 'rxjs';

const here = import.meta.dirname;
const { values: args } = parseArgs({
  options: {
    recipe: { type: 'string' },
    seeds: { type: 'string', default: '1,2,3' },
    label: { type: 'string' },
    runs: { type: 'string', default: join(here, 'runs') },
    data: { type: 'string', default: resolve(here, '../../../shared/datasets/chest-xray') },
    external: { type: 'string', default: resolve(here, '../../../shared/datasets/chest-xray-external') },
    backend: { type: 'string', default: 'auto' },
  },
});
if (args.recipe === undefined) throw new Error('ablate: give --recipe FILE (a JSON object of training settings)');
const recipeFile = resolve(args.recipe);
const recipe = JSON.parse(readFileSync(recipeFile, 'utf8')) as Omit<Partial<TrainingDefaults>, 'patience'> & { patience?: number | null };
const settings: TrainingDefaults = {
  ...DEFAULT_TRAINING,
  ...recipe,
  augment: { ...DEFAULT_TRAINING.augment, ...(recipe.augment ?? {}) },
  compact: { ...DEFAULT_TRAINING.compact, ...(recipe.compact ?? {}) },
  // as in cxr train's config files, a null patience means no early stopping
  patience: recipe.patience === null ? Infinity : (recipe.patience ?? DEFAULT_TRAINING.patience),
};
const label = args.label ?? basename(recipeFile, '.json');
const seeds = args.seeds.split(',').map(Number);
mkdirSync(args.runs, { recursive: true });

const log = (...parts: unknown[]): void => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);

const backend = await initBackend({ backend: args.backend as 'auto' });
log(`backend ${backend.name} (${backend.reason}); recipe ${label}: ${JSON.stringify(settings)}`);

const decode = { size: settings.imageSize, fit: 'fill' as const };
const samplesOf = (): OperatorFunction<ImageRecord, Sample> => cacheSamples({ mode: 'memory', settingsKey: decodeSettingsKey(decode) }, decodeImages({ ...decode }));
const scan = (root: string): Promise<ImageRecord[]> => lastValueFrom(scanDataset(root).pipe(toArray()));
const trainSamples = samplesOf();
const externalSamples = samplesOf();
const scanned = await scan(args.data);
const externalRecords = (await scan(args.external)).filter((r) => r.split === 'test');
const t0 = performance.now();
// Decode once into the memory caches; every later pass is served from memory.
const decoded = await lastValueFrom(from(scanned).pipe(trainSamples, toArray()));
await lastValueFrom(from(externalRecords).pipe(externalSamples, toArray()));
log(`decoded ${decoded.length} + ${externalRecords.length} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const usable = decoded.map((s) => s.record);

const batchesOf = (records: readonly ImageRecord[], samples: OperatorFunction<ImageRecord, Sample>, order?: { seed: number; epoch: number }) =>
  (demand: Demand): Observable<Batch> => from(records).pipe(loadBatches({ decode: samples, size: settings.batchSize, demand, ...(order ?? {}) }));

/** Logits of the model over records (and over their mirror images when `flip`), in record order. */
async function logits(model: tfl.LayersModel, records: readonly ImageRecord[], samples: OperatorFunction<ImageRecord, Sample>, flip: boolean): Promise<number[]> {
  const out: number[] = [];
  for await (const b of toAsyncIterable((demand) => from(records).pipe(loadBatches({ decode: samples, size: 64, demand })))) {
    const values = tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(b.x), [...b.shape] as [number, number, number, number], 'float32');
      return (model.predict(flip ? x.reverse(2) : x) as tf.Tensor).reshape([-1]);
    });
    out.push(...(await values.data()));
    values.dispose();
  }
  return out;
}

for (const seed of seeds) {
  const file = join(args.runs, `${label}-seed${seed}.json`);
  const { records } = resplitRecords(usable, { seed, valFraction: settings.valFraction });
  const trainRecords = records.filter((r) => r.split === 'train');
  const valRecords = records.filter((r) => r.split === 'val');
  const testRecords = records.filter((r) => r.split === 'test');
  const counts = { negatives: trainRecords.filter((r) => r.label === 0).length, positives: trainRecords.filter((r) => r.label === 1).length };
  const model = buildModel({
    architecture: settings.architecture,
    imageSize: settings.imageSize,
    seed: deriveSeed(seed, 'model'),
    augment: settings.augment,
    outputBias: outputBiasInit(counts),
    compact: settings.compact,
  });
  const started = performance.now();
  const events: TrainEvent[] = await lastValueFrom(
    train({
      model,
      trainBatches: (epoch, demand) => batchesOf(trainRecords, trainSamples, { seed, epoch })(demand),
      valBatches: batchesOf(valRecords, trainSamples),
      epochs: settings.epochs,
      classWeights: classWeights(counts),
      labelSmoothing: settings.labelSmoothing,
      schedule: settings.schedule,
      learningRate: settings.learningRate,
      patience: settings.patience,
      reduceLrPatience: settings.reduceLrPatience,
      reduceLrFactor: settings.reduceLrFactor,
      minLearningRate: settings.minLearningRate,
      stepsPerEpoch: Math.ceil(trainRecords.length / settings.batchSize),
    }).pipe(toArray()),
  );
  const trainSeconds = (performance.now() - started) / 1000;
  for (const e of events) if (e.kind === 'epoch') log(`seed ${seed} epoch ${e.epoch}: loss ${e.loss.toFixed(4)} val AUC ${e.valAuc?.toFixed(4)} ${e.imagesPerSecond.toFixed(0)} img/s`);
  const sets = { val: valRecords, test: testRecords, external: externalRecords };
  const result: Record<string, unknown> = {
    label,
    recipe,
    settings,
    seed,
    backend: backend.name,
    trainSeconds,
    parameters: model.countParams(),
    epochs: events.filter((e) => e.kind === 'epoch').length,
    stopped: events.find((e) => e.kind === 'stopped'),
  };
  for (const [name, set] of Object.entries(sets)) {
    const samples = name === 'external' ? externalSamples : trainSamples;
    result[name] = {
      paths: set.map((r) => r.path),
      labels: set.map((r) => r.label),
      logits: await logits(model, set, samples, false),
      flipLogits: await logits(model, set, samples, true),
    };
  }
  writeFileSync(`${file}.tmp`, JSON.stringify(result));
  renameSync(`${file}.tmp`, file);
  log(`seed ${seed}: ${trainSeconds.toFixed(0)} s; wrote ${file}`);
  model.dispose();
}
