import * as tf from '@tensorflow/tfjs-core';
import { call, padOrCrop, release, transpose, type Info } from './wasm-calls.js';

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
  const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (format !== 'channelsLast') {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'.`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    format,
  );
  const { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  // Rows of x the forward pass read: [-top, (Ho-1)*sh + fh - 1 - top]. Pad or crop to exactly those.
  const bottom = (outHeight - 1) * strideHeight + filterHeight - inHeight - padInfo.top;
  const right = (outWidth - 1) * strideWidth + filterWidth - inWidth - padInfo.left;
  const window = padOrCrop(backend, x, [padInfo.top, bottom, padInfo.left, right]);
  const xT = transpose(backend, window, [3, 1, 2, 0]); // [Ci, H', W', N]
  release(backend, window);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const grad = call(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [strideHeight, strideWidth], dimRoundingMode: undefined },
  ); // [Ci, fh, fw, Co]
  release(backend, xT, dyT);
  const out = transpose(backend, grad, [1, 2, 0, 3]);
  release(backend, grad);
  return out;
}
