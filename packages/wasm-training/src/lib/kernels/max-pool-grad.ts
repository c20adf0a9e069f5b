import * as tf from '@tensorflow/tfjs-core';
import { SimdKernels } from './simd/simd-runner.js';
import { heapOf, heapView, type Info } from './wasm-calls.js';

/**
 * `MaxPoolGrad` for the WASM backend: one pass over the backend's heap that sends each window's
 * `dy` to the first of its maxima (row-major order, padding never wins), as the `cpu` and
 * `webgl` backends do. Overlapping windows add up.
 *
 * The shipped kernel is a slow C++ loop and, worse, starts its running maximum at the smallest
 * positive float, so windows of negative values send their gradient to the wrong pixel; it also
 * picks the last of equal maxima. A graph of the backend's own slice/compare/select kernels (our
 * first version) cost ~10 passes over the input with 6-D broadcasting, 10-15x a max pool; this
 * is memory-bound work that one tight pass does at about the cost of the forward pool. The usual
 * pool (2x2 windows at stride 2 tiling the input, channels a multiple of 4) runs as the generated
 * SIMD kernel `maxPoolGrad2x2` (simd/simd-module.ts) on all threads, branch-free: 64 -> 5 ms per
 * bench-cnn step. The JavaScript passes below cover every other pool.
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
  // Allocate first: allocation may grow the heap, which detaches earlier views.
  const out = heapOf(backend).makeOutput([...x.shape], 'float32');
  const tiles = strideHeight === fh && strideWidth === fw && outHeight * fh === inHeight && outWidth * fw === inWidth && padInfo.top === 0 && padInfo.left === 0;
  const float = x.dtype === 'float32' && dy.dtype === 'float32';
  const simd = float && tiles && fh === 2 && fw === 2 && channels % 4 === 0 ? SimdKernels.of(backend) : undefined;
  if (simd !== undefined && out.shape.every((d) => d > 0)) {
    const args = { x: simd.address(x), dy: simd.address(dy), dx: simd.address(out), n: batchSize, h: inHeight, w: inWidth, c: channels };
    simd.run('maxPoolGrad2x2', simd.balancedParts(batchSize * outHeight), args);
    return out;
  }
  const views = { dx: heapView(backend, out), x: heapView(backend, x), dy: heapView(backend, dy) };
  const geometry = { batchSize, inHeight, inWidth, channels, outHeight, outWidth, strideHeight, strideWidth, fh, fw, top: padInfo.top, left: padInfo.left };
  if (tiles && fh === 2 && fw === 2) tiled2x2Pass(views, geometry);
  else if (tiles) tiledPass(views, geometry);
  else generalPass(views, geometry);
  return out;
}

interface Views {
  readonly dx: Float32Array;
  readonly x: Float32Array;
  readonly dy: Float32Array;
}

interface Geometry {
  readonly batchSize: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly fh: number;
  readonly fw: number;
  readonly top: number;
  readonly left: number;
}

/** Windows that tile the input exactly (the usual 2x2, stride 2): every dx element is written once, no zero fill. */
function tiledPass({ dx, x, dy }: Views, g: Geometry): void {
  const rowStride = g.inWidth * g.channels;
  let o = 0; // index into dy
  for (let n = 0; n < g.batchSize; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      const rowBase = (n * g.inHeight + oh * g.fh) * rowStride;
      for (let ow = 0; ow < g.outWidth; ow++, o += g.channels) {
        const windowBase = rowBase + ow * g.fw * g.channels;
        for (let c = 0; c < g.channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let r = 0; r < g.fh; r++) {
            for (let col = 0, i = windowBase + r * rowStride + c; col < g.fw; col++, i += g.channels) {
              const v = x[i]!;
              dx[i] = 0;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = dy[o + c]!;
        }
      }
    }
  }
}

/** {@link tiledPass} unrolled for 2x2 windows (twice as fast in V8; the pool of nearly every CNN). */
function tiled2x2Pass({ dx, x, dy }: Views, g: Geometry): void {
  const rowStride = g.inWidth * g.channels;
  const channels = g.channels;
  let o = 0; // index into dy
  for (let n = 0; n < g.batchSize; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      const rowBase = (n * g.inHeight + oh * 2) * rowStride;
      for (let ow = 0; ow < g.outWidth; ow++, o += channels) {
        const a = rowBase + ow * 2 * channels; // top left; b top right, c bottom left, d bottom right
        const b = a + channels;
        const c = a + rowStride;
        const d = c + channels;
        for (let k = 0; k < channels; k++) {
          let best = -Infinity;
          let at = -1;
          const va = x[a + k]!;
          const vb = x[b + k]!;
          const vc = x[c + k]!;
          const vd = x[d + k]!;
          if (va > best) {
            best = va;
            at = a + k;
          }
          if (vb > best) {
            best = vb;
            at = b + k;
          }
          if (vc > best) {
            best = vc;
            at = c + k;
          }
          if (vd > best) at = d + k;
          dx[a + k] = 0;
          dx[b + k] = 0;
          dx[c + k] = 0;
          dx[d + k] = 0;
          if (at >= 0) dx[at] = dy[o + k]!;
        }
      }
    }
  }
}

/** Any stride and padding: windows may overlap (gradients add up), miss pixels, or hang over the border. */
function generalPass({ dx, x, dy }: Views, g: Geometry): void {
  dx.fill(0);
  const rowStride = g.inWidth * g.channels;
  let o = 0; // index into dy
  for (let n = 0; n < g.batchSize; n++) {
    const image = n * g.inHeight * rowStride;
    for (let oh = 0; oh < g.outHeight; oh++) {
      const top = oh * g.strideHeight - g.top;
      const rowBegin = Math.max(0, top);
      const rowEnd = Math.min(g.inHeight, top + g.fh);
      for (let ow = 0; ow < g.outWidth; ow++, o += g.channels) {
        const left = ow * g.strideWidth - g.left;
        const colBegin = Math.max(0, left);
        const colEnd = Math.min(g.inWidth, left + g.fw);
        for (let c = 0; c < g.channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let r = rowBegin; r < rowEnd; r++) {
            for (let col = colBegin, i = image + r * rowStride + col * g.channels + c; col < colEnd; col++, i += g.channels) {
              const v = x[i]!;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = dx[at]! + dy[o + c]!;
        }
      }
    }
  }
}
