import * as tf from '@tensorflow/tfjs-core';
import { heapView, type Info } from './wasm-calls.js';

/**
 * `MaxPoolGrad` for the WASM backend: one pass over the backend's heap that sends each window's
 * `dy` to the first of its maxima (row-major order, padding never wins), as the `cpu` and
 * `webgl` backends do. Overlapping windows add up.
 *
 * The shipped kernel is a slow C++ loop and, worse, starts its running maximum at the smallest
 * positive float, so windows of negative values send their gradient to the wrong pixel; it also
 * picks the last of equal maxima. A graph of the backend's own slice/compare/select kernels (our
 * first version) cost ~10 passes over the input with 6-D broadcasting, 10-15x a max pool; this
 * is memory-bound work that one tight pass does at about the cost of the forward pool.
 */
export function maxPoolGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): Info {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.MaxPoolGradAttrs;
  const dy = inputs['dy'] as Info;
  const x = inputs['input'] as Info;
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const wasm = backend as unknown as { makeOutput(shape: number[], dtype: 'float32'): Info };
  // Allocate first: allocation may grow the heap, which detaches earlier views.
  const out = wasm.makeOutput([...x.shape], 'float32');
  const dxValues = heapView(backend, out);
  const xValues = heapView(backend, x);
  const dyValues = heapView(backend, dy);
  dxValues.fill(0);
  const rowStride = inWidth * channels;
  const imageStride = inHeight * rowStride;
  const best = new Float64Array(channels);
  const at = new Int32Array(channels);
  let o = 0; // index into dy
  for (let n = 0; n < batchSize; n++) {
    const image = n * imageStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * strideHeight - padInfo.top;
      const rowBegin = Math.max(0, top);
      const rowEnd = Math.min(inHeight, top + fh);
      for (let ow = 0; ow < outWidth; ow++, o += channels) {
        const left = ow * strideWidth - padInfo.left;
        const colBegin = Math.max(0, left);
        const colEnd = Math.min(inWidth, left + fw);
        best.fill(-Infinity);
        at.fill(-1);
        for (let r = rowBegin; r < rowEnd; r++) {
          for (let col = colBegin; col < colEnd; col++) {
            const base = image + r * rowStride + col * channels;
            for (let c = 0; c < channels; c++) {
              const v = xValues[base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                at[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const i = at[c]!;
          if (i >= 0) dxValues[i] = dxValues[i]! + dyValues[o + c]!;
        }
      }
    }
  }
  return out;
}
