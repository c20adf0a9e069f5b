import * as tf from '@tensorflow/tfjs-core';
import { call, constant, padOrCrop, release, reshape, spread, stridedWindow, transpose, type Info } from './wasm-calls.js';

/**
 * `MaxPoolGrad` for the WASM backend, from the backend's C++ slice, compare, select, pack and
 * transpose kernels. The shipped kernel is a slow loop and, worse, starts its running maximum
 * at the smallest positive float, so windows of negative values send their gradient to the
 * wrong pixel; it also picks the last of equal maxima where the other backends pick the first.
 *
 * For each filter tap, in row-major order, the tap's values (a strided slice of the input,
 * padded with -Infinity) are compared with the pooled output; the first tap that equals it
 * takes dy. Non-overlapping windows (stride = window, the usual 2x2) are interleaved back by a
 * pack and a transpose; other geometries are spread by the stride and added.
 */
export function maxPoolGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.MaxPoolGradAttrs;
  const dy = inputs['dy'] as Info;
  const x = inputs['input'] as Info;
  const y = inputs['output'] as Info;
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const tiles = strideHeight === fh && strideWidth === fw && outHeight * fh === inHeight && outWidth * fw === inWidth;
  if (tiles && padInfo.top === 0 && padInfo.left === 0) {
    return tiledMaxPoolGrad(backend, { dy, x, y }, [batchSize, outHeight, outWidth, inChannels], fh, fw);
  }
  const gridHeight = (outHeight - 1) * strideHeight + fh;
  const gridWidth = (outWidth - 1) * strideWidth + fw;
  const frame: [number, number, number, number] = [padInfo.top, gridHeight - inHeight - padInfo.top, padInfo.left, gridWidth - inWidth - padInfo.left];
  const grid = padOrCrop(backend, x, frame, -Infinity);
  const zeros = call('ZerosLike', backend, { x: dy });
  const parts: Info[] = [];
  let free: Info | undefined; // windows whose maximum no earlier tap took
  const taps = fh * fw;
  for (let t = 0; t < taps; t++) {
    const kh = Math.floor(t / fw);
    const kw = t % fw;
    const values = stridedWindow(backend, grid, kh, kw, { height: outHeight, width: outWidth, strideHeight, strideWidth });
    const isMax = call('Equal', backend, { a: values, b: y });
    release(backend, values);
    const takes = free === undefined ? isMax : call('LogicalAnd', backend, { a: isMax, b: free });
    parts.push(call('Select', backend, { condition: takes, t: dy, e: zeros }));
    if (t < taps - 1) {
      const notMax = call('LogicalNot', backend, { x: isMax });
      const nextFree = free === undefined ? notMax : call('LogicalAnd', backend, { a: free, b: notMax });
      if (free !== undefined) release(backend, free, notMax);
      free = nextFree;
    }
    if (takes !== isMax) release(backend, takes);
    release(backend, isMax);
  }
  if (free !== undefined) release(backend, free);
  release(backend, grid, zeros);

  let gridGrad: Info; // [N, gridHeight, gridWidth, C]
  if (strideHeight === fh && strideWidth === fw) {
    const packed = call('Pack', backend, parts, { axis: 0 }); // [fh*fw, N, Ho, Wo, C]
    const six = reshape(backend, packed, [fh, fw, batchSize, outHeight, outWidth, inChannels]);
    const moved = transpose(backend, six, [2, 3, 0, 4, 1, 5]); // [N, Ho, fh, Wo, fw, C]
    gridGrad = reshape(backend, moved, [batchSize, gridHeight, gridWidth, inChannels]);
    release(backend, packed, six, moved);
  } else {
    const spreadHeight = (outHeight - 1) * strideHeight + 1;
    const spreadWidth = (outWidth - 1) * strideWidth + 1;
    let sum: Info | undefined;
    parts.forEach((part, t) => {
      const kh = Math.floor(t / fw);
      const kw = t % fw;
      const spreadPart = spread(backend, part, strideHeight, strideWidth);
      const placed = padOrCrop(backend, spreadPart, [kh, gridHeight - spreadHeight - kh, kw, gridWidth - spreadWidth - kw]);
      release(backend, spreadPart);
      if (sum === undefined) {
        sum = placed;
      } else {
        const next = call('Add', backend, { a: sum, b: placed });
        release(backend, sum, placed);
        sum = next;
      }
    });
    gridGrad = sum as Info;
  }
  release(backend, ...parts);
  const dx = padOrCrop(backend, gridGrad, [-frame[0], -frame[1], -frame[2], -frame[3]]);
  release(backend, gridGrad);
  return dx;
}

/**
 * The usual case, windows that tile the input exactly (e.g. 2x2, stride 2, even sides), in
 * element-wise passes with broadcasting over a [N, Ho, fh, Wo, fw, C] view (no slices or
 * transposes, which are slow on this backend): gap = y - x is 0 at each window's maxima;
 * score = w where gap is 0 (w = fh*fw for the first position of the window, decreasing in
 * row-major order) and 0 elsewhere; a max pool of the score finds each window's first maximum;
 * dy goes where score equals it.
 */
function tiledMaxPoolGrad(
  backend: tf.KernelBackend,
  t: { dy: Info; x: Info; y: Info },
  [n, ho, wo, c]: [number, number, number, number],
  fh: number,
  fw: number,
): Info {
  const six = [n, ho, fh, wo, fw, c];
  const small = [n, ho, 1, wo, 1, c];
  const weights = constant(backend, [1, 1, fh, 1, fw, 1], Float32Array.from({ length: fh * fw }, (_, i) => fh * fw - i));
  const x6 = reshape(backend, t.x, six);
  const y6 = reshape(backend, t.y, small);
  const gap = call('Sub', backend, { a: y6, b: x6 });
  const notMax = call('Step', backend, { x: gap }, { alpha: 0 });
  const lost = call('Multiply', backend, { a: notMax, b: weights });
  const score = call('Sub', backend, { a: weights, b: lost }); // w at maxima, 0 elsewhere
  release(backend, x6, y6, gap, notMax, lost);
  const score4 = reshape(backend, score, [n, ho * fh, wo * fw, c]);
  const best = call('MaxPool', backend, { x: score4 }, { filterSize: [fh, fw], strides: [fh, fw], pad: 'valid', dimRoundingMode: undefined });
  const half = constant(backend, [], Float32Array.of(0.5));
  const threshold = call('Sub', backend, { a: best, b: half });
  const threshold6 = reshape(backend, threshold, small);
  const margin = call('Sub', backend, { a: score, b: threshold6 }); // 0.5 at the first maximum, < 0 elsewhere
  const first = call('Step', backend, { x: margin }, { alpha: 0 });
  release(backend, weights, score4, best, half, threshold, threshold6, score, margin);
  const dy6 = reshape(backend, t.dy, small);
  const dx6 = call('Multiply', backend, { a: first, b: dy6 });
  release(backend, first, dy6);
  const dx = reshape(backend, dx6, [n, ho * fh, wo * fw, c]);
  release(backend, dx6);
  return dx;
}
