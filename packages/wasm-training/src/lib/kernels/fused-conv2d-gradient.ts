import * as tf from '@tensorflow/tfjs-core';
import { reluGradient } from './elementwise.js';
import { RELU_GRAD_SUM } from './leading-axes-reduce.js';

/**
 * A gradient for the `FusedConv2D` kernel itself (NHWC, dilation 1, a bias or none, activation
 * linear or ReLU), for every backend. tfjs-core registers none: its `tf.fused.conv2d` runs, under
 * a gradient tape, either a custom gradient that always computes every input's gradient (linear
 * activation) or separate convolution, bias-add and ReLU ops (three passes over the largest
 * tensors of a conv net). With this gradient, a layer may call the kernel directly while training
 * (the bias and ReLU applied as each output is stored) and the tape computes only the gradients it
 * needs: none for an input image. ReLU's gradient uses the kernel's output (y > 0 exactly where
 * the sum before the ReLU is); on `wasm` it is one pass that also sums the bias gradient
 * (`CxrReluGradSum`), elsewhere `reluGradient` and a `Sum`.
 */
export const FUSED_CONV2D_GRADIENT: tf.GradConfig = {
  kernelName: tf.FusedConv2D,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): ReturnType<tf.GradFunc> => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as tf.FusedConv2DAttrs;
    const dilations = typeof a.dilations === 'number' ? [a.dilations, a.dilations] : a.dilations;
    if (a.dataFormat !== 'NHWC' || dilations.some((d) => d !== 1)) {
      throw new Error(`FusedConv2D gradient: only NHWC with dilation 1 (got ${a.dataFormat}, dilations ${JSON.stringify(a.dilations)})`);
    }
    if (a.activation !== 'linear' && a.activation !== 'relu') throw new Error(`FusedConv2D gradient: activation ${String(a.activation)} has none here (linear or relu only)`);
    const grad = dy as tf.Tensor4D;
    let activated: tf.Tensor4D = grad;
    let bias = (): tf.Tensor => tf.sum(activated, [0, 1, 2]);
    if (a.activation === 'relu' && tf.getKernel(RELU_GRAD_SUM, tf.getBackend()) !== undefined) {
      // ReLU's gradient and the bias gradient in one pass (an unused bias gradient is released with the tape's other intermediates).
      const [gradient, sum] = tf.engine().runKernel(RELU_GRAD_SUM, { dy: grad, x: y }) as [tf.Tensor4D, tf.Tensor];
      activated = gradient;
      bias = () => sum;
    } else if (a.activation === 'relu') {
      activated = reluGradient(grad, y);
    }
    const convAttrs = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dimRoundingMode: a.dimRoundingMode };
    return {
      x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: activated, filter }, { ...convAttrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: activated }, { ...convAttrs, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      bias,
    };
  },
};
