import * as tf from '@tensorflow/tfjs-core';
import { call, padOrCrop, release, reshape, stridedWindow, type Info } from './wasm-calls.js';

/**
 * `DepthwiseConv2dNativeBackpropFilter` for the WASM backend (NHWC, any strides, dilations and
 * paddings), one filter tap at a time with the backend's C++ kernels:
 * dW[kh,kw,c,m] = sum over n,i,j of xPadded[n, i*sh + kh*dh, j*sw + kw*dw, c] * dy[n,i,j,c*M+m],
 * i.e. a strided slice of the padded input, a broadcast multiply and a sum, for each tap.
 */
export function depthwiseConv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const x = inputs['x'] as Info;
  const dy = inputs['dy'] as Info;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, dilationHeight, dilationWidth, padInfo } = info;
  const multiplier = info.outChannels / inChannels;
  const bottom = (outHeight - 1) * strideHeight + (filterHeight - 1) * dilationHeight + 1 - inHeight - padInfo.top;
  const right = (outWidth - 1) * strideWidth + (filterWidth - 1) * dilationWidth + 1 - inWidth - padInfo.left;
  const padded = padOrCrop(backend, x, [padInfo.top, bottom, padInfo.left, right]);
  const dy5 = reshape(backend, dy, [batchSize, outHeight, outWidth, inChannels, multiplier]);
  const taps: Info[] = [];
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const top = kh * dilationHeight;
      const left = kw * dilationWidth;
      const slice = stridedWindow(backend, padded, top, left, { height: outHeight, width: outWidth, strideHeight, strideWidth });
      const slice5 = reshape(backend, slice, [batchSize, outHeight, outWidth, inChannels, 1]);
      const product = call('Multiply', backend, { a: slice5, b: dy5 });
      taps.push(call('Sum', backend, { x: product }, { axis: [0, 1, 2], keepDims: false }));
      release(backend, slice, slice5, product);
    }
  }
  release(backend, padded, dy5);
  const stacked = call('Pack', backend, taps, { axis: 0 });
  release(backend, ...taps);
  const out = reshape(backend, stacked, [filterHeight, filterWidth, inChannels, multiplier]);
  release(backend, stacked);
  return out;
}
