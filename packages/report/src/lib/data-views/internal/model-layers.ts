import * as tf from '@tensorflow/tfjs';

/** A layer with the nested layers of a model used as a layer, if any. */
type MaybeContainer = tf.layers.Layer & { readonly layers?: readonly tf.layers.Layer[] };

/** Every layer of a model, depth first, including the layers of nested models. */
export function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  const visit = (layers: readonly tf.layers.Layer[]): void => {
    for (const layer of layers) {
      out.push(layer);
      const nested = (layer as MaybeContainer).layers;
      if (Array.isArray(nested)) visit(nested);
    }
  };
  visit(model.layers);
  return out;
}

/** The registered class name of a layer (what a saved model records), e.g. `Conv2D`. */
export function layerClassName(layer: tf.layers.Layer): string {
  return layer.getClassName();
}

/** The layers of `model` (nested ones included) whose class name is one of `classNames`, in model order. */
export function findLayersByClass(model: tf.LayersModel, classNames: readonly string[]): tf.layers.Layer[] {
  return allLayers(model).filter((l) => classNames.includes(layerClassName(l)));
}

/** A short "what layers does it have" listing for error messages. */
export function describeLayers(model: tf.LayersModel): string {
  const names = allLayers(model).map((l) => `${l.name} (${layerClassName(l)})`);
  return names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');
}

function sameTensor(a: tf.SymbolicTensor, b: tf.SymbolicTensor): boolean {
  return a.id === b.id;
}

/**
 * Runs `model` on `x` (inference mode) just far enough to read what `target` receives and what it
 * returns, by building a sub-model that shares the model's own layers and weights (nothing is
 * re-implemented or copied). Works when `target` sits inside a nested model too. The caller
 * disposes the two returned tensors.
 */
export function tapLayer(model: tf.LayersModel, x: tf.Tensor, target: tf.layers.Layer): [tf.Tensor, tf.Tensor] {
  const direct = model.layers.includes(target);
  const child = direct
    ? undefined
    : model.layers.find((l) => {
        const nested = (l as MaybeContainer).layers;
        return Array.isArray(nested) && allLayers(l as unknown as tf.LayersModel).includes(target);
      });
  if (!direct && child === undefined) throw new Error(`Layer ${target.name} is not part of model ${model.name}.`);
  const layer = direct ? target : (child as tf.layers.Layer);
  const nodes = (layer as unknown as { inboundNodes: unknown[] }).inboundNodes.length;
  let lastError: unknown;
  for (let node = 0; node < nodes; node++) {
    const input = layer.getInputAt(node) as tf.SymbolicTensor;
    const output = layer.getOutputAt(node) as tf.SymbolicTensor;
    if (Array.isArray(input) || Array.isArray(output)) continue;
    try {
      const modelInput = model.inputs[0];
      const feedsInput = modelInput !== undefined && sameTensor(input, modelInput);
      if (direct) {
        const tap = tf.model({ inputs: model.inputs, outputs: feedsInput ? [output] : [input, output] });
        const result = tap.predict(x);
        const tensors = Array.isArray(result) ? result : [result];
        return feedsInput ? [x.clone(), tensors[0] as tf.Tensor] : [tensors[0] as tf.Tensor, tensors[1] as tf.Tensor];
      }
      const intoChild = feedsInput ? x.clone() : (tf.model({ inputs: model.inputs, outputs: input }).predict(x) as tf.Tensor);
      try {
        return tapLayer(layer as unknown as tf.LayersModel, intoChild, target);
      } finally {
        intoChild.dispose();
      }
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(`Cannot reach layer ${target.name} from the inputs of model ${model.name}.`);
}
