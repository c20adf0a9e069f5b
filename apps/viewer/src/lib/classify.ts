import * as tf from '@tensorflow/tfjs';
import { temperatureScale } from '@cxr/eval/browser';
import { gradCam, type GradCamResult } from '@cxr/report/browser';
import type { ViewerModelSettings } from './model-settings.js';

/** The model's answer for one image. */
export interface Classification {
  readonly logit: number;
  /** Calibrated probability of the positive class: sigmoid(logit / temperature). */
  readonly probability: number;
  /** The class at the model's threshold. */
  readonly label: string;
  readonly positive: boolean;
}

/** The label rule of `cxr predict`: positive when the calibrated probability is at least the threshold. */
export function labelOf(logit: number, settings: Pick<ViewerModelSettings, 'temperature' | 'threshold' | 'classNames'>): Classification {
  const probability = temperatureScale(logit, settings.temperature);
  const positive = probability >= settings.threshold;
  return { logit, probability, label: settings.classNames[positive ? 1 : 0], positive };
}

/** Runs the model on one `size x size` grey image (pixels 0-255, as `cxr predict` feeds them). */
export async function classify(model: tf.LayersModel, square: Uint8Array, settings: ViewerModelSettings): Promise<Classification> {
  const size = settings.imageSize;
  const z = tf.tidy(() => tf.reshape(model.predict(tf.tensor4d(Float32Array.from(square), [1, size, size, 1])) as tf.Tensor, [-1]));
  try {
    const [logit] = await z.data();
    return labelOf(logit as number, settings);
  } finally {
    z.dispose();
  }
}

/** Grad-CAM of the positive class on the model's input (the same function the reports use). */
export function explain(model: tf.LayersModel, square: Uint8Array, size: number): Promise<GradCamResult> {
  return gradCam(model, { pixels: square, height: size, width: size });
}
