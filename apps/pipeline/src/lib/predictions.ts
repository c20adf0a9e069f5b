import type { ImageRecord, Sample } from '@cxr/loader';
import type { Prediction } from '@cxr/model';
import { predict } from '@cxr/model';
import type { ModelMetadata } from '@cxr/model';
import { loadBatches, toAsyncIterable } from '@cxr/preprocess';
import type { Batch, Demand } from '@cxr/preprocess';
import { from, lastValueFrom, of, toArray, type Observable, type OperatorFunction } from 'rxjs';
import type { LayersModel } from '@tensorflow/tfjs';

/**
 * One pass of batches over records, decoded (or served from the cache) ahead of the consumer and
 * bounded by the consumer's `demand` (preprocess's `loadBatches`); shuffled with the root seed and
 * epoch when `order` is given. Pull it with `toAsyncIterable`, or hand it to `train` as is.
 */
export function batchesOf(
  records: readonly ImageRecord[],
  samples: OperatorFunction<ImageRecord, Sample>,
  batchSize: number,
  order?: { readonly seed: number; readonly epoch: number },
): (demand: Demand) => Observable<Batch> {
  return (demand) => from(records).pipe(loadBatches({ decode: samples, size: batchSize, demand, ...(order ? { seed: order.seed, epoch: order.epoch } : {}) }));
}

/** Runs the model over batches, pulled one at a time (the next batch is asked for once this one is predicted). */
export async function predictBatches(model: LayersModel, batches: (demand: Demand) => Observable<Batch>, metadata?: ModelMetadata): Promise<Prediction[]> {
  const predictor = predict({ model, ...(metadata ? { metadata } : {}) });
  const out: Prediction[] = [];
  for await (const batch of toAsyncIterable(batches)) out.push(...(await lastValueFrom(of(batch).pipe(predictor, toArray()))));
  return out;
}

/** Probabilities and labels as typed arrays (labelled predictions only). */
export function scores(predictions: readonly Prediction[]): { probs: Float64Array; labels: Uint8Array } {
  const labelled = predictions.filter((p) => p.label === 0 || p.label === 1);
  return { probs: Float64Array.from(labelled, (p) => p.probability), labels: Uint8Array.from(labelled, (p) => p.label ?? 0) };
}
