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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = value === undefined ? 'missing' : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Reads and checks the settings a model saved by `cxr train` carries, with the rules `cxr predict`
 * applies: a threshold in [0, 1] (required: a model without one cannot label images), an image
 * size matching the model's input, two different class names, `decode.fit` fill or contain, and a
 * temperature above 0 when calibrated.
 *
 * @param inputSize - the model's own input side (from its input shape), when known.
 * @throws Error with one sentence naming the field and what it must be.
 */
export function readModelSettings(metadata: unknown, inputSize: number | undefined): ViewerModelSettings {
  const m = isObject(metadata) ? metadata : {};
  const invalid = (field: string, value: unknown, rule: string): Error =>
    new Error(`The model's metadata (model.json) has an invalid ${field} (${show(value)}): it must be ${rule}; use the model folder written by cxr train.`);
  let imageSize = inputSize;
  if ('imageSize' in m) {
    const v = m['imageSize'];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 8 || v > 4096) throw invalid('imageSize', v, 'a whole number of pixels between 8 and 4096');
    if (inputSize !== undefined && v !== inputSize) throw invalid('imageSize', v, `the model's own input size, ${inputSize}`);
    imageSize = v;
  }
  if (imageSize === undefined) throw new Error('The model takes images of any size and its model.json stores no imageSize; add "imageSize" to its metadata.');
  let fit: 'fill' | 'contain' = 'fill';
  if ('decode' in m) {
    const decode = m['decode'];
    if (!isObject(decode)) throw invalid('decode', decode, 'an object of decode settings such as {"fit": "fill"}');
    if (decode['fit'] !== undefined) {
      if (decode['fit'] !== 'fill' && decode['fit'] !== 'contain') throw invalid('decode.fit', decode['fit'], '"fill" or "contain"');
      fit = decode['fit'];
    }
  }
  let classNames: [string, string] = ['NORMAL', 'PNEUMONIA'];
  if ('classNames' in m) {
    const names = m['classNames'];
    if (!Array.isArray(names) || names.length !== 2 || !names.every((n) => typeof n === 'string' && n.trim() !== '') || names[0] === names[1]) {
      throw invalid('classNames', names, 'two different class names, negative first');
    }
    classNames = [names[0] as string, names[1] as string];
  }
  let temperature = 1;
  let calibrated = false;
  if ('calibration' in m) {
    const c = m['calibration'];
    if (!isObject(c)) throw invalid('calibration', c, 'an object such as {"method": "temperature", "temperature": 1.5}');
    if (c['method'] !== 'temperature') throw invalid('calibration.method', c['method'], '"temperature"');
    const t = c['temperature'];
    if (typeof t !== 'number' || !Number.isFinite(t) || !(t > 0)) throw invalid('calibration.temperature', t, 'a number above 0');
    temperature = t;
    calibrated = true;
  }
  const threshold = m['threshold'];
  if (threshold === undefined) throw new Error('The model stores no threshold (model.json has none, as for a model from elsewhere or a checkpoint); use the model/ folder of a finished cxr train run.');
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw invalid('threshold', threshold, 'a number between 0 and 1');
  const choice = isObject(m['thresholdChoice']) ? m['thresholdChoice'] : undefined;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const sensitivity = num(choice?.['sensitivity']);
  const specificity = num(choice?.['specificity']);
  return {
    imageSize,
    fit,
    threshold,
    thresholdRule: typeof choice?.['rule'] === 'string' ? choice['rule'] : undefined,
    thresholdValidation: sensitivity !== undefined && specificity !== undefined ? { sensitivity, specificity, n: num(choice?.['n']) ?? 0 } : undefined,
    temperature,
    calibrated,
    classNames,
    architecture: typeof m['architecture'] === 'string' ? m['architecture'] : undefined,
    seed: num(m['seed']),
    trainedAt: typeof m['trainedAt'] === 'string' ? m['trainedAt'] : undefined,
  };
}
