import type { ModelMetadata } from '@cxr/model';
import type { LayersModel } from '@tensorflow/tfjs';

/** What `evaluate` and `predict` need from a saved model, read from its metadata (or its input shape). */
export interface ModelSettings {
  readonly imageSize: number;
  readonly fit: 'fill' | 'contain';
  /** The threshold chosen on validation when the model was trained; 0.5 for a model without one. */
  readonly threshold: number;
  readonly thresholdSource: 'model' | 'default';
  /** Class names by label: [negative, positive]. */
  readonly classNames: readonly [string, string];
}

export function modelSettings(model: LayersModel, metadata: ModelMetadata): ModelSettings {
  const inputShape = model.inputs[0]?.shape ?? [];
  const fromShape = typeof inputShape[1] === 'number' ? inputShape[1] : 224;
  const imageSize = typeof metadata['imageSize'] === 'number' ? metadata['imageSize'] : fromShape;
  const decode = metadata['decode'] as { fit?: unknown } | undefined;
  const fit = decode?.fit === 'contain' ? 'contain' : 'fill';
  const stored = metadata['threshold'];
  const threshold = typeof stored === 'number' && stored >= 0 && stored <= 1 ? stored : 0.5;
  const names = metadata['classNames'];
  const classNames: [string, string] = Array.isArray(names) && names.length === 2 && names.every((n) => typeof n === 'string') ? [names[0] as string, names[1] as string] : ['NORMAL', 'PNEUMONIA'];
  return { imageSize, fit, threshold, thresholdSource: typeof stored === 'number' ? 'model' : 'default', classNames };
}
