import { join } from 'node:path';
import { modelInputSize, modelSettings } from '@cxr/model';
import type { ModelMetadata, ModelSettings } from '@cxr/model';
import type { LayersModel } from '@tensorflow/tfjs';
import { UsageError } from '@cxr/loader';

/** What `evaluate` and `predict` run a saved model with: its settings, and the threshold they use. */
export interface CommandModelSettings extends Omit<ModelSettings, 'threshold'> {
  /** The operating threshold: the one chosen on validation when the model was trained, or `--threshold`. */
  readonly threshold: number;
  /** `model`: stored with the model; `flag`: given with `--threshold`. */
  readonly thresholdSource: 'model' | 'flag';
  /** The stored threshold, when there is one (also when `--threshold` overrides it). */
  readonly storedThreshold: number | undefined;
}

/** Options of {@link commandModelSettings}. */
export interface CommandModelSettingsOptions {
  /** The model folder, named in errors (its `model.json` holds the metadata). */
  readonly dir: string;
  /** `--threshold`, when given: used instead of the stored threshold, and required when there is none. */
  readonly threshold?: number | undefined;
}

/**
 * The settings `evaluate` and `predict` run a loaded model with: its checked metadata (see
 * `modelSettings` of @cxr/model: image size, decode fit, class names, calibration) and the
 * threshold, `--threshold` winning over the stored one. A model without a threshold (one from
 * elsewhere, or a checkpoint written during training) needs `--threshold`.
 *
 * @example
 * ```ts
 * const { model, metadata } = await loadModel(dir);
 * const settings = commandModelSettings(model, metadata, { dir, threshold: flagOrUndefined });
 * ```
 * @throws a usage error (one sentence naming the file and the fix) for a model without an image
 *   size, or without a threshold when `--threshold` is not given.
 */
export function commandModelSettings(model: LayersModel, metadata: ModelMetadata, options: CommandModelSettingsOptions): CommandModelSettings {
  const file = join(options.dir, 'model.json');
  const { threshold: storedThreshold, ...settings } = modelSettings(metadata, { source: file, inputSize: modelInputSize(model) });
  const flag = options.threshold;
  if (flag === undefined && storedThreshold === undefined) {
    const checkpoint = /[\\/]checkpoints[\\/](best|last)[\\/]?$/.test(options.dir);
    const why = checkpoint
      ? `${file} has none: a checkpoint written during training has no threshold until the run finishes`
      : Object.keys(metadata).length === 0
        ? `${file} carries no cxr metadata, as for a model from elsewhere`
        : `${file} has none`;
    throw new UsageError(`The model in ${options.dir} stores no threshold (${why}); pass --threshold P (e.g. --threshold 0.5) to choose one${checkpoint ? ', or use the model/ folder of the finished run' : ''}.`);
  }
  return {
    ...settings,
    threshold: flag ?? (storedThreshold as number),
    thresholdSource: flag === undefined ? 'model' : 'flag',
    storedThreshold,
  };
}

/** The line that says where the threshold came from, when it was not the model's own; undefined otherwise. */
export function thresholdNote(settings: CommandModelSettings, dir: string): string | undefined {
  if (settings.thresholdSource === 'model') return undefined;
  return settings.storedThreshold === undefined
    ? `The model in ${dir} stores no threshold; using --threshold ${settings.threshold} as given.`
    : `Using --threshold ${settings.threshold} instead of the model's own ${settings.storedThreshold.toFixed(4)} (chosen on validation).`;
}
