import type * as tf from '@tensorflow/tfjs';
import { gradCamOverlayPng } from './grad-cam-overlay-png.js';
import { gradCam } from './grad-cam.js';
import type { CamExample } from './report-types.js';
import { pickOutcomeExamples, type LabelledPrediction } from '@cxr/eval';

/** Options of {@link camExamples}. */
export interface CamExamplesOptions {
  readonly model: tf.LayersModel;
  /** Labelled predictions of the split (e.g. `report.predictions` from `evaluate`). */
  readonly predictions: readonly LabelledPrediction[];
  /** The operating threshold that decides each outcome. */
  readonly threshold: number;
  /**
   * Loads one image by its prediction id (a file path), as the model was fed: e.g.
   * `(path) => decodeImage(path, { size })` from `@cxr/loader`.
   */
  readonly loadImage: (id: string) => Promise<{ readonly pixels: Uint8Array; readonly height: number; readonly width: number }>;
  /** Images per outcome (TP, FP, TN, FN); default 2. */
  readonly perOutcome?: number;
  /** Split name recorded with each example; default `test`. */
  readonly split?: string;
  /** Layer to explain; default found by `gradCam`. */
  readonly layerName?: string;
  /** Called for an image that could not be loaded; it is skipped. Default: ignore. */
  readonly onSkip?: (id: string, reason: string) => void;
}

/**
 * The Grad-CAM gallery of a report: picks the most confident images of each outcome
 * (see `pickOutcomeExamples`), loads each, computes its Grad-CAM and overlays it on the X-ray.
 * One image at a time, so memory stays flat. An image that fails to load is reported to
 * `onSkip` and left out; a model or option error stops with that error.
 *
 * @example
 * ```ts
 * const cams = await camExamples({ model, predictions: test.predictions, threshold, loadImage: (p) => decodeImage(p, { size: 224 }) });
 * await writeReport(dir, { ...data, cams });
 * ```
 * @throws RangeError for a bad `perOutcome` or `threshold`, and whatever `gradCam` throws.
 */
export async function camExamples(options: CamExamplesOptions): Promise<CamExample[]> {
  if (typeof options?.loadImage !== 'function') throw new TypeError('camExamples: loadImage must be a function (id) => Promise<{ pixels, height, width }>.');
  const picks = pickOutcomeExamples(options.predictions, options.threshold, options.perOutcome ?? 2);
  const out: CamExample[] = [];
  for (const pick of picks) {
    let image: { readonly pixels: Uint8Array; readonly height: number; readonly width: number };
    try {
      image = await options.loadImage(pick.id);
    } catch (error) {
      options.onSkip?.(pick.id, error instanceof Error ? error.message : String(error));
      continue;
    }
    const cam = await gradCam(options.model, image, options.layerName === undefined ? {} : { layerName: options.layerName });
    const png = await gradCamOverlayPng(image.pixels, image.height, image.width, cam.heatmap);
    out.push({ ...pick, png, split: options.split ?? 'test', layerName: cam.layerName });
  }
  return out;
}
