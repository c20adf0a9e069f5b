import { modelSettings, parseModelMetadata } from '@cxr/model/browser';

/** What the page needs from a saved model's metadata (model.json's `userDefinedMetadata`). */
export interface ViewerModelSettings {
  /** Side of the square grey input, in pixels. */
  readonly imageSize: number;
  /** How the X-ray is fitted into the square: stretched (`fill`) or padded with black (`contain`). */
  readonly fit: 'fill' | 'contain';
  /** The operating threshold on the calibrated probability of the positive class. */
  readonly threshold: number;
  /** The rule that chose the threshold on validation, when stored (e.g. `sensitivity:0.98`). */
  readonly thresholdRule: string | undefined;
  /** Validation sensitivity and specificity at the threshold, when stored. */
  readonly thresholdValidation: { readonly sensitivity: number; readonly specificity: number; readonly n: number } | undefined;
  /** Temperature of the calibration: probability = sigmoid(logit / temperature); 1 without one. */
  readonly temperature: number;
  readonly calibrated: boolean;
  /** Class names by label: [negative, positive]. */
  readonly classNames: readonly [string, string];
  readonly architecture: string | undefined;
  readonly seed: number | undefined;
  readonly trainedAt: string | undefined;
}

/**
 * Reads and checks the settings a model saved by `cxr train` carries, with the reader `cxr predict`
 * uses (`parseModelMetadata` and `modelSettings` of `@cxr/model`): a threshold in [0, 1], an image
 * size matching the model's input, two different class names, `decode.fit` fill or contain, a
 * temperature above 0 when calibrated. The page also needs the threshold itself: a model without
 * one cannot label images.
 *
 * @param inputSize - the model's own input side (from its input shape), when known.
 * @param source - where the metadata was read from, named in errors (default `model.json`).
 * @throws Error with one sentence naming the field and what it must be.
 */
export function readModelSettings(metadata: unknown, inputSize: number | undefined, source = 'model.json'): ViewerModelSettings {
  const stored = parseModelMetadata(metadata, { source, inputSize });
  const settings = modelSettings(stored, { source, inputSize });
  if (settings.threshold === undefined) {
    throw new Error(`The model stores no threshold (${source} has none, as for a model from elsewhere or a checkpoint); use the model/ folder of a finished cxr train run.`);
  }
  const choice = stored.thresholdChoice;
  return {
    imageSize: settings.imageSize,
    fit: settings.fit,
    threshold: settings.threshold,
    thresholdRule: choice?.rule,
    thresholdValidation: choice !== undefined && choice.specificity !== null ? { sensitivity: choice.sensitivity, specificity: choice.specificity, n: choice.n } : undefined,
    temperature: settings.temperature,
    calibrated: settings.calibration !== undefined,
    classNames: settings.classNames,
    architecture: stored.architecture,
    seed: stored.seed,
    trainedAt: stored.trainedAt,
  };
}
