import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { decodeWeightList, readModelDir } from './internal/model-files.js';
import { UsageError } from '@cxr/loader/browser';

/** What {@link loadWeightsFrom} copied. */
export interface WeightTransfer {
  /** Names of the target weights that received values. */
  readonly transferred: readonly string[];
  /** Names of the target weights left as they were (no matching source weight). */
  readonly kept: readonly string[];
}

interface SourceLayer {
  readonly name: string;
  readonly weights: { readonly name: string; readonly tensor: tf.Tensor }[];
}

const layerOf = (weightName: string): string => weightName.slice(0, Math.max(0, weightName.lastIndexOf('/')));

/**
 * A source weight fits a target shape as is, or (first convolution of an RGB model into a grey
 * one) by summing its input channels: `[kh, kw, 3, n]` -> `[kh, kw, 1, n]`.
 */
function adapt(source: tf.Tensor, shape: readonly number[]): tf.Tensor | undefined {
  if (tf.util.arraysEqual(source.shape, [...shape])) return source.clone();
  if (source.rank === 4 && shape.length === 4 && shape[2] === 1 && source.shape[0] === shape[0] && source.shape[1] === shape[1] && source.shape[3] === shape[3]) {
    return tf.sum(source, 2, true);
  }
  return undefined;
}

/**
 * Fine-tuning: copies weights from any local tfjs-layers model folder (model.json + weight
 * files, e.g. a model trained by cxr or a Keras model converted with tensorflowjs_converter)
 * into `model`, layer by layer.
 *
 * Layers are matched first by name (all weights of the layer must fit), then the remaining
 * ones in order: each unmatched target layer takes the next unmatched source layer whose
 * weights fit. A 3-channel first convolution feeds a 1-channel one by summing its input
 * channels. Everything else (e.g. a different output head) keeps its initial values. The source
 * model's layer classes need not be known: only its weights are read.
 *
 * @example
 * ```ts
 * const model = buildModel({ architecture: 'inception-resnet-v2', imageSize: 224, seed });
 * const { transferred } = await loadWeightsFrom(model, 'weights/imagenet-irv2');
 * ```
 * @returns the target weights that were set and those kept.
 * @throws a `CXR_USAGE` error naming the folder when it is not a model, or when no layer matches.
 */
export async function loadWeightsFrom(model: tfl.LayersModel, dir: string): Promise<WeightTransfer> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`loadWeightsFrom: dir must be a non-empty path, got ${String(dir)}`);
  const { artifacts } = await readModelDir(dir);
  const decoded = decodeWeightList(artifacts);
  try {
    const sources: SourceLayer[] = [];
    for (const w of decoded) {
      const name = layerOf(w.name);
      const last = sources[sources.length - 1];
      if (last !== undefined && last.name === name) last.weights.push(w);
      else sources.push({ name, weights: [w] });
    }
    const targets = model.layers.filter((layer) => layer.weights.length > 0);
    const used = new Set<SourceLayer>();
    const assignments = new Map<tfl.layers.Layer, tf.Tensor[]>();
    const tryLayer = (target: tfl.layers.Layer, source: SourceLayer): boolean => {
      if (used.has(source) || source.weights.length !== target.weights.length) return false;
      const values: tf.Tensor[] = [];
      for (let i = 0; i < target.weights.length; i += 1) {
        const v = adapt((source.weights[i] as SourceLayer['weights'][number]).tensor, (target.weights[i] as tfl.LayerVariable).shape as number[]);
        if (v === undefined) {
          tf.dispose(values);
          return false;
        }
        values.push(v);
      }
      used.add(source);
      assignments.set(target, values);
      return true;
    };
    const byName = new Map(sources.map((s) => [s.name, s]));
    for (const target of targets) {
      const source = byName.get(target.name);
      if (source !== undefined) tryLayer(target, source);
    }
    let cursor = 0;
    for (const target of targets) {
      if (assignments.has(target)) continue;
      for (let j = cursor; j < sources.length; j += 1) {
        if (tryLayer(target, sources[j] as SourceLayer)) {
          cursor = j + 1;
          break;
        }
      }
    }
    if (assignments.size === 0) {
      throw new UsageError(`No layer of the model in ${dir} fits this model (different architecture or input channels); choose weights of the same architecture.`);
    }
    const transferred: string[] = [];
    const kept: string[] = [];
    for (const target of model.layers) {
      const values = assignments.get(target);
      if (values === undefined) {
        kept.push(...target.weights.map((w) => w.originalName));
        continue;
      }
      target.setWeights(values);
      tf.dispose(values);
      transferred.push(...target.weights.map((w) => w.originalName));
    }
    return { transferred, kept };
  } finally {
    tf.dispose(decoded.map((w) => w.tensor));
  }
}
