import * as tf from '@tensorflow/tfjs-core';
import { call, padOrCrop, release, reshape, type Info } from './wasm-calls.js';

/**
 * `DepthwiseConv2dNativeBackpropInput` for the WASM backend (NHWC, any strides, dilations and
 * paddings), as one XNNPACK depthwise convolution: dy is spread out by the stride (zeros in
 * between, by a reshape and a pad), padded, and convolved (stride 1, the forward dilation) with
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

  // Spread dy by the stride: [N, Ho, 1, Wo, 1, C*M] padded to [N, Ho, sh, Wo, sw, C*M], then cut.
  let spread = dy;
  let spreadOwned = false;
  if (strideHeight > 1 || strideWidth > 1) {
    const dy6 = reshape(backend, dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
    const paddings = [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]];
    const padded6 = call('PadV2', backend, { x: dy6 }, { paddings, constantValue: 0 });
    const flat = reshape(backend, padded6, [batchSize, outHeight * strideHeight, outWidth * strideWidth, outChannels]);
    spread = call('Slice', backend, { x: flat }, {
      begin: [0, 0, 0, 0],
      size: [batchSize, (outHeight - 1) * strideHeight + 1, (outWidth - 1) * strideWidth + 1, outChannels],
    });
    release(backend, dy6, padded6, flat);
    spreadOwned = true;
  }
  const spreadHeight = (outHeight - 1) * strideHeight + 1;
  const spreadWidth = (outWidth - 1) * strideWidth + 1;
  const top = (filterHeight - 1) * dilationHeight - padInfo.top;
  const left = (filterWidth - 1) * dilationWidth - padInfo.left;
  const bottom = inHeight + (filterHeight - 1) * dilationHeight - spreadHeight - top;
  const right = inWidth + (filterWidth - 1) * dilationWidth - spreadWidth - left;
  const padded = padOrCrop(backend, spread, [top, bottom, left, right]);
  if (spreadOwned) release(backend, spread);

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
