import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, SimdKernels } from './simd/simd-runner.js';
import { call, heapOf, nhwcConv2DInfo, padOrCrop, release, transpose, type Info } from './wasm-calls.js';

/** Parts of every weight gradient, whatever the thread count (the most threads the backend runs). */
export const FILTER_GRAD_PARTS = 8;

/**
 * `Conv2DBackpropFilter` for the WASM backend (NHWC, any strides, 'same'/'valid'/explicit
 * padding, dilation 1). When the output channels are a multiple of 4 (every layer of our models)
 * it is the generated SIMD kernel `filterGrad` (simd/simd-module.ts) on all the backend's
 * threads: it reads x and dy where they lie. Otherwise it is one XNNPACK convolution, below.
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
  const simd = SimdKernels.of(backend);
  if (simd !== undefined && x.dtype === 'float32' && dy.dtype === 'float32' && info.outChannels % 4 === 0 && x.shape.every((d) => d > 0) && dy.shape.every((d) => d > 0)) {
    const ci = info.inChannels;
    const co = info.outChannels;
    const heap = heapOf(backend);
    // A fixed split (each part sums its rows, then the parts are added in order): the same bits on any number of threads.
    const parts = FILTER_GRAD_PARTS;
    const size = filterHeight * filterWidth * ci * co;
    const out = heap.makeOutput([filterHeight, filterWidth, ci, co], 'float32');
    const scratch = parts > 1 ? heap.makeOutput([(parts - 1) * size], 'float32') : undefined;
    const dw = simd.address(out);
    const spare = scratch === undefined ? 0 : simd.address(scratch);
    simd.run('filterGrad', parts, { x: simd.address(x), dy: simd.address(dy), dw, scratch: spare, ...convGeometry(info) });
    if (scratch !== undefined) {
      simd.run('sumParts', parts, { dst: dw, scratch: spare, count: size, copies: parts - 1 });
      release(backend, scratch);
    }
    return out;
  }
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
