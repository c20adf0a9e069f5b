import * as tf from '@tensorflow/tfjs-core';
import { call, padOrCrop, release, reshape, spread, type Info } from './wasm-calls.js';

/**
 * `DepthwiseConv2dNativeBackpropInput` for the WASM backend (NHWC, any strides, dilations and
 * paddings), as one XNNPACK depthwise convolution: dy is spread out by the stride (zeros in
 * between), padded, and convolved (stride 1, the forward dilation) with
 * the spatially reversed filter; with a channel multiplier M the M outputs of each input
 * channel are then summed.
 */
export function depthwiseConv2dBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const dy = inputs['dy'] as Info;
  const filter = inputs['filter'] as Info;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, dilationHeight, dilationWidth, padInfo } = info;
  const multiplier = outChannels / inChannels;

  const spreadDy = spread(backend, dy, strideHeight, strideWidth);
  const spreadHeight = (outHeight - 1) * strideHeight + 1;
  const spreadWidth = (outWidth - 1) * strideWidth + 1;
  const top = (filterHeight - 1) * dilationHeight - padInfo.top;
  const left = (filterWidth - 1) * dilationWidth - padInfo.left;
  const bottom = inHeight + (filterHeight - 1) * dilationHeight - spreadHeight - top;
  const right = inWidth + (filterWidth - 1) * dilationWidth - spreadWidth - left;
  const padded = padOrCrop(backend, spreadDy, [top, bottom, left, right]);
  release(backend, spreadDy);

  const reversed = call('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const flatFilter = reshape(backend, reversed, [filterHeight, filterWidth, outChannels, 1]);
  const full = call('DepthwiseConv2dNative', backend, { x: padded, filter: flatFilter }, {
    strides: [1, 1],
    pad: 'valid',
    dilations: [dilationHeight, dilationWidth],
    dimRoundingMode: undefined,
    dataFormat: 'NHWC',
  });
  release(backend, padded, reversed, flatFilter);
  if (multiplier === 1) return full;
  const full5 = reshape(backend, full, [batchSize, inHeight, inWidth, inChannels, multiplier]);
  const out = call('Sum', backend, { x: full5 }, { axis: [4], keepDims: false });
  release(backend, full, full5);
  return out;
}
