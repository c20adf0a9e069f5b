import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, SimdKernels } from './simd/simd-runner.js';
import { packInputGradFilter } from './simd/filter-blocks.js';
import { INPUT_BLOCK } from './simd/simd-module.js';
import { call, heapOf, heapView, nhwcConv2DInfo, padOrCrop, release, spread, transpose, type Info } from './wasm-calls.js';

/**
 * `Conv2DBackpropInput` for the WASM backend (NHWC, any strides, 'same'/'valid'/explicit
 * padding, dilation 1). When the input channels are a multiple of 4 (every layer of our models
 * that needs it) it is the generated SIMD kernel `inputGrad` (simd/simd-module.ts) on all the
 * backend's threads, with the filter packed once (transposed per tap, in blocks of input channels). Otherwise it is one XNNPACK convolution,
 * below. The shipped kernel is a plain C++ loop, many times slower than the forward convolution.
 *
 * dx[n,y,x,ci] = sum over kh,kw,co of dy[n, (y+top-kh)/sh, (x+left-kw)/sw, co] * W[kh,kw,ci,co]
 * (terms with a fractional or out-of-range index are 0): dy spread out by the stride (zeros in
 * between), padded by fh-1-top (and what makes the output H high), convolved at stride 1 with
 * the filter reversed in space and with its in/out channels swapped.
 */
export function conv2dBackpropInputWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
  const dy = inputs['dy'] as Info;
  const filter = inputs['filter'] as Info;
  const info = nhwcConv2DInfo('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs);
  const { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  const simd = SimdKernels.of(backend);
  if (simd !== undefined && dy.dtype === 'float32' && filter.dtype === 'float32' && info.inChannels % 4 === 0 && attrs.inputShape.every((d) => d > 0) && dy.shape.every((d) => d > 0)) {
    const wt = heapOf(backend).makeOutput([...filter.shape], 'float32');
    packInputGradFilter(heapView(backend, filter), heapView(backend, wt), filter.shape as [number, number, number, number], INPUT_BLOCK.channels);
    const out = heapOf(backend).makeOutput([...attrs.inputShape], 'float32');
    simd.run('inputGrad', simd.balancedParts(info.batchSize * inHeight), { dy: simd.address(dy), wt: simd.address(wt), dx: simd.address(out), ...convGeometry(info) });
    release(backend, wt);
    return out;
  }
  const spreadDy = spread(backend, dy, strideHeight, strideWidth);
  const spreadHeight = (outHeight - 1) * strideHeight + 1;
  const spreadWidth = (outWidth - 1) * strideWidth + 1;
  const top = filterHeight - 1 - padInfo.top;
  const left = filterWidth - 1 - padInfo.left;
  const bottom = inHeight + filterHeight - 1 - spreadHeight - top;
  const right = inWidth + filterWidth - 1 - spreadWidth - left;
  const reversed = call('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const flipped = transpose(backend, reversed, [0, 1, 3, 2]); // [fh, fw, Co, Ci]
  release(backend, reversed);
  let out: Info;
  if (top >= 0 && bottom >= 0 && left >= 0 && right >= 0) {
    // XNNPACK pads for free inside the convolution.
    out = call('Conv2D', backend, { x: spreadDy, filter: flipped }, {
      strides: [1, 1],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    });
  } else {
    const padded = padOrCrop(backend, spreadDy, [top, bottom, left, right]);
    out = call('Conv2D', backend, { x: padded, filter: flipped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined });
    release(backend, padded);
  }
  release(backend, spreadDy, flipped);
  return out;
}
