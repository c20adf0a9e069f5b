import { join } from 'node:path';
import type { ModelMetadata } from '@cxr/model';
import type { LayersModel } from '@tensorflow/tfjs';
import { usageError } from './errors.js';

/** The calibration `cxr train` stores with a model: temperature scaling fitted on validation. */
export interface StoredCalibration {
  readonly method: 'temperature';
  /** Calibrated probability = sigmoid(logit / temperature). */
  readonly temperature: number;
  readonly fittedOn: string;
  readonly valNllBefore?: number;
  readonly valNllAfter?: number;
}

/** What `evaluate` and `predict` need from a saved model, read from its metadata (or its input shape). */
export interface ModelSettings {
  readonly imageSize: number;
  readonly fit: 'fill' | 'contain';
  /** The operating threshold: the one chosen on validation when the model was trained, or `--threshold`. */
  readonly threshold: number;
  /** `model`: stored with the model; `flag`: given with `--threshold`. */
  readonly thresholdSource: 'model' | 'flag';
  /** The stored threshold, when there is one (also when `--threshold` overrides it). */
  readonly storedThreshold: number | undefined;
  /** The stored calibration, when there is one. */
  readonly calibration: StoredCalibration | undefined;
  /** The temperature every probability is computed with: sigmoid(logit / temperature); 1 without calibration. */
  readonly temperature: number;
  /** Class names by label: [negative, positive]. */
  readonly classNames: readonly [string, string];
}

/** Options of {@link modelSettings}. */
export interface ModelSettingsOptions {
  /** The model folder, named in errors (its `model.json` holds the metadata). */
  readonly dir: string;
  /** `--threshold`, when given: used instead of the stored threshold, and required when there is none. */
  readonly threshold?: number;
}

/**
 * Reads and checks the settings a saved model carries in its metadata (`userDefinedMetadata` of
 * model.json): `threshold` (a number in [0, 1]), `imageSize` (a whole number matching the model's
 * input), `classNames` (two different names), `decode` (an object; `fit` 'fill' or 'contain') and
 * `calibration` (`{ method: 'temperature', temperature > 0 }`). A field that is present but invalid
 * is a usage error naming the field and the file. A missing threshold (a model from elsewhere, or
 * a checkpoint written during training) needs `--threshold`; missing image size, class names,
 * decode settings or calibration take the model's input size, NORMAL/PNEUMONIA, `fill` and no
 * calibration (temperature 1).
 *
 * @example
 * ```ts
 * const { model, metadata } = await loadModel(dir);
 * const settings = modelSettings(model, metadata, { dir, threshold: flagOrUndefined });
 * ```
 * @throws a usage error (one sentence naming the field, the file and the fix) for invalid metadata,
 *   or a missing threshold without `--threshold`.
 */
export function modelSettings(model: LayersModel, metadata: ModelMetadata, options: ModelSettingsOptions): ModelSettings {
  const file = join(options.dir, 'model.json');
  const invalid = (field: string, value: unknown, rule: string): Error =>
    usageError(`The model metadata in ${file} has an invalid ${field} (${show(value)}): it must be ${rule}; restore the model.json written by cxr train${field === 'threshold' ? ', or delete the field and pass --threshold' : ''}.`);
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(metadata, key);

  const inputShape = model.inputs[0]?.shape ?? [];
  const fromShape = typeof inputShape[1] === 'number' ? inputShape[1] : undefined;
  let imageSize: number;
  if (has('imageSize')) {
    const value = metadata['imageSize'];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 8 || value > 4096) throw invalid('imageSize', value, 'a whole number of pixels between 8 and 4096');
    if (fromShape !== undefined && value !== fromShape) throw invalid('imageSize', value, `the model's own input size, ${fromShape}`);
    imageSize = value;
  } else if (fromShape !== undefined) imageSize = fromShape;
  else throw usageError(`The model in ${options.dir} takes images of any size and ${file} stores no imageSize; add "imageSize" to its metadata.`);

  let fit: 'fill' | 'contain' = 'fill';
  if (has('decode')) {
    const decode = metadata['decode'];
    if (typeof decode !== 'object' || decode === null || Array.isArray(decode)) throw invalid('decode', decode, 'an object of decode settings such as {"fit": "fill"}');
    const value = (decode as Record<string, unknown>)['fit'];
    if (value !== undefined) {
      if (value !== 'fill' && value !== 'contain') throw invalid('decode.fit', value, '"fill" or "contain"');
      fit = value;
    }
  }

  let classNames: [string, string] = ['NORMAL', 'PNEUMONIA'];
  if (has('classNames')) {
    const names = metadata['classNames'];
    if (!Array.isArray(names) || names.length !== 2 || !names.every((n) => typeof n === 'string' && n.trim() !== '') || names[0] === names[1]) {
      throw invalid('classNames', names, 'two different class names, negative first, e.g. ["NORMAL", "PNEUMONIA"]');
    }
    classNames = [names[0] as string, names[1] as string];
  }

  let calibration: StoredCalibration | undefined;
  if (has('calibration')) {
    const value = metadata['calibration'];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('calibration', value, 'an object such as {"method": "temperature", "temperature": 1.5}');
    const c = value as Record<string, unknown>;
    if (c['method'] !== 'temperature') throw invalid('calibration.method', c['method'], '"temperature"');
    const t = c['temperature'];
    if (typeof t !== 'number' || !Number.isFinite(t) || !(t > 0)) throw invalid('calibration.temperature', t, 'a number above 0');
    calibration = {
      method: 'temperature',
      temperature: t,
      fittedOn: typeof c['fittedOn'] === 'string' ? c['fittedOn'] : 'val',
      ...(typeof c['valNllBefore'] === 'number' ? { valNllBefore: c['valNllBefore'] } : {}),
      ...(typeof c['valNllAfter'] === 'number' ? { valNllAfter: c['valNllAfter'] } : {}),
    };
  }

  let storedThreshold: number | undefined;
  if (has('threshold')) {
    const value = metadata['threshold'];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) throw invalid('threshold', value, 'a number between 0 and 1');
    storedThreshold = value;
  }
  const flag = options.threshold;
  if (flag === undefined && storedThreshold === undefined) {
    const checkpoint = /[\\/]checkpoints[\\/](best|last)[\\/]?$/.test(options.dir);
    const why = checkpoint
      ? `${file} has none: a checkpoint written during training has no threshold until the run finishes`
      : Object.keys(metadata).length === 0
        ? `${file} carries no cxr metadata, as for a model from elsewhere`
        : `${file} has none`;
    throw usageError(`The model in ${options.dir} stores no threshold (${why}); pass --threshold P (e.g. --threshold 0.5) to choose one${checkpoint ? ', or use the model/ folder of the finished run' : ''}.`);
  }
  return {
    imageSize,
    fit,
    threshold: flag ?? (storedThreshold as number),
    thresholdSource: flag === undefined ? 'model' : 'flag',
    storedThreshold,
    calibration,
    temperature: calibration?.temperature ?? 1,
    classNames,
  };
}

/** The line that says where the threshold came from, when it was not the model's own; undefined otherwise. */
export function thresholdNote(settings: ModelSettings, dir: string): string | undefined {
  if (settings.thresholdSource === 'model') return undefined;
  return settings.storedThreshold === undefined
    ? `The model in ${dir} stores no threshold; using --threshold ${settings.threshold} as given.`
    : `Using --threshold ${settings.threshold} instead of the model's own ${settings.storedThreshold.toFixed(4)} (chosen on validation).`;
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
