import type * as tf from '@tensorflow/tfjs-core';
import { call, nhwcConv2DInfo, padOrCrop, release, transpose, type Info } from './wasm-calls.js';

/**
 * `Conv2DBackpropFilter` for the WASM backend (NHWC, any strides, 'same'/'valid'/explicit
 * padding, dilation 1), as one XNNPACK convolution.
 *
 * dW[kh,kw,ci,co] = sum over n,i,j of x[n, i*sh + kh - top, j*sw + kw - left, ci] * dy[n,i,j,co].
 * Reading ci as the batch, n as the input channel and dy as a (Ho x Wo) filter dilated by the
 * stride, that is a stride-1 convolution of x transposed to [Ci, H, W, N] with dy transposed to
 * [Ho, Wo, N, Co], padded so the output is exactly [Ci, fh, fw, Co].
 */
export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  const x = inputs['x'] as Info;
  const dy = inputs['dy'] as Info;
  const info = nhwcConv2DInfo('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs);
  const { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  // Rows of x the forward pass read: [-top, (Ho-1)*sh + fh - 1 - top]. Pad or crop to exactly those.
  const bottom = (outHeight - 1) * strideHeight + filterHeight - inHeight - padInfo.top;
  const right = (outWidth - 1) * strideWidth + filterWidth - inWidth - padInfo.left;
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const convAttrs = { strides: [1, 1], dataFormat: 'NHWC', dilations: [strideHeight, strideWidth], dimRoundingMode: undefined };
  let grad: Info; // [Ci, fh, fw, Co]
  if (bottom >= 0 && right >= 0) {
    // XNNPACK pads inside the convolution: no padded copy of x.
    const xT = transpose(backend, x, [3, 1, 2, 0]); // [Ci, H, W, N]
    grad = call('Conv2D', backend, { x: xT, filter: dyT }, { ...convAttrs, pad: [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]] });
    release(backend, xT);
  } else {
    const window = padOrCrop(backend, x, [padInfo.top, bottom, padInfo.left, right]);
    const xT = transpose(backend, window, [3, 1, 2, 0]);
    release(backend, window);
    grad = call('Conv2D', backend, { x: xT, filter: dyT }, { ...convAttrs, pad: 'valid' });
    release(backend, xT);
  }
  release(backend, dyT);
  const out = transpose(backend, grad, [1, 2, 0, 3]);
  release(backend, grad);
  return out;
}
