import * as tf from '@tensorflow/tfjs';
import { UsageError } from '@cxr/loader/browser';
import { runGraph } from './internal/run-graph.js';

/** An image to explain: grey (`channels` 1, the default) or multi-channel, row-major, pixel values 0-255 as decoded. */
export interface CamImage {
  readonly pixels: Uint8Array | Float32Array;
  readonly height: number;
  readonly width: number;
  /** Channels interleaved in `pixels`; default 1. */
  readonly channels?: number;
}

/** A heatmap in [0, 1], row-major, at the resolution of the layer it was taken from. */
export interface Heatmap {
  readonly values: Float32Array;
  readonly height: number;
  readonly width: number;
}

/** What {@link gradCam} found. */
export interface GradCamResult {
  readonly heatmap: Heatmap;
  /** The layer whose activation was weighted. */
  readonly layerName: string;
  /** The model's logit for PNEUMONIA on this image. */
  readonly logit: number;
  /** sigmoid(logit). */
  readonly probability: number;
  /** Largest raw (unnormalized) CAM value; 0 means the model's evidence for PNEUMONIA is nowhere positive, and the heatmap is all 0. */
  readonly peak: number;
}

/** Options of {@link gradCam}. */
export interface GradCamOptions {
  /**
   * The layer to explain. Default: the last layer with a 4-D (feature map) output, which must
   * come after the model's last convolution (e.g. the ReLU of the last conv block).
   */
  readonly layerName?: string;
}

const CONV_CLASSES = new Set(['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D', 'Conv2DTranspose', 'CxrInputConv2D']);

/** A convolution, or a nested model (e.g. a fine-tuned backbone used as one layer) holding one. */
function isOrHoldsConv(layer: tf.layers.Layer): boolean {
  if (CONV_CLASSES.has(layer.getClassName())) return true;
  const inner = (layer as unknown as { layers?: unknown }).layers;
  return Array.isArray(inner) && (inner as tf.layers.Layer[]).some(isOrHoldsConv);
}

/**
 * The layer's output tensor in `model`'s own graph. A nested model used as a layer has several
 * inbound nodes (its own and the outer model's), so `layer.output` is ambiguous there.
 */
function outputIn(model: tf.LayersModel, layer: tf.layers.Layer): tf.SymbolicTensor {
  for (const nodes of Object.values(model.nodesByDepth)) {
    for (const node of nodes) if (node.outboundLayer === layer && node.outputTensors.length === 1) return node.outputTensors[0] as tf.SymbolicTensor;
  }
  return layer.output as tf.SymbolicTensor;
}

function rank4In(model: tf.LayersModel, layer: tf.layers.Layer): boolean {
  try {
    return outputIn(model, layer).shape.length === 4;
  } catch {
    return false; // layers with several outputs
  }
}

/**
 * The layer Grad-CAM explains by default: the last layer with a 4-D output, at or after the
 * model's last convolution layer. A nested model used as a layer (a backbone) counts as a
 * convolution when it holds one, so its feature-map output is explained.
 *
 * @throws a `UsageError` of @cxr/loader when the model has no convolution layer.
 */
export function lastFeatureMapLayer(model: tf.LayersModel): tf.layers.Layer {
  const layers = model.layers;
  let lastConv = -1;
  layers.forEach((l, i) => {
    if (isOrHoldsConv(l)) lastConv = i;
  });
  if (lastConv < 0) {
    throw new UsageError(`gradCam: model ${model.name} has no convolution layer to explain; pass layerName to choose a layer with a 4-D output.`);
  }
  for (let i = layers.length - 1; i >= lastConv; i--) {
    const l = layers[i] as tf.layers.Layer;
    if (rank4In(model, l)) return l;
  }
  return layers[lastConv] as tf.layers.Layer;
}

function pickLayer(model: tf.LayersModel, layerName: string | undefined): tf.layers.Layer {
  if (layerName === undefined) return lastFeatureMapLayer(model);
  const layer = model.layers.find((l) => l.name === layerName);
  const candidates = model.layers.filter((l) => rank4In(model, l)).map((l) => l.name);
  if (layer === undefined) throw new RangeError(`gradCam: the model has no layer named ${JSON.stringify(layerName)}; layers with feature maps: ${candidates.join(', ')}.`);
  if (!rank4In(model, layer)) throw new RangeError(`gradCam: layer ${JSON.stringify(layerName)} has no 4-D output to explain; layers with feature maps: ${candidates.join(', ')}.`);
  return layer;
}

function checkImage(image: CamImage): number {
  const channels = image?.channels ?? 1;
  if (image == null || !(image.pixels instanceof Uint8Array || image.pixels instanceof Float32Array)) {
    throw new TypeError('gradCam: image.pixels must be a Uint8Array or Float32Array.');
  }
  if (!Number.isInteger(image.height) || !Number.isInteger(image.width) || image.height < 1 || image.width < 1 || !Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`gradCam: image size must be positive integers, got ${image.height}x${image.width}x${channels}.`);
  }
  if (image.pixels.length !== image.height * image.width * channels) {
    throw new RangeError(`gradCam: image.pixels has ${image.pixels.length} values, expected ${image.height}x${image.width}x${channels} = ${image.height * image.width * channels}.`);
  }
  return channels;
}

/** The image as the model's input: [1, H, W, C] float32 0-255, resized and channel-matched. */
function modelInput(model: tf.LayersModel, image: CamImage, channels: number): tf.Tensor4D {
  const shape = (model.inputs[0] as tf.SymbolicTensor).shape;
  const h = shape[1] ?? image.height;
  const w = shape[2] ?? image.width;
  const c = shape[3] ?? channels;
  let x: tf.Tensor4D = tf.tensor4d(Float32Array.from(image.pixels), [1, image.height, image.width, channels]);
  if (h !== image.height || w !== image.width) x = tf.image.resizeBilinear(x, [h, w]);
  if (c !== channels) {
    if (channels !== 1) throw new RangeError(`gradCam: the model takes ${c} channels but the image has ${channels}.`);
    x = tf.tile(x, [1, 1, 1, c]);
  }
  return x;
}

/**
 * Grad-CAM: where in the image the model found its evidence for PNEUMONIA.
 *
 * The gradient of the model's logit (a final sigmoid is left out, so confident predictions do
 * not saturate it) with respect to a feature map is averaged over space to weight each channel;
 * the weighted sum of the channels, with negatives cut to 0 and scaled to a maximum of 1, is the
 * heatmap (Selvaraju et al., 2017). The layer is found automatically (the last feature map
 * after the last convolution) unless `layerName` is given. Works for functional and Sequential
 * LayersModels, on any tfjs backend with gradients for the model's kernels (cpu; wasm once the
 * model package registers its missing backprop kernels). Pixels are fed as 0-255 floats: the
 * model standardizes them itself. All intermediate tensors are disposed.
 *
 * @example
 * ```ts
 * const cam = await gradCam(model, { pixels: sample.pixels, height: sample.height, width: sample.width });
 * const png = await gradCamOverlayPng(sample.pixels, sample.height, sample.width, cam.heatmap);
 * ```
 * @param options - `layerName` (default: found automatically).
 * @throws RangeError when the layer is missing or has no 4-D output, the model has no
 *   convolution, or the image's size does not match its pixels; TypeError for non-typed-array pixels.
 */
export async function gradCam(model: tf.LayersModel, image: CamImage, options: GradCamOptions = {}): Promise<GradCamResult> {
  const channels = checkImage(image);
  // A Sequential model wires its graph only when first built.
  if (model instanceof tf.Sequential && !model.built) model.build();
  const layer = pickLayer(model, options.layerName);
  const target = outputIn(model, layer);
  const [camT, logitT] = tf.tidy(() => {
    const x = modelInput(model, image, channels);
    const activation = runGraph(model, x, target).target;
    const f = (a: tf.Tensor): tf.Scalar => tf.sum(runGraph(model, x, target, a).logit);
    const { value, grad } = tf.valueAndGrad(f)(activation);
    const weights = tf.mean(grad, [1, 2], true); // [1, 1, 1, C]
    const cam = tf.relu(tf.sum(tf.mul(activation, weights), -1)); // [1, h, w]
    return [cam, value] as [tf.Tensor, tf.Tensor];
  });
  try {
    const [raw, logitValues] = await Promise.all([camT.data(), logitT.data()]);
    const [, h = 1, w = 1] = camT.shape;
    let peak = 0;
    for (const v of raw) if (v > peak) peak = v;
    const values = new Float32Array(raw.length);
    if (peak > 0) for (let i = 0; i < raw.length; i++) values[i] = (raw[i] as number) / peak;
    const logit = logitValues[0] as number;
    return { heatmap: { values, height: h, width: w }, layerName: layer.name, logit, probability: 1 / (1 + Math.exp(-logit)), peak };
  } finally {
    camT.dispose();
    logitT.dispose();
  }
}
