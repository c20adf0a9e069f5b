import * as tf from '@tensorflow/tfjs';

/** The values of a model's graph on one input, with one intermediate tensor optionally replaced. */
export interface GraphValues {
  /** The value of `target` (the replacement when one was given). */
  readonly target: tf.Tensor;
  /** The model's output, with a final sigmoid removed when the model has one: the logit. */
  readonly logit: tf.Tensor;
  /** True when the model ended in a sigmoid that was removed to get the logit. */
  readonly strippedSigmoid: boolean;
}

function activationName(layer: tf.layers.Layer): string | undefined {
  const config = layer.getConfig() as { activation?: unknown };
  return typeof config.activation === 'string' ? config.activation : undefined;
}

/** A Dense layer ending in sigmoid, computed without its sigmoid. */
function denseLogit(layer: tf.layers.Layer, input: tf.Tensor): tf.Tensor {
  const [kernel, bias] = layer.getWeights();
  const z = tf.matMul(input as tf.Tensor2D, kernel as tf.Tensor2D);
  return bias === undefined ? z : tf.add(z, bias);
}

/**
 * Runs a functional (or Sequential) LayersModel node by node, like tfjs-layers' own executor, but
 * lets the caller substitute the value of one intermediate tensor, so a gradient can be taken
 * with respect to it. Layers run in inference mode (`training: false`). A final sigmoid (a Dense
 * layer with `activation: 'sigmoid'`, or an Activation layer) is left out so the output is a logit.
 * Call inside `tf.tidy`.
 */
export function runGraph(model: tf.LayersModel, input: tf.Tensor, target: tf.SymbolicTensor, replacement?: tf.Tensor): GraphValues {
  const values = new Map<number, tf.Tensor>();
  const modelInput = model.inputs[0] as tf.SymbolicTensor;
  const modelOutput = model.outputs[0] as tf.SymbolicTensor;
  values.set(modelInput.id, input);
  let strippedSigmoid = false;
  const depths = Object.keys(model.nodesByDepth)
    .map(Number)
    .sort((a, b) => b - a);
  for (const depth of depths) {
    for (const node of model.nodesByDepth[String(depth)] ?? []) {
      const outputs = node.outputTensors;
      if (outputs.every((t) => values.has(t.id))) continue;
      const inputs = node.inputTensors.map((t) => values.get(t.id));
      if (inputs.length === 0 || inputs.some((t) => t === undefined)) continue;
      if (replacement !== undefined && outputs.length === 1 && outputs[0]?.id === target.id) {
        values.set(target.id, replacement);
        continue;
      }
      const layer = node.outboundLayer;
      const args = inputs.length === 1 ? (inputs[0] as tf.Tensor) : (inputs as tf.Tensor[]);
      if (outputs.length === 1 && outputs[0]?.id === modelOutput.id && activationName(layer) === 'sigmoid') {
        const className = layer.getClassName();
        if (className === 'Dense' && !Array.isArray(args)) {
          values.set(modelOutput.id, denseLogit(layer, args));
          strippedSigmoid = true;
          continue;
        }
        if (className === 'Activation' && !Array.isArray(args)) {
          values.set(modelOutput.id, args);
          strippedSigmoid = true;
          continue;
        }
      }
      const result = layer.call(args, { ...(node.callArgs ?? {}), training: false });
      const list = Array.isArray(result) ? result : [result];
      outputs.forEach((t, i) => {
        const v = list[i];
        if (v !== undefined) values.set(t.id, v);
      });
    }
  }
  const targetValue = values.get(target.id);
  const logit = values.get(modelOutput.id);
  if (targetValue === undefined || logit === undefined) {
    throw new Error(`gradCam: could not compute layer ${target.sourceLayer.name} and the model output from the model's input.`);
  }
  return { target: targetValue, logit, strippedSigmoid };
}
