// The saved model's metadata: its schema, the reader and writer checks, and the settings it gives.
// Browser-safe: no Node module, no TensorFlow.js (a browser viewer reads a model's metadata with it).
import { UsageError } from '@cxr/loader/browser';

/** How an image was fitted to the model's square input when it was decoded. */
export type DecodeFit = 'fill' | 'contain';

/** The decode settings a model was trained with. */
export interface StoredDecodeSettings {
  /** Side of the square the images were resized to (the model's input size). */
  readonly size?: number;
  /** `fill` (stretch, the default) or `contain` (letterbox). */
  readonly fit?: DecodeFit;
  /** The decode settings' cache key, as the loader computes it. */
  readonly key?: string;
}

/** The calibration stored with a model: temperature scaling fitted on validation. */
export interface StoredCalibration {
  readonly method: 'temperature';
  /** Calibrated probability = sigmoid(logit / temperature). */
  readonly temperature: number;
  /** The split it was fitted on (`val` when the file does not say). */
  readonly fittedOn: string;
  /** Mean negative log-likelihood there before (temperature 1) and after. */
  readonly valNllBefore?: number;
  readonly valNllAfter?: number;
}

/** How the stored threshold was chosen on validation. */
export interface StoredThresholdChoice {
  readonly threshold: number;
  readonly method: 'youden' | 'sensitivity';
  /** Target sensitivity, for `method: 'sensitivity'`. */
  readonly target?: number;
  readonly sensitivity: number;
  readonly specificity: number | null;
  readonly youdenJ: number | null;
  /** How many images the choice was made on. */
  readonly n: number;
  /** The rule as written on the command line, e.g. `sensitivity:0.98`. */
  readonly rule?: string;
  /** The split it was chosen on, e.g. `val`. */
  readonly chosenOn?: string;
}

/** Where a training checkpoint stands (the `last` checkpoint only). */
export interface StoredCheckpointPosition {
  readonly epochsDone: number;
  readonly stepInEpoch: number;
}

/**
 * The metadata saved with a model (model.json's `userDefinedMetadata`). Every field is optional:
 * a model from elsewhere has none. Fields of other names are kept as they are.
 */
export interface ModelMetadata {
  /** The operating threshold on the (calibrated) probability of the positive class, in [0, 1]. */
  readonly threshold?: number;
  readonly thresholdChoice?: StoredThresholdChoice;
  /** Side of the model's square input, in pixels (8 to 4096); equals the model's input size. */
  readonly imageSize?: number;
  /** Class names by label: [negative, positive]. */
  readonly classNames?: readonly [string, string];
  /** Class folder name -> label. */
  readonly classMap?: Readonly<Record<string, 0 | 1>>;
  readonly decode?: StoredDecodeSettings;
  readonly calibration?: StoredCalibration;
  readonly architecture?: string;
  /** The root seed of the run that trained it. */
  readonly seed?: number;
  /** When training finished (ISO 8601). */
  readonly trainedAt?: string;
  /** Checkpoints: the epoch the weights are from, and its validation AUC and loss. */
  readonly epoch?: number;
  readonly valAuc?: number | null;
  readonly valLoss?: number | null;
  readonly checkpoint?: StoredCheckpointPosition;
  readonly [other: string]: unknown;
}

/** What a model's metadata gives the code that runs it, with the defaults filled in. */
export interface ModelSettings {
  readonly imageSize: number;
  readonly fit: DecodeFit;
  /** Class names by label: [negative, positive]; NORMAL and PNEUMONIA when the model stores none. */
  readonly classNames: readonly [string, string];
  /** The stored calibration, when there is one. */
  readonly calibration: StoredCalibration | undefined;
  /** The temperature every probability is computed with: sigmoid(logit / temperature); 1 without calibration. */
  readonly temperature: number;
  /** The stored threshold; undefined for a model without one (a checkpoint, or a model from elsewhere). */
  readonly threshold: number | undefined;
}

/** The class names a model without any gets. */
export const DEFAULT_CLASS_NAMES: readonly [string, string] = ['NORMAL', 'PNEUMONIA'];

/** A field that breaks the schema: its path (`calibration.temperature`), its value and the rule it breaks. */
interface Problem {
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
}

type Check = (value: unknown, field: string) => Problem | undefined;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const has = (object: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);
const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const problem = (field: string, value: unknown, rule: string): Problem => ({ field, value, rule });

const checkNumber =
  (rule: string, ok: (n: number) => boolean): Check =>
  (value, field) =>
    finite(value) && ok(value) ? undefined : problem(field, value, rule);
const checkString: Check = (value, field) => (typeof value === 'string' ? undefined : problem(field, value, 'a string'));
const checkNumberOrNull: Check = (value, field) => (value === null || finite(value) ? undefined : problem(field, value, 'a number or null'));
const checkProbability = checkNumber('a number between 0 and 1', (n) => n >= 0 && n <= 1);
const checkCount = checkNumber('a whole number of at least 0', (n) => Number.isInteger(n) && n >= 0);

/** Checks an object's fields: required ones must be present, optional ones valid when present. */
function checkFields(value: unknown, field: string, rule: string, fields: Record<string, { check: Check; required?: boolean }>): Problem | undefined {
  if (!isObject(value)) return problem(field, value, rule);
  for (const [key, { check, required }] of Object.entries(fields)) {
    if (!has(value, key)) {
      if (required === true) return check(undefined, `${field}.${key}`);
      continue;
    }
    const found = check(value[key], `${field}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** The rule of every field cxr stores, in the order they are checked. */
const FIELDS: Record<string, Check> = {
  imageSize: checkNumber('a whole number of pixels between 8 and 4096', (n) => Number.isInteger(n) && n >= 8 && n <= 4096),
  decode: (value, field) =>
    checkFields(value, field, 'an object of decode settings such as {"fit": "fill"}', {
      fit: { check: (v, f) => (v === 'fill' || v === 'contain' ? undefined : problem(f, v, '"fill" or "contain"')) },
      size: { check: checkNumber('a whole number of pixels', (n) => Number.isInteger(n) && n > 0) },
      key: { check: checkString },
    }),
  classNames: (value, field) =>
    Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'string' && n.trim() !== '') && value[0] !== value[1]
      ? undefined
      : problem(field, value, 'two different class names, negative first, e.g. ["NORMAL", "PNEUMONIA"]'),
  classMap: (value, field) =>
    isObject(value) && Object.values(value).every((label) => label === 0 || label === 1) ? undefined : problem(field, value, 'an object of class folder names to labels 0 or 1, e.g. {"NORMAL": 0, "PNEUMONIA": 1}'),
  calibration: (value, field) =>
    checkFields(value, field, 'an object such as {"method": "temperature", "temperature": 1.5}', {
      method: { check: (v, f) => (v === 'temperature' ? undefined : problem(f, v, '"temperature"')), required: true },
      temperature: { check: checkNumber('a number above 0', (n) => n > 0), required: true },
      fittedOn: { check: checkString },
      valNllBefore: { check: checkNumber('a number', () => true) },
      valNllAfter: { check: checkNumber('a number', () => true) },
    }),
  threshold: checkProbability,
  thresholdChoice: (value, field) =>
    checkFields(value, field, 'an object such as {"threshold": 0.42, "method": "youden", "sensitivity": 0.95, "specificity": 0.9, "youdenJ": 0.85, "n": 1000}', {
      threshold: { check: checkProbability, required: true },
      method: { check: (v, f) => (v === 'youden' || v === 'sensitivity' ? undefined : problem(f, v, '"youden" or "sensitivity"')), required: true },
      target: { check: checkNumber('a number above 0 and at most 1', (n) => n > 0 && n <= 1) },
      sensitivity: { check: checkProbability, required: true },
      specificity: { check: checkNumberOrNull },
      youdenJ: { check: checkNumberOrNull },
      n: { check: checkCount, required: true },
      rule: { check: checkString },
      chosenOn: { check: checkString },
    }),
  architecture: checkString,
  seed: checkNumber('a whole number', Number.isInteger),
  trainedAt: checkString,
  epoch: checkCount,
  valAuc: checkNumberOrNull,
  valLoss: checkNumberOrNull,
  checkpoint: (value, field) =>
    checkFields(value, field, 'an object such as {"epochsDone": 2, "stepInEpoch": 0}', {
      epochsDone: { check: checkCount, required: true },
      stepInEpoch: { check: checkCount, required: true },
    }),
};

/** The first field of `metadata` that breaks the schema, or undefined. */
function findProblem(metadata: Record<string, unknown>, inputSize: number | undefined): Problem | undefined {
  for (const [key, check] of Object.entries(FIELDS)) {
    if (!has(metadata, key)) continue;
    const found = check(metadata[key], key);
    if (found) return found;
  }
  if (has(metadata, 'imageSize') && inputSize !== undefined && metadata['imageSize'] !== inputSize) {
    return problem('imageSize', metadata['imageSize'], `the model's own input size, ${inputSize}`);
  }
  return undefined;
}

/** A value for an error message: JSON, shortened; `missing` for undefined. */
function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Options of {@link parseModelMetadata}. */
export interface ParseModelMetadataOptions {
  /** The file or address the metadata was read from, named in errors (e.g. `runs/x/model/model.json`). */
  readonly source: string;
  /** The model's input size, when known: a stored `imageSize` must equal it. */
  readonly inputSize?: number | undefined;
}

/**
 * Reads and checks a saved model's metadata (model.json's `userDefinedMetadata`, or
 * `model.getUserDefinedMetadata()` in a browser) against the schema of {@link ModelMetadata}.
 *
 * What it does: every field cxr stores is checked when present (`threshold` a number in [0, 1],
 * `imageSize` a whole number from 8 to 4096 equal to the model's input, `classNames` two different
 * names, `decode.fit` `fill` or `contain`, `calibration` `{ method: 'temperature', temperature > 0 }`,
 * the threshold choice, the checkpoint fields); missing fields stay missing, fields of other names
 * are kept, a missing `calibration.fittedOn` becomes `val`. No metadata at all (`undefined` or `null`) reads as `{}`.
 *
 * @example
 * ```ts
 * const model = await tf.loadLayersModel('/models/cxr/model.json');
 * const metadata = parseModelMetadata(model.getUserDefinedMetadata(), { source: '/models/cxr/model.json', inputSize: model.inputs[0].shape[1] });
 * const { imageSize, threshold, temperature } = modelSettings(metadata, { source: '/models/cxr/model.json', inputSize: 224 });
 * ```
 * @throws {@link UsageError} (one sentence naming the field, its value, the rule and `source`) for the first invalid field.
 */
export function parseModelMetadata(value: unknown, options: ParseModelMetadataOptions): ModelMetadata {
  const { source } = options;
  if (value === undefined || value === null) return {};
  if (!isObject(value)) {
    throw new UsageError(`The model metadata in ${source} is not a JSON object (${show(value)}); restore the model.json written by cxr train, or remove its userDefinedMetadata.`);
  }
  const found = findProblem(value, options.inputSize);
  if (found) {
    const hint = found.field === 'threshold' ? ', or delete the field and pass --threshold' : '';
    throw new UsageError(`The model metadata in ${source} has an invalid ${found.field} (${show(found.value)}): it must be ${found.rule}; restore the model.json written by cxr train${hint}.`);
  }
  const calibration = value['calibration'];
  if (isObject(calibration) && !has(calibration, 'fittedOn')) return { ...value, calibration: { ...calibration, fittedOn: 'val' } } as ModelMetadata;
  return value as ModelMetadata;
}

/**
 * Checks metadata before it is written with a model and returns a JSON-clean copy (what a reader
 * will get back): the writer's side of {@link parseModelMetadata}.
 *
 * @example
 * ```ts
 * const stored = modelMetadataJson({ threshold: 0.42, imageSize: 224, classNames: ['NORMAL', 'PNEUMONIA'] });
 * ```
 * @param stage - the function writing it, named in errors.
 * @throws TypeError naming `stage` when the metadata is not a JSON object, cannot be serialized, or breaks the schema.
 */
export function modelMetadataJson(metadata: ModelMetadata, stage = 'saveModel'): ModelMetadata {
  if (!isObject(metadata)) throw new TypeError(`${stage}: metadata must be a JSON object, got ${Array.isArray(metadata) ? 'an array' : typeof metadata}`);
  let clean: Record<string, unknown>;
  try {
    clean = JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
  } catch (error) {
    throw new TypeError(`${stage}: metadata must be JSON-serializable (${(error as Error).message})`);
  }
  const found = findProblem(clean, undefined);
  if (found) throw new TypeError(`${stage}: metadata.${found.field} must be ${found.rule}, got ${show(found.value)}`);
  return clean as ModelMetadata;
}

/** Options of {@link modelSettings}. */
export interface ModelSettingsOptions {
  /** The file or address of the metadata, named in errors. */
  readonly source: string;
  /** The model's input size (undefined for a model that takes any size). */
  readonly inputSize: number | undefined;
}

/**
 * The settings a model runs with, from its checked metadata (see {@link parseModelMetadata}) with
 * the defaults for what it does not store: the model's input size, `fill`, NORMAL/PNEUMONIA, no
 * calibration (temperature 1) and no threshold.
 *
 * @example
 * ```ts
 * const { model, metadata } = await loadModel('runs/x/model');
 * const settings = modelSettings(metadata, { source: 'runs/x/model/model.json', inputSize: model.inputs[0]?.shape[1] ?? undefined });
 * ```
 * @throws {@link UsageError} naming `source` when neither the metadata nor the model gives an image size.
 */
export function modelSettings(metadata: ModelMetadata, options: ModelSettingsOptions): ModelSettings {
  const imageSize = metadata.imageSize ?? options.inputSize;
  if (imageSize === undefined) throw new UsageError(`The model takes images of any size and ${options.source} stores no imageSize; add "imageSize" to its metadata.`);
  return {
    imageSize,
    fit: metadata.decode?.fit ?? 'fill',
    classNames: metadata.classNames ?? DEFAULT_CLASS_NAMES,
    calibration: metadata.calibration,
    temperature: metadata.calibration?.temperature ?? 1,
    threshold: metadata.threshold,
  };
}
