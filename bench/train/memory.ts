/**
 * Memory over a long training run: after every epoch, the live tensors, the backend's data ids, the
 * WASM heap, and the process's RSS, V8 heap and ArrayBuffer bytes. The data path is the one
 * `cxr train` uses (shared train images decoded once into a memory cache, shuffled batches per epoch,
 * a validation pass and checkpoints every epoch, the default compact CNN with its augmentation).
 * Levels that climb epoch after epoch are a leak; RSS alone moves by tens of MB with the allocator.
 * Each reading is taken when the next epoch asks for its batches (and once after the last epoch), after
 * a full garbage collection and a short pause for V8 to free the collected buffers: the V8 heap and
 * ArrayBuffer figures are what is still reachable.
 *
 *   npx tsx --conditions=@cxr/source bench/train/memory.ts [--images 600] [--size 128] [--epochs 10] [--batch 32] [--threads N]
 *
 * Prints a table (it writes no file; bench/train/RESULTS.md keeps the runs that were made, by hand).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { concatMap, defer, firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import * as tf from '@tensorflow/tfjs';
import { decodeImages, scanDataset, type ImageRecord } from '@cxr/loader';
import { cacheSamples, classWeights, deriveSeed, loadBatches, outputBiasInit } from '@cxr/preprocess';
import { buildModel, DEFAULT_TRAINING, initBackend, train } from '@cxr/model';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '600' },
    size: { type: 'string', default: '128' },
    epochs: { type: 'string', default: '10' },
    batch: { type: 'string', default: '32' },
    threads: { type: 'string' },
    data: { type: 'string', default: resolve(repoRoot, '../shared/datasets/chest-xray') },
  },
});
const images = Number(values.images);
const size = Number(values.size);
const epochs = Number(values.epochs);
const batchSize = Number(values.batch);
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
// A full collection before each reading, so the V8 heap and ArrayBuffer figures are what is still reachable.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const backend = await initBackend({ backend: 'wasm', ...(values.threads ? { threads: Number(values.threads) } : {}) });

/** The WASM backend's heap (its WebAssembly.Memory), in bytes; 0 on another backend. */
function wasmHeapBytes(): number {
  type Memory = { readonly buffer: ArrayBufferLike };
  const module = (tf.backend() as unknown as { wasm?: { wasmMemory?: Memory; asm?: { memory?: Memory } } }).wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  return memory?.buffer.byteLength ?? 0;
}

// The first images of each class of the shared train split, in scan order; every fifth to validation.
const all = await firstValueFrom(scanDataset(values.data as string, { splits: ['train'] }).pipe(toArray()));
const pick = (label: 0 | 1): ImageRecord[] => all.filter((r) => r.label === label).slice(0, Math.ceil(images / 2));
const chosen = [...pick(0), ...pick(1)].slice(0, images);
const trainRecords = chosen.filter((_, i) => i % 5 !== 0);
const valRecords = chosen.filter((_, i) => i % 5 === 0);
const counts = { negatives: trainRecords.filter((r) => r.label === 0).length, positives: trainRecords.filter((r) => r.label === 1).length };
const samples = cacheSamples({ mode: 'memory' }, decodeImages({ size }));
const seed = 42;
const model = buildModel({ imageSize: size, seed: deriveSeed(seed, 'model'), augment: DEFAULT_TRAINING.augment, outputBias: outputBiasInit(counts), compact: DEFAULT_TRAINING.compact });
const checkpoints = mkdtempSync(join(tmpdir(), 'cxr-bench-memory-'));

interface Row {
  readonly epoch: number | 'end';
  readonly seconds: number;
  readonly tensors: number;
  readonly dataIds: number;
  readonly wasmMb: string;
  readonly rssMb: string;
  readonly heapMb: string;
  readonly arrayBuffersMb: string;
}
const rows: Row[] = [];
const started = performance.now();
const load = loadavg().map((x) => x.toFixed(2)).join(', ');
console.log(`bench/train/memory: ${trainRecords.length} train + ${valRecords.length} val images at ${size} px, batch ${batchSize}, ${epochs} epochs; ${backend.name} with ${backend.threads} thread(s) of ${availableParallelism()} cores; load ${load}`);
console.log('epoch  seconds  tensors  data ids  wasm heap MB  RSS MB  V8 heap MB  ArrayBuffers MB');
/** Collects garbage, lets V8 free the buffers, and prints the levels after `epoch` (`end`: after training, its optimizer freed). */
async function reading(epoch: number | 'end'): Promise<void> {
  gc();
  await new Promise((resolveTimer) => setTimeout(resolveTimer, 50));
  const usage = process.memoryUsage();
  const row: Row = {
    epoch,
    seconds: Math.round((performance.now() - started) / 1000),
    tensors: tf.memory().numTensors,
    dataIds: tf.engine().backend.numDataIds(),
    wasmMb: mb(wasmHeapBytes()),
    rssMb: mb(usage.rss),
    heapMb: mb(usage.heapUsed),
    arrayBuffersMb: mb(usage.arrayBuffers),
  };
  rows.push(row);
  console.log(
    [String(row.epoch).padStart(5), String(row.seconds).padStart(7), String(row.tensors).padStart(7), String(row.dataIds).padStart(8), row.wasmMb.padStart(12), row.rssMb.padStart(6), row.heapMb.padStart(10), row.arrayBuffersMb.padStart(15)].join('  '),
  );
}

await lastValueFrom(
  train({
    model,
    // Epoch e's batches are asked for once epoch e - 1 is over (its validation and checkpoints written): read the levels then.
    trainBatches: (epoch, demand) =>
      defer(() => from(epoch > 1 ? reading(epoch - 1) : Promise.resolve())).pipe(
        concatMap(() => from(trainRecords).pipe(loadBatches({ decode: samples, size: batchSize, seed, epoch, demand }))),
      ),
    valBatches: (demand) => from(valRecords).pipe(loadBatches({ decode: samples, size: batchSize, demand })),
    epochs,
    classWeights: classWeights(counts),
    patience: Infinity,
    checkpointDir: checkpoints,
  }),
);
await reading('end');
model.dispose();
rmSync(checkpoints, { recursive: true, force: true });

// Growth per epoch over the readings taken during training, from the second epoch on (the first builds the cache).
const steady = rows.filter((row): row is Row & { epoch: number } => row.epoch !== 'end' && row.epoch >= 2);
if (steady.length >= 2) {
  const first = steady[0] as Row & { epoch: number };
  const last = steady[steady.length - 1] as Row & { epoch: number };
  const span = last.epoch - first.epoch;
  const per = (a: number | string, b: number | string, digits: number): string => ((Number(b) - Number(a)) / span).toFixed(digits);
  console.log(
    `per epoch from epoch ${first.epoch} to ${last.epoch}: tensors ${per(first.tensors, last.tensors, 1)}, data ids ${per(first.dataIds, last.dataIds, 1)}, ` +
      `wasm heap ${per(first.wasmMb, last.wasmMb, 2)} MB, RSS ${per(first.rssMb, last.rssMb, 2)} MB, V8 heap ${per(first.heapMb, last.heapMb, 2)} MB, ArrayBuffers ${per(first.arrayBuffersMb, last.arrayBuffersMb, 2)} MB`,
  );
}
