import { RandomAugmentLayer } from '@cxr/preprocess';
import type * as tfl from '@tensorflow/tfjs-layers';
import { SeededDropout } from './architectures/seeded-dropout.js';

/**
 * The random augmentation layers of `@cxr/preprocess` draw, on training call `k`, parameters
 * derived from their seed and `k`: their whole random state is that call counter. These helpers
 * read and restore it so a resumed run draws exactly what the uninterrupted run would have drawn.
 * The model's seeded dropout layers keep the same kind of counter and are included, after them.
 */
function randomLayers(model: tfl.LayersModel): (RandomAugmentLayer | SeededDropout)[] {
  const layers = model.layers as unknown[];
  return [
    ...layers.filter((layer): layer is RandomAugmentLayer => layer instanceof RandomAugmentLayer),
    ...layers.filter((layer): layer is SeededDropout => layer instanceof SeededDropout),
  ];
}

/** Training-call counters of the model's random layers, in layer order. */
export function augmentationState(model: tfl.LayersModel): number[] {
  return randomLayers(model).map((layer) => layer.trainingCalls);
}

/** Puts counters saved by {@link augmentationState} back (ignored when the layers differ in number). */
export function restoreAugmentationState(model: tfl.LayersModel, calls: readonly number[] | undefined): void {
  const layers = randomLayers(model);
  if (calls === undefined || calls.length !== layers.length) return;
  layers.forEach((layer, i) => {
    layer.trainingCalls = calls[i] as number;
  });
}
