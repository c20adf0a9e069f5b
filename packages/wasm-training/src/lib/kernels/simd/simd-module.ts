import { encodeModule, f32, f64, FunctionBody, i32, v128, type ExportedFunction } from './emit.js';

/**
 * The SIMD training kernels, generated as one WebAssembly module that works directly on the
 * tfjs WASM backend's memory. Every function takes `(part, parts, ...)` and does its share of
 * the work (a contiguous range of rows), so the same code runs on one thread or on several
 * workers sharing that memory. All pointers and sizes are in bytes of the backend's heap unless
 * named otherwise.
 */

/** Parameter order of `filterGrad` (after `part, parts`). */
export const FILTER_GRAD_ARGS = ['x', 'dy', 'dw', 'scratch', 'n', 'h', 'w', 'ci', 'ho', 'wo', 'co', 'fh', 'fw', 'sh', 'sw', 'top', 'left'] as const;
/** Parameter order of `inputGrad` (after `part, parts`); `wt` is the filter packed by `packInputGradFilter` (filter-blocks.ts). */
export const INPUT_GRAD_ARGS = ['dy', 'wt', 'dx', 'n', 'h', 'w', 'ci', 'ho', 'wo', 'co', 'fh', 'fw', 'sh', 'sw', 'top', 'left'] as const;
/**
 * Parameter order of `conv2d` (after `part, parts`): the filter packed by `packForwardFilter` (filter-blocks.ts); `bias` a
 * vector of co floats read when `flags & 1`; `flags & 2` applies ReLU.
 */
export const CONV2D_ARGS = ['x', 'filter', 'bias', 'y', 'n', 'h', 'w', 'ci', 'ho', 'wo', 'co', 'fh', 'fw', 'sh', 'sw', 'top', 'left', 'flags'] as const;
/** `conv2d`'s flags. */
export const CONV2D_FLAGS = { bias: 1, relu: 2 } as const;
/** The block of y that `conv2d` keeps in registers: columns x output channels (a multiple of 4). */
export const CONV2D_BLOCK = { positions: 2, channels: 16 } as const;
/** Parameter order of `gather32` (after `part, parts`); sizes in elements. */
export const GATHER_ARGS = ['src', 'indices', 'dst', 'outer', 'size', 'count', 'slice'] as const;
/** The block of dW that `filterGrad` keeps in registers: input x output channels (a multiple of 4). */
export const FILTER_BLOCK = { inputs: 4, outputs: 8 } as const;
/** The block of dx that `inputGrad` keeps in registers: columns x input channels (a multiple of 4). */
export const INPUT_BLOCK = { positions: 2, channels: 16 } as const;
/** Parameter order of `sumParts` (after `part, parts`). */
export const SUM_PARTS_ARGS = ['dst', 'scratch', 'count', 'copies'] as const;
/**
 * Parameter order of `binary` (after `part, parts`): `out[r, j] = A(r, j) op B(r, j)` for r < rows,
 * j < inner (a multiple of 4). An operand's row r starts `step * r` bytes after its address; with
 * `splat` 1 that row is one value repeated (a per-row scalar), else `inner` values.
 */
export const BINARY_ARGS = ['op', 'a', 'aStep', 'aSplat', 'b', 'bStep', 'bSplat', 'out', 'rows', 'inner'] as const;
/**
 * `binary`'s operations. `reluGrad` is ReLU's gradient, A = dy and B = x: `dy * step(x)` where
 * step is 1 above 0, 0 at or below, NaN for NaN (the `cpu` backend's `dy * step(x)`, in one pass).
 * `relu` reads A alone: `max(A, 0)`, NaN kept and -0 made 0 (as the shipped `Relu`).
 */
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, reluGrad: 4, relu: 5 } as const;
/**
 * Parameter order of `rowSum` (after `part, parts`): x viewed as [outer, rows, inner] (inner a
 * multiple of 4) summed over its rows in `chunks` fixed row ranges; chunk 0 of outer index o
 * writes `out[o, :]`, chunk k > 0 writes `scratch + (k-1) * outer * inner` floats (then `sumParts`).
 * With `mask` not 0, what is summed is ReLU's gradient `x * step(mask)` (mask of x's shape; as
 * `binary`'s `reluGrad`), which is also written to `masked` (x's shape) as the rows pass.
 */
export const ROW_SUM_ARGS = ['x', 'out', 'scratch', 'outer', 'rows', 'inner', 'chunks', 'mask', 'masked'] as const;
/**
 * Parameter order of `resample` (after `part, parts`): images `src` [n, h, w, c] resampled into
 * `dst` (the same shape) through one affine matrix per image, n x 6 f64 (a0 a1 a2 b0 b1 b2:
 * output pixel (x, y) reads input (a0 x + a1 y + a2, b0 x + b1 y + b2)) at `matrices`; `fill` one
 * of {@link RESAMPLE_FILL}.
 */
export const RESAMPLE_ARGS = ['src', 'dst', 'matrices', 'n', 'h', 'w', 'c', 'fill'] as const;
/** How `resample` maps coordinates outside the image (Keras' fill modes; `constant` reads nothing: 0). */
export const RESAMPLE_FILL = { reflect: 0, constant: 1, nearest: 2, wrap: 3 } as const;
/**
 * Parameter order of `batchNorm` (after `part, parts`): x viewed as [rows, c] (c even); `mean` and
 * `scale` c f32 values, `factor` and `offset` c f64 values (each channel's sqrt(variance + epsilon)
 * as an f32, and its offset, both widened to f64).
 */
export const BATCH_NORM_ARGS = ['x', 'mean', 'scale', 'factor', 'offset', 'out', 'rows', 'c'] as const;
/** Parameter order of `maxPool2x2` (after `part, parts`): 2x2 windows at stride 2 from the top-left corner, no padding. */
export const MAX_POOL_ARGS = ['x', 'y', 'n', 'h', 'w', 'c'] as const;
/** Parameter order of `maxPoolGrad2x2` (after `part, parts`). */
export const MAX_POOL_GRAD_ARGS = ['x', 'dy', 'dx', 'n', 'h', 'w', 'c'] as const;

type Params<T extends readonly string[]> = { readonly [K in T[number]]: number } & { readonly part: number; readonly parts: number };

function params<T extends readonly string[]>(names: T): { body: FunctionBody; p: Params<T> } {
  const all = ['part', 'parts', ...names];
  const body = new FunctionBody(all.map(() => i32));
  const p = Object.fromEntries(all.map((key, i) => [key, i])) as unknown as Params<T>;
  return { body, p };
}

/** `for (v = start; v < end; v += step) body()`, with start/end/step emitted by callbacks. */
function forRange(f: FunctionBody, v: number, start: () => void, end: () => void, step: number | (() => void), body: () => void): void {
  start();
  f.set(v);
  f.block(() => {
    f.loop(() => {
      f.get(v);
      end();
      f.geS().brIf(1);
      body();
      f.get(v);
      if (typeof step === 'number') f.const(step);
      else step();
      f.add().set(v).br(0);
    });
  });
}

/** Sets `target` to this part's share [from, to) of `total` items (emitted: total in `total`). */
function share(f: FunctionBody, p: { part: number; parts: number }, total: number, from: number, to: number): void {
  f.get(total).get(p.part).mul().get(p.parts).divS().set(from);
  f.get(total).get(p.part).const(1).add().mul().get(p.parts).divS().set(to);
}

/**
 * The output columns ow whose input column ow*sw+kw-left lies in [0, w), for filter column kw:
 * sets `lo`, `hi` (exclusive) and `count` = max(0, hi - lo); `num` is scratch.
 */
function validColumns(
  f: FunctionBody,
  p: { readonly left: number; readonly sw: number; readonly w: number; readonly wo: number },
  kw: number,
  at: { readonly num: number; readonly lo: number; readonly hi: number; readonly count: number },
): void {
  const { num, lo, hi, count } = at;
  // lo = left-kw <= 0 ? 0 : ceil((left-kw)/sw)
  f.get(p.left).get(kw).sub().set(num);
  f.const(0).get(num).get(p.sw).add().const(1).sub().get(p.sw).divS().get(num).const(0).leS().select().set(lo);
  // hi = w-1+left-kw < 0 ? 0 : min(wo, (w-1+left-kw)/sw + 1)
  f.get(p.w).const(1).sub().get(p.left).add().get(kw).sub().set(num);
  f.get(num).get(p.sw).divS().const(1).add().set(hi);
  f.get(hi).get(p.wo).get(hi).get(p.wo).ltS().select().set(hi);
  f.const(0).get(hi).get(num).const(0).ltS().select().set(hi);
  f.get(hi).get(lo).sub().set(count);
}

/**
 * dW[kh,kw,ci,co] = sum over n, oh, ow of x[n, oh*sh+kh-top, ow*sw+kw-left, ci] * dy[n,oh,ow,co]
 * (NHWC, dilation 1; x positions outside the image read as zero). Part 0 writes `dw`, part p > 0
 * writes `scratch + (p-1) * |dW|`; `sumParts` then adds the parts up. Needs `co % 4 == 0`.
 *
 * Per output row and filter tap, the taps' valid columns form one range, and the work is a sum
 * of outer products x[ow, ci-block]^T dy[ow, co-block] over it: 4 input channels x 8 output
 * channels of dW stay in eight SIMD registers while the row streams past.
 */
function filterGrad(block: { readonly inputs: number; readonly outputs: number } = FILTER_BLOCK, fused = false): ExportedFunction {
  const { body: f, p } = params(FILTER_GRAD_ARGS);
  const L = (): number => f.local(i32);
  const [dst, bytes, r, r1, rows, nn, oh, dyRow, kh, ih, xRow, kw, lo, hi, count, num] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const [xStart, dyStart, xStep, dyStep, tap, c0, co0, ci4, co8, co16, rowStride, xp, dp, k, at, i] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const acc = Array.from({ length: Math.max(block.inputs, 2) * (block.outputs / 4) }, () => f.local(v128));
  const d = Array.from({ length: (2 * block.outputs) / 4 }, () => f.local(v128));
  const s = f.local(v128);

  // bytes = fh*fw*ci*co*4; dst = part == 0 ? dw : scratch + (part-1)*bytes
  f.get(p.fh).get(p.fw).mul().get(p.ci).mul().get(p.co).mul().const(4).mul().set(bytes);
  f.get(p.dw).get(p.scratch).get(p.part).const(1).sub().get(bytes).mul().add().get(p.part).eqz().select().set(dst);
  forRange(f, i, () => f.const(0), () => f.get(bytes), 16, () => {
    f.get(dst).get(i).add().f32x4Constant(0).v128Store();
  });
  f.get(p.co).const(4).mul().set(rowStride);
  // ci4, co8: the channels covered by whole blocks (the rest go 1 input at a time, with co16 the
  // output channels covered by blocks of twice block.outputs, then 4 outputs at a time).
  f.get(p.ci).get(p.ci).const(block.inputs).remS().sub().set(ci4);
  f.get(p.co).get(p.co).const(block.outputs).remS().sub().set(co8);
  f.get(p.co).get(p.co).const(2 * block.outputs).remS().sub().set(co16);
  f.get(p.sw).get(p.ci).mul().const(4).mul().set(xStep);
  f.get(rowStride).set(dyStep);
  f.get(p.n).get(p.ho).mul().set(rows);
  share(f, p, rows, r, r1);

  const micro = (ciBlock: number, coBlock: number): void => {
    const vectors = coBlock / 4;
    // at = tap + (c0*co + co0)*4
    f.get(tap).get(c0).get(p.co).mul().get(co0).add().const(4).mul().add().set(at);
    for (let a = 0; a < ciBlock; a++) {
      for (let b = 0; b < vectors; b++) {
        f.get(at).get(rowStride).const(a).mul().add().v128Load(16 * b).set(acc[a * vectors + b]!);
      }
    }
    f.get(xStart).get(c0).const(4).mul().add().set(xp);
    f.get(dyStart).get(co0).const(4).mul().add().set(dp);
    f.get(count).set(k);
    f.loop(() => {
      for (let b = 0; b < vectors; b++) f.get(dp).v128Load(16 * b).set(d[b]!);
      for (let a = 0; a < ciBlock; a++) {
        f.get(xp).load32Splat(4 * a).set(s);
        for (let b = 0; b < vectors; b++) {
          const q = acc[a * vectors + b]!;
          f.multiplyAdd(q, s, d[b]!, fused);
        }
      }
      f.get(xp).get(xStep).add().set(xp);
      f.get(dp).get(dyStep).add().set(dp);
      f.get(k).const(1).sub().tee(k).brIf(0);
    });
    for (let a = 0; a < ciBlock; a++) {
      for (let b = 0; b < vectors; b++) {
        f.get(at).get(rowStride).const(a).mul().add().get(acc[a * vectors + b]!).v128Store(16 * b);
      }
    }
  };
  const outputBlocks = (ciBlock: number, outputs: number, whole: number): void => {
    forRange(f, co0, () => f.const(0), () => f.get(whole), outputs, () => micro(ciBlock, outputs));
    forRange(f, co0, () => f.get(whole), () => f.get(p.co), 4, () => micro(ciBlock, 4));
  };

  forRange(f, r, () => f.get(r), () => f.get(r1), 1, () => {
    f.get(r).get(p.ho).divS().set(nn);
    f.get(r).get(nn).get(p.ho).mul().sub().set(oh);
    f.get(p.dy).get(r).get(p.wo).mul().get(rowStride).mul().add().set(dyRow);
    forRange(f, kh, () => f.const(0), () => f.get(p.fh), 1, () => {
      f.get(oh).get(p.sh).mul().get(kh).add().get(p.top).sub().set(ih);
      f.get(ih).const(0).geS().get(ih).get(p.h).ltS().and().if(() => {
        f.get(p.x).get(nn).get(p.h).mul().get(ih).add().get(p.w).mul().get(p.ci).mul().const(4).mul().add().set(xRow);
        forRange(f, kw, () => f.const(0), () => f.get(p.fw), 1, () => {
          validColumns(f, p, kw, { num, lo, hi, count });
          f.get(count).const(0).gtS().if(() => {
            f.get(xRow).get(lo).get(p.sw).mul().get(kw).add().get(p.left).sub().get(p.ci).mul().const(4).mul().add().set(xStart);
            f.get(dyRow).get(lo).get(rowStride).mul().add().set(dyStart);
            f.get(dst).get(kh).get(p.fw).mul().get(kw).add().get(p.ci).mul().get(rowStride).mul().add().set(tap);
            forRange(f, c0, () => f.const(0), () => f.get(ci4), block.inputs, () => outputBlocks(block.inputs, block.outputs, co8));
            // The last ci % inputs channels one at a time, with twice the output channels (as many registers).
            forRange(f, c0, () => f.get(ci4), () => f.get(p.ci), 1, () => outputBlocks(1, 2 * block.outputs, co16));
          });
        });
      });
    });
  });
  return { name: 'filterGrad', body: f };
}

/**
 * dx[n,ih,iw,ci] = sum over kh, kw, co of dy[n, oh, ow, co] * W[kh,kw,ci,co] where
 * ih = oh*sh+kh-top and iw = ow*sw+kw-left (NHWC, dilation 1), with the filter given packed
 * (`packInputGradFilter`: per tap, blocks of input channels, each block's co rows contiguous).
 * Parts own whole rows of dx, so they never write the same memory. Needs `ci % 4 == 0`.
 *
 * Per dx row and filter tap, the dy row that reaches it and the valid columns are known; a block
 * of {@link INPUT_BLOCK} (2 columns x 16 input channels) of dx stays in eight SIMD registers while
 * the output channels stream past (one row of the block's filter values and two dy values each). Of the blocks timed on
 * bench-cnn's layers (4x8, 3x8, 2x8, 2x12, 2x16), 2x16 was the fastest by 10-15%.
 */
function inputGrad(block: { readonly positions: number; readonly channels: number } = INPUT_BLOCK, fused = false): ExportedFunction {
  const { body: f, p } = params(INPUT_GRAD_ARGS);
  const L = (): number => f.local(i32);
  const [r, r1, rows, nn, ih, dxRow, dyRow, kh, t, oh, kw, lo, hi, count, num] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const [dxStart, dyStart, dxStep, dyStep, tap, c0, ci8, j0, at, wp, k, i, ciBytes] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const q = Array.from({ length: block.positions }, L);
  const acc = Array.from({ length: block.positions * (block.channels / 4) }, () => f.local(v128));
  const wv = Array.from({ length: block.channels / 4 }, () => f.local(v128));
  const s = f.local(v128);

  f.get(p.ci).const(4).mul().set(ciBytes);
  // ci8: the input channels covered by whole blocks of block.channels (the rest go 4 at a time).
  f.get(p.ci).get(p.ci).const(block.channels).remS().sub().set(ci8);
  f.get(p.sw).get(ciBytes).mul().set(dxStep);
  f.get(p.co).const(4).mul().set(dyStep);
  f.get(p.n).get(p.h).mul().set(rows);
  share(f, p, rows, r, r1);

  const micro = (positions: number, ciBlock: number): void => {
    const vectors = ciBlock / 4;
    // at = dxStart + j0*dxStep + c0*4
    f.get(dxStart).get(j0).get(dxStep).mul().add().get(c0).const(4).mul().add().set(at);
    for (let a = 0; a < positions; a++) {
      for (let b = 0; b < vectors; b++) f.get(at).get(dxStep).const(a).mul().add().v128Load(16 * b).set(acc[a * vectors + b]!);
      f.get(dyStart).get(j0).const(a).add().get(dyStep).mul().add().set(q[a]!);
    }
    // The tap's block of input channels from c0 starts c0 * co floats into the tap (packed filter).
    f.get(tap).get(c0).get(dyStep).mul().add().set(wp);
    f.get(p.co).set(k);
    f.loop(() => {
      for (let b = 0; b < vectors; b++) f.get(wp).v128Load(16 * b).set(wv[b]!);
      for (let a = 0; a < positions; a++) {
        f.get(q[a]!).load32Splat().set(s);
        f.get(q[a]!).const(4).add().set(q[a]!);
        for (let b = 0; b < vectors; b++) {
          const x = acc[a * vectors + b]!;
          f.multiplyAdd(x, s, wv[b]!, fused);
        }
      }
      f.get(wp).const(ciBlock * 4).add().set(wp);
      f.get(k).const(1).sub().tee(k).brIf(0);
    });
    for (let a = 0; a < positions; a++) {
      for (let b = 0; b < vectors; b++) f.get(at).get(dxStep).const(a).mul().add().get(acc[a * vectors + b]!).v128Store(16 * b);
    }
  };
  const columnBlocks = (ciBlock: number): void => {
    // Blocks of block.positions columns, then single columns.
    f.const(0).set(j0);
    f.block(() => {
      f.loop(() => {
        f.get(j0).const(block.positions).add().get(count).gtS().brIf(1);
        micro(block.positions, ciBlock);
        f.get(j0).const(block.positions).add().set(j0).br(0);
      });
    });
    forRange(f, j0, () => f.get(j0), () => f.get(count), 1, () => micro(1, ciBlock));
  };

  forRange(f, r, () => f.get(r), () => f.get(r1), 1, () => {
    f.get(r).get(p.h).divS().set(nn);
    f.get(r).get(nn).get(p.h).mul().sub().set(ih);
    f.get(p.dx).get(r).get(p.w).mul().get(ciBytes).mul().add().set(dxRow);
    forRange(f, i, () => f.const(0), () => f.get(p.w).get(ciBytes).mul(), 16, () => {
      f.get(dxRow).get(i).add().f32x4Constant(0).v128Store();
    });
    forRange(f, kh, () => f.const(0), () => f.get(p.fh), 1, () => {
      // The dy row reaching dx row ih through tap kh: oh = (ih+top-kh)/sh when whole and in range.
      f.get(ih).get(p.top).add().get(kh).sub().set(t);
      f.get(t).get(p.sh).divS().set(oh);
      f.get(t).const(0).geS().get(oh).get(p.sh).mul().get(t).eq().and().get(oh).get(p.ho).ltS().and().if(() => {
        f.get(p.dy).get(nn).get(p.ho).mul().get(oh).add().get(p.wo).mul().get(dyStep).mul().add().set(dyRow);
        forRange(f, kw, () => f.const(0), () => f.get(p.fw), 1, () => {
          validColumns(f, p, kw, { num, lo, hi, count });
          f.get(count).const(0).gtS().if(() => {
            f.get(dxRow).get(lo).get(p.sw).mul().get(kw).add().get(p.left).sub().get(ciBytes).mul().add().set(dxStart);
            f.get(dyRow).get(lo).get(dyStep).mul().add().set(dyStart);
            f.get(p.wt).get(kh).get(p.fw).mul().get(kw).add().get(p.co).mul().get(ciBytes).mul().add().set(tap);
            forRange(f, c0, () => f.const(0), () => f.get(ci8), block.channels, () => columnBlocks(block.channels));
            forRange(f, c0, () => f.get(ci8), () => f.get(p.ci), 4, () => columnBlocks(4));
          });
        });
      });
    });
  });
  return { name: 'inputGrad', body: f };
}

/**
 * The forward convolution, with an optional bias and ReLU:
 * y[n,oh,ow,co] = act(bias[co] + sum over kh, kw, ci of x[n, oh*sh+kh-top, ow*sw+kw-left, ci] * W[kh,kw,ci,co])
 * (NHWC, dilation 1, any stride; x positions outside the image read as zero). Parts own whole
 * rows of y. Needs `co % 4 == 0`.
 *
 * A block of {@link CONV2D_BLOCK} (2 columns x 16 output channels) of y stays in eight SIMD
 * registers for the whole sum: per filter row kh, the taps kw = 0..fw-1 and input channels of a
 * column are contiguous both in x (NHWC) and in W ([fh, fw, ci, co]), so one loop of fw*ci steps
 * streams one x value per column (splat) and one row of W (16 channels) past the block; the filter
 * comes packed (`packForwardFilter`), so the rows of one block of channels are contiguous. Columns
 * whose taps all lie inside the image go two at a time; the columns at the edges go one at a
 * time over the taps that lie inside. Each output sums its terms in the same order (kh, then kw
 * and ci) whichever part computes it, so the result does not depend on the split or the threads.
 */
function conv2d(block: { readonly positions: number; readonly channels: number } = CONV2D_BLOCK, fused = false): ExportedFunction {
  const { body: f, p } = params(CONV2D_ARGS);
  const L = (): number => f.local(i32);
  const [r, r1, rows, nn, oh, yRow, xImg, ihBase, khLo, khHi, kh, a, b, num, co0, coBlocks, ow] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const [ciBytes, coBytes, xStep, rowBytes, base, kwLo, kwHi, count, wp, k, at] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const xp = Array.from({ length: block.positions }, L);
  const acc = Array.from({ length: block.positions * (block.channels / 4) }, () => f.local(v128));
  const wv = Array.from({ length: block.channels / 4 }, () => f.local(v128));
  const s = f.local(v128);

  f.get(p.ci).const(4).mul().set(ciBytes);
  f.get(p.co).const(4).mul().set(coBytes);
  f.get(p.sw).get(ciBytes).mul().set(xStep);
  f.get(p.w).get(ciBytes).mul().set(rowBytes);
  // coBlocks: the output channels covered by whole blocks of block.channels (the rest go 4 at a time).
  f.get(p.co).get(p.co).const(block.channels).remS().sub().set(coBlocks);
  // Columns [a, b) read every tap inside the image: a = min(wo, ceil(left/sw));
  // b = max(a, min(wo, floor((w-fw+left)/sw) + 1)), or a when w-fw+left < 0.
  f.get(p.left).get(p.sw).add().const(1).sub().get(p.sw).divS().set(a);
  f.get(a).get(p.wo).get(a).get(p.wo).ltS().select().set(a);
  f.get(p.w).get(p.fw).sub().get(p.left).add().set(num);
  f.get(num).get(p.sw).divS().const(1).add().set(b);
  f.get(b).get(p.wo).get(b).get(p.wo).ltS().select().set(b);
  f.get(a).get(b).get(num).const(0).ltS().select().set(b);
  f.get(b).get(a).get(b).get(a).gtS().select().set(b);
  f.get(p.n).get(p.ho).mul().set(rows);
  share(f, p, rows, r, r1);

  /**
   * One block of `positions` columns from column `ow` and `channels` output channels from co0:
   * the sum over the taps kw in [kwLo, kwHi) of every valid filter row, then bias and ReLU.
   */
  const micro = (positions: number, channels: number, edge: boolean): void => {
    const vectors = channels / 4;
    for (let i = 0; i < positions * vectors; i++) f.f32x4Constant(0).set(acc[i]!);
    if (edge) {
      // kwLo = max(0, -base), kwHi = min(fw, w - base), base = ow*sw - left
      f.get(ow).get(p.sw).mul().get(p.left).sub().set(base);
      f.const(0).get(base).sub().set(kwLo);
      f.get(kwLo).const(0).get(kwLo).const(0).gtS().select().set(kwLo);
      f.get(p.w).get(base).sub().set(kwHi);
      f.get(kwHi).get(p.fw).get(kwHi).get(p.fw).ltS().select().set(kwHi);
      f.get(kwHi).get(kwLo).sub().get(p.ci).mul().set(count);
    } else {
      f.get(ow).get(p.sw).mul().get(p.left).sub().set(base);
      f.const(0).set(kwLo);
      f.get(p.fw).get(p.ci).mul().set(count);
    }
    f.get(count).const(0).gtS().if(() => {
      forRange(f, kh, () => f.get(khLo), () => f.get(khHi), 1, () => {
        // xp[0] = xImg + (ihBase + kh) * rowBytes + (base + kwLo) * ciBytes
        f.get(xImg).get(ihBase).get(kh).add().get(rowBytes).mul().add().get(base).get(kwLo).add().get(ciBytes).mul().add().set(xp[0]!);
        for (let i = 1; i < positions; i++) f.get(xp[i - 1]!).get(xStep).add().set(xp[i]!);
        // wp = filter + (co0 * fh*fw*ci + (kh*fw + kwLo) * ci * channels) * 4 (the packed filter)
        f.get(p.filter).get(co0).get(p.fh).mul().get(p.fw).mul().get(ciBytes).mul().add().get(kh).get(p.fw).mul().get(kwLo).add().get(ciBytes).mul().const(channels).mul().add().set(wp);
        f.get(count).set(k);
        f.loop(() => {
          for (let v = 0; v < vectors; v++) f.get(wp).v128Load(16 * v).set(wv[v]!);
          for (let i = 0; i < positions; i++) {
            f.get(xp[i]!).load32Splat().set(s);
            f.get(xp[i]!).const(4).add().set(xp[i]!);
            for (let v = 0; v < vectors; v++) f.multiplyAdd(acc[i * vectors + v]!, s, wv[v]!, fused);
          }
          f.get(wp).const(channels * 4).add().set(wp);
          f.get(k).const(1).sub().tee(k).brIf(0);
        });
      });
    });
    f.get(p.flags).const(CONV2D_FLAGS.bias).and().if(() => {
      for (let i = 0; i < positions; i++) {
        for (let v = 0; v < vectors; v++) {
          f.get(acc[i * vectors + v]!).get(p.bias).get(co0).const(4).mul().add().v128Load(16 * v).f32x4Add().set(acc[i * vectors + v]!);
        }
      }
    });
    f.get(p.flags).const(CONV2D_FLAGS.relu).and().if(() => {
      for (let i = 0; i < positions * vectors; i++) f.get(acc[i]!).f32x4Constant(0).f32x4Pmax().set(acc[i]!);
    });
    // at = yRow + ow * coBytes + co0 * 4
    f.get(yRow).get(ow).get(coBytes).mul().add().get(co0).const(4).mul().add().set(at);
    for (let i = 0; i < positions; i++) {
      for (let v = 0; v < vectors; v++) f.get(at).get(coBytes).const(i).mul().add().get(acc[i * vectors + v]!).v128Store(16 * v);
    }
  };
  const columns = (channels: number): void => {
    forRange(f, ow, () => f.const(0), () => f.get(a), 1, () => micro(1, channels, true));
    f.get(a).set(ow);
    f.block(() => {
      f.loop(() => {
        f.get(ow).const(block.positions).add().get(b).gtS().brIf(1);
        micro(block.positions, channels, false);
        f.get(ow).const(block.positions).add().set(ow).br(0);
      });
    });
    forRange(f, ow, () => f.get(ow), () => f.get(b), 1, () => micro(1, channels, false));
    forRange(f, ow, () => f.get(b), () => f.get(p.wo), 1, () => micro(1, channels, true));
  };

  forRange(f, r, () => f.get(r), () => f.get(r1), 1, () => {
    f.get(r).get(p.ho).divS().set(nn);
    f.get(r).get(nn).get(p.ho).mul().sub().set(oh);
    f.get(p.y).get(r).get(p.wo).mul().get(coBytes).mul().add().set(yRow);
    f.get(p.x).get(nn).get(p.h).mul().get(rowBytes).mul().add().set(xImg);
    // The filter rows inside the image: khLo = max(0, -ihBase), khHi = min(fh, h - ihBase).
    f.get(oh).get(p.sh).mul().get(p.top).sub().set(ihBase);
    f.const(0).get(ihBase).sub().set(khLo);
    f.get(khLo).const(0).get(khLo).const(0).gtS().select().set(khLo);
    f.get(p.h).get(ihBase).sub().set(khHi);
    f.get(khHi).get(p.fh).get(khHi).get(p.fh).ltS().select().set(khHi);
    forRange(f, co0, () => f.const(0), () => f.get(coBlocks), block.channels, () => columns(block.channels));
    forRange(f, co0, () => f.get(coBlocks), () => f.get(p.co), 4, () => columns(4));
  });
  return { name: 'conv2d', body: f };
}

/** dst[i] += sum over c < copies of scratch[c*count + i], for this part's share of i (count % 4 == 0, in floats). */
function sumParts(): ExportedFunction {
  const { body: f, p } = params(SUM_PARTS_ARGS);
  const [groups, g, g1, at, q, c, stride] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const v = f.local(v128);
  f.get(p.count).const(4).divS().set(groups);
  f.get(p.count).const(4).mul().set(stride);
  share(f, p, groups, g, g1);
  forRange(f, g, () => f.get(g), () => f.get(g1), 1, () => {
    f.get(g).const(16).mul().set(at);
    f.get(p.dst).get(at).add().v128Load().set(v);
    f.get(p.scratch).get(at).add().set(q);
    forRange(f, c, () => f.const(0), () => f.get(p.copies), 1, () => {
      f.get(v).get(q).v128Load().f32x4Add().set(v);
      f.get(q).get(stride).add().set(q);
    });
    f.get(p.dst).get(at).add().get(v).v128Store();
  });
  return { name: 'sumParts', body: f };
}

/**
 * The loops of a 2x2, stride-2 pool over this part's output rows: for each window and 4 channels,
 * `body` with the window's top-left input address in local `pa` and the address of its output (y
 * or dy: n x h/2 x w/2 x c) in local `q`; the window's other pixels are `cBytes` and `rowBytes` on.
 */
function pool2x2Windows(
  f: FunctionBody,
  p: { readonly part: number; readonly parts: number; readonly x: number; readonly n: number; readonly h: number; readonly w: number; readonly c: number },
  out: number,
  body: (at: { readonly pa: number; readonly q: number; readonly cBytes: number; readonly rowBytes: number }) => void,
): void {
  const L = (): number => f.local(i32);
  const [rows, r, r1, ho, wo, nn, oh, a, op, ow, kb, cBytes, rowBytes, pa, q] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  f.get(p.h).const(2).divS().set(ho);
  f.get(p.w).const(2).divS().set(wo);
  f.get(p.c).const(4).mul().set(cBytes);
  f.get(p.w).get(cBytes).mul().set(rowBytes);
  f.get(p.n).get(ho).mul().set(rows);
  share(f, p, rows, r, r1);
  forRange(f, r, () => f.get(r), () => f.get(r1), 1, () => {
    f.get(r).get(ho).divS().set(nn);
    f.get(r).get(nn).get(ho).mul().sub().set(oh);
    f.get(p.x).get(nn).get(p.h).mul().get(oh).const(2).mul().add().get(rowBytes).mul().add().set(a);
    f.get(out).get(r).get(wo).mul().get(cBytes).mul().add().set(op);
    forRange(f, ow, () => f.const(0), () => f.get(wo), 1, () => {
      forRange(f, kb, () => f.const(0), () => f.get(cBytes), 16, () => {
        f.get(a).get(kb).add().set(pa);
        f.get(op).get(kb).add().set(q);
        body({ pa, q, cBytes, rowBytes });
      });
      f.get(a).get(cBytes).const(2).mul().add().set(a);
      f.get(op).get(cBytes).add().set(op);
    });
  });
}

/**
 * MaxPoolGrad for 2x2 windows at stride 2 that tile the input exactly (h, w even, no padding),
 * `c % 4 == 0`: each window's dy goes to the first of its maxima in row-major order (strictly
 * greater wins, NaN never does), the others get 0, as on the `cpu` backend. Four channels at a
 * time, with no branches.
 */
function maxPoolGrad2x2(): ExportedFunction {
  const { body: f, p } = params(MAX_POOL_GRAD_ARGS);
  const delta = f.local(i32);
  const V = (): number => f.local(v128);
  const [va, vb, vc, vd, best, ga, gb, gc, gd, g, later] = [V(), V(), V(), V(), V(), V(), V(), V(), V(), V(), V()];
  f.get(p.dx).get(p.x).sub().set(delta);
  pool2x2Windows(f, p, p.dy, ({ pa, q, cBytes, rowBytes }) => {
    f.get(pa).v128Load().set(va);
    f.get(pa).get(cBytes).add().v128Load().set(vb);
    f.get(pa).get(rowBytes).add().v128Load().set(vc);
    f.get(pa).get(rowBytes).add().get(cBytes).add().v128Load().set(vd);
    f.get(q).v128Load().set(g);
    f.get(va).f32x4Constant(-Infinity).f32x4Gt().set(ga);
    f.get(va).f32x4Constant(-Infinity).get(ga).bitselect().set(best);
    f.get(vb).get(best).f32x4Gt().set(gb);
    f.get(vb).get(best).get(gb).bitselect().set(best);
    f.get(vc).get(best).f32x4Gt().set(gc);
    f.get(vc).get(best).get(gc).bitselect().set(best);
    f.get(vd).get(best).f32x4Gt().set(gd);
    // Each pixel takes dy when it was the last to raise the maximum.
    f.get(pa).get(delta).add().get(rowBytes).add().get(cBytes).add().get(g).get(gd).v128And().v128Store();
    f.get(pa).get(delta).add().get(rowBytes).add().get(g).get(gc).get(gd).v128AndNot().v128And().v128Store();
    f.get(gc).get(gd).v128Or().set(later);
    f.get(pa).get(delta).add().get(cBytes).add().get(g).get(gb).get(later).v128AndNot().v128And().v128Store();
    f.get(gb).get(later).v128Or().set(later);
    f.get(pa).get(delta).add().get(g).get(ga).get(later).v128AndNot().v128And().v128Store();
  });
  return { name: 'maxPoolGrad2x2', body: f };
}

/**
 * MaxPool of 2x2 windows at stride 2 (y is n x floor(h/2) x floor(w/2) x c; an odd last row or
 * column is left out, as 'valid' padding does), `c % 4 == 0`: each output is the first strict
 * maximum of its window in row-major order, starting from -Infinity, so NaN never wins and a
 * window of NaN gives -Infinity, as on the `cpu` backend. Four channels at a time, no branches;
 * parts own whole output rows.
 */
function maxPool2x2(): ExportedFunction {
  const { body: f, p } = params(MAX_POOL_ARGS);
  const [best, v] = [f.local(v128), f.local(v128)];
  const take = (): void => {
    // best = v > best ? v : best
    f.get(v).get(best).get(v).get(best).f32x4Gt().bitselect().set(best);
  };
  pool2x2Windows(f, p, p.y, ({ pa, q, cBytes, rowBytes }) => {
    f.f32x4Constant(-Infinity).set(best);
    f.get(pa).v128Load().set(v);
    take();
    f.get(pa).get(cBytes).add().v128Load().set(v);
    take();
    f.get(pa).get(rowBytes).add().v128Load().set(v);
    take();
    f.get(pa).get(rowBytes).add().get(cBytes).add().v128Load().set(v);
    take();
    f.get(q).get(best).v128Store();
  });
  return { name: 'maxPool2x2', body: f };
}

/**
 * GatherV2 of 4-byte elements (float32 or int32 alike): dst[b, i, :] = src[b, indices[i], :] for
 * b < outer, i < count, with `slice` elements per row; this part's share of the (b, i) rows. The
 * indices must already be checked to lie in [0, size).
 */
function gather32(): ExportedFunction {
  const { body: f, p } = params(GATHER_ARGS);
  const L = (): number => f.local(i32);
  const [rows, r, r1, b, i, from, to, e, bytes] = [L(), L(), L(), L(), L(), L(), L(), L(), L()];
  f.get(p.outer).get(p.count).mul().set(rows);
  f.get(p.slice).const(4).mul().set(bytes);
  share(f, p, rows, r, r1);
  forRange(f, r, () => f.get(r), () => f.get(r1), 1, () => {
    f.get(r).get(p.count).divS().set(b);
    f.get(r).get(b).get(p.count).mul().sub().set(i);
    // from = src + (b*size + indices[i]) * slice * 4; to = dst + r * slice * 4
    f.get(p.src).get(b).get(p.size).mul().get(p.indices).get(i).const(4).mul().add().i32Load().add().get(bytes).mul().add().set(from);
    f.get(p.dst).get(r).get(bytes).mul().add().set(to);
    forRange(f, e, () => f.const(0), () => f.get(bytes), 4, () => {
      f.get(to).get(e).add().get(from).get(e).add().i32Load().i32Store();
    });
  });
  return { name: 'gather32', body: f };
}

/**
 * Element-wise `out = A op B` (see {@link BINARY_ARGS}, {@link BINARY_OPS}) over this part's
 * share of the rows, four lanes at a time. Each operand is read as a full row, one row shared by
 * every r (step 0: a bias vector) or a per-row scalar (splat); the loop is generated for each
 * operation and each way of reading, so the inner loop has no branch. The same IEEE operation as
 * a scalar loop on each pair of values, so the same bits as the backend's kernels.
 */
function binary(): ExportedFunction {
  const { body: f, p } = params(BINARY_ARGS);
  const L = (): number => f.local(i32);
  const [r, r1, j, innerBytes, pa, pb, po] = [L(), L(), L(), L(), L(), L(), L()];
  const [sa, sb, vb] = [f.local(v128), f.local(v128), f.local(v128)];
  f.get(p.inner).const(4).mul().set(innerBytes);
  share(f, p, p.rows, r, r1);
  const rowLoop = (op: number, aSplat: boolean, bSplat: boolean): void => {
    forRange(f, r, () => f.get(r), () => f.get(r1), 1, () => {
      f.get(p.a).get(r).get(p.aStep).mul().add().set(pa);
      f.get(p.b).get(r).get(p.bStep).mul().add().set(pb);
      f.get(p.out).get(r).get(innerBytes).mul().add().set(po);
      if (aSplat) f.get(pa).load32Splat().set(sa);
      if (bSplat) f.get(pb).load32Splat().set(sb);
      forRange(f, j, () => f.const(0), () => f.get(innerBytes), 16, () => {
        if (op === BINARY_OPS.relu) {
          // B unused
        } else if (bSplat) f.get(sb).set(vb);
        else f.get(pb).get(j).add().v128Load().set(vb);
        f.get(po).get(j).add();
        if (aSplat) f.get(sa);
        else f.get(pa).get(j).add().v128Load();
        if (op === BINARY_OPS.relu) {
          f.f32x4Constant(0).f32x4Max();
        } else if (op === BINARY_OPS.reluGrad) {
          // dy * (x > 0 ? 1 : x is NaN ? NaN : 0)
          f.get(vb);
          f.get(vb).f32x4Constant(0).f32x4Gt().f32x4Constant(1).v128And();
          f.get(vb).get(vb).f32x4Ne().bitselect();
          f.f32x4Mul();
        } else {
          f.get(vb);
          if (op === BINARY_OPS.add) f.f32x4Add();
          else if (op === BINARY_OPS.sub) f.f32x4Sub();
          else if (op === BINARY_OPS.mul) f.f32x4Mul();
          else f.f32x4Div();
        }
        f.v128Store();
      });
    });
  };
  for (const op of Object.values(BINARY_OPS)) {
    f.get(p.op).const(op).eq().if(() => {
      f.get(p.aSplat).eqz().get(p.bSplat).eqz().and().if(() => rowLoop(op, false, false));
      f.get(p.aSplat).get(p.bSplat).eqz().and().if(() => rowLoop(op, true, false));
      f.get(p.aSplat).eqz().get(p.bSplat).and().if(() => rowLoop(op, false, true));
    });
  }
  return { name: 'binary', body: f };
}

/**
 * Sums x viewed as [outer, rows, inner] over its rows (see {@link ROW_SUM_ARGS}): a part takes
 * whole (outer index, chunk) items; 16 columns at a time stay in four registers while the rows
 * of the chunk stream past in order. Each output sums its chunk's rows in row order, and the
 * chunks are fixed by the caller, so the result does not depend on the split or the threads.
 */
function rowSum(): ExportedFunction {
  const { body: f, p } = params(ROW_SUM_ARGS);
  const L = (): number => f.local(i32);
  const [items, t, t1, o, k, from, to, dst, c0, c16, xp, mp, gp, at, count, innerBytes] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const acc = Array.from({ length: 4 }, () => f.local(v128));
  const [g, m] = [f.local(v128), f.local(v128)];
  f.get(p.inner).const(4).mul().set(innerBytes);
  f.get(p.inner).get(p.inner).const(16).remS().sub().set(c16);
  f.get(p.outer).get(p.chunks).mul().set(items);
  share(f, p, items, t, t1);
  const columns = (vectors: number, masked: boolean): void => {
    for (let v = 0; v < vectors; v++) f.f32x4Constant(0).set(acc[v]!);
    // xp = x + ((o * rows + from) * inner + c0) * 4; mp and gp the same place in mask and masked.
    f.get(p.x).get(o).get(p.rows).mul().get(from).add().get(innerBytes).mul().add().get(c0).const(4).mul().add().set(xp);
    if (masked) {
      f.get(xp).get(p.x).sub().get(p.mask).add().set(mp);
      f.get(xp).get(p.x).sub().get(p.masked).add().set(gp);
    }
    f.get(to).get(from).sub().set(count);
    f.get(count).const(0).gtS().if(() => {
      f.loop(() => {
        for (let v = 0; v < vectors; v++) {
          if (masked) {
            // g = x * (mask > 0 ? 1 : mask is NaN ? NaN : 0), as binary's reluGrad
            f.get(xp).v128Load(16 * v);
            f.get(mp).v128Load(16 * v).set(m);
            f.get(m).get(m).f32x4Constant(0).f32x4Gt().f32x4Constant(1).v128And();
            f.get(m).get(m).f32x4Ne().bitselect();
            f.f32x4Mul().set(g);
            f.get(gp).get(g).v128Store(16 * v);
            f.get(acc[v]!).get(g).f32x4Add().set(acc[v]!);
          } else {
            f.get(acc[v]!).get(xp).v128Load(16 * v).f32x4Add().set(acc[v]!);
          }
        }
        f.get(xp).get(innerBytes).add().set(xp);
        if (masked) {
          f.get(mp).get(innerBytes).add().set(mp);
          f.get(gp).get(innerBytes).add().set(gp);
        }
        f.get(count).const(1).sub().tee(count).brIf(0);
      });
    });
    f.get(dst).get(c0).const(4).mul().add().set(at);
    for (let v = 0; v < vectors; v++) f.get(at).get(acc[v]!).v128Store(16 * v);
  };
  forRange(f, t, () => f.get(t), () => f.get(t1), 1, () => {
    f.get(t).get(p.chunks).divS().set(o);
    f.get(t).get(o).get(p.chunks).mul().sub().set(k);
    f.get(p.rows).get(k).mul().get(p.chunks).divS().set(from);
    f.get(p.rows).get(k).const(1).add().mul().get(p.chunks).divS().set(to);
    // dst = (k == 0 ? out : scratch + (k-1) * outer * inner * 4) + o * inner * 4
    f.get(p.out).get(p.scratch).get(k).const(1).sub().get(p.outer).mul().get(innerBytes).mul().add().get(k).eqz().select();
    f.get(o).get(innerBytes).mul().add().set(dst);
    for (const masked of [false, true]) {
      f.get(p.mask);
      if (!masked) f.eqz();
      f.if(() => {
        forRange(f, c0, () => f.const(0), () => f.get(c16), 16, () => columns(4, masked));
        forRange(f, c0, () => f.get(c16), () => f.get(p.inner), 4, () => columns(1, masked));
      });
    }
  });
  return { name: 'rowSum', body: f };
}

/**
 * Bilinear resampling through an affine matrix per image, with the arithmetic of `@cxr/preprocess`'s
 * in-memory resampler (and of its gather/mul/add path), so the same bits: per output pixel, the
 * input coordinates `(a0 x + a1 y) + a2` and `(b0 x + b1 y) + b2` in f64, their floor and fraction,
 * the four corners mapped by the fill mode where they fall outside, corner weights
 * `(1 - fy) (1 - fx)`, `(1 - fy) fx`, `fy (1 - fx)`, `fy fx` in f64 rounded to f32; a corner outside
 * the image or of weight 0 reads pixel 0 of the batch with weight 0; per channel, the four f32
 * products added in corner order. Parts own whole output rows. The caller keeps coordinates
 * within +-2^29 (their floors are truncated to i32, saturating). Pixels whose four corners lie
 * inside the image skip the fill-mode mapping (one unsigned comparison per axis).
 */
function resample(): ExportedFunction {
  const { body: f, p } = params(RESAMPLE_ARGS);
  const L = (): number => f.local(i32);
  const D = (): number => f.local(f64);
  const [r, r1, rows, b, y, x, m, rowBase, x0, y0, cBytes, at, ch, period, folded] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const [top, bottom, left, right, topRow, bottomRow, leftColumn, rightColumn, rowBytes] = [L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const index = [L(), L(), L(), L()];
  const weight = Array.from({ length: 4 }, () => f.local(f32));
  const [a0, a1, a2, b0, b1, b2, ay, by, inX, inY, fx, fy, gx, gy, wt, floor] = [D(), D(), D(), D(), D(), D(), D(), D(), D(), D(), D(), D(), D(), D(), D(), D()];

  /** target = v inside [0, len), else v mapped by the fill mode (-1: outside, for `constant`). */
  const mapCoordinate = (v: number, len: number, target: number): void => {
    f.get(v).set(target);
    f.get(v).const(0).ltS().get(v).get(len).geS().or().if(() => {
      f.get(p.fill).const(RESAMPLE_FILL.constant).eq().if(() => f.const(-1).set(target));
      f.get(p.fill).const(RESAMPLE_FILL.nearest).eq().if(() => f.const(0).get(len).const(1).sub().get(v).const(0).ltS().select().set(target));
      f.get(p.fill).const(RESAMPLE_FILL.wrap).eq().if(() => f.get(v).get(len).remS().get(len).add().get(len).remS().set(target));
      f.get(p.fill).const(RESAMPLE_FILL.reflect).eq().if(() => {
        // Half-sample symmetric: (v mod 2 len), then folded back past len.
        f.get(len).const(2).mul().set(period);
        f.get(v).get(period).remS().get(period).add().get(period).remS().set(folded);
        f.get(folded).get(period).const(1).sub().get(folded).sub().get(folded).get(len).ltS().select().set(target);
      });
    });
  };

  f.get(p.c).const(4).mul().set(cBytes);
  f.get(p.w).get(cBytes).mul().set(rowBytes);
  f.get(p.n).get(p.h).mul().set(rows);
  share(f, p, rows, r, r1);
  forRange(f, r, () => f.get(r), () => f.get(r1), 1, () => {
    f.get(r).get(p.h).divS().set(b);
    f.get(r).get(b).get(p.h).mul().sub().set(y);
    f.get(p.matrices).get(b).const(48).mul().add().set(m);
    [a0, a1, a2, b0, b1, b2].forEach((local, i) => f.get(m).f64Load(8 * i).set(local));
    f.get(a1).get(y).f64FromI32().f64Mul().set(ay);
    f.get(b1).get(y).f64FromI32().f64Mul().set(by);
    f.get(b).get(p.h).mul().set(rowBase);
    f.get(p.dst).get(r).get(p.w).mul().get(cBytes).mul().add().set(at);
    forRange(f, x, () => f.const(0), () => f.get(p.w), 1, () => {
      f.get(a0).get(x).f64FromI32().f64Mul().get(ay).f64Add().get(a2).f64Add().set(inX);
      f.get(b0).get(x).f64FromI32().f64Mul().get(by).f64Add().get(b2).f64Add().set(inY);
      f.get(inX).f64Floor().tee(floor).i32FromF64().set(x0);
      f.get(inX).get(floor).f64Sub().set(fx);
      f.get(inY).f64Floor().tee(floor).i32FromF64().set(y0);
      f.get(inY).get(floor).f64Sub().set(fy);
      // Inside (0 <= x0 < w - 1 and 0 <= y0 < h - 1, as unsigned comparisons): the corners as they are.
      f.get(x0).set(left);
      f.get(x0).const(1).add().set(right);
      f.get(y0).set(top);
      f.get(y0).const(1).add().set(bottom);
      f.get(x0).get(p.w).const(1).sub().ltU().get(y0).get(p.h).const(1).sub().ltU().and().eqz().if(() => {
        mapCoordinate(y0, p.h, top);
        f.get(y0).const(1).add().set(y0);
        mapCoordinate(y0, p.h, bottom);
        mapCoordinate(x0, p.w, left);
        f.get(x0).const(1).add().set(x0);
        mapCoordinate(x0, p.w, right);
      });
      f.f64Const(1).get(fx).f64Sub().set(gx);
      f.f64Const(1).get(fy).f64Sub().set(gy);
      // Row addresses of the top and bottom corners, column offsets of the left and right ones.
      f.get(p.src).get(rowBase).get(top).add().get(rowBytes).mul().add().set(topRow);
      f.get(p.src).get(rowBase).get(bottom).add().get(rowBytes).mul().add().set(bottomRow);
      f.get(left).get(cBytes).mul().set(leftColumn);
      f.get(right).get(cBytes).mul().set(rightColumn);
      const corners = [
        [top, topRow, left, leftColumn, gy, gx],
        [top, topRow, right, rightColumn, gy, fx],
        [bottom, bottomRow, left, leftColumn, fy, gx],
        [bottom, bottomRow, right, rightColumn, fy, fx],
      ] as const;
      corners.forEach(([row, rowAddress, column, columnOffset, wy, wx], k) => {
        f.get(wy).get(wx).f64Mul().set(wt);
        // A corner inside the image with weight: its pixel and weight; else pixel 0, weight 0.
        f.get(row).get(column).or().const(0).geS().get(wt).f64Const(0).f64Ne().and().set(folded);
        f.get(rowAddress).get(columnOffset).add().get(p.src).get(folded).select().set(index[k]!);
        f.get(wt).f32FromF64().f32Const(0).get(folded).select().set(weight[k]!);
      });
      const pixel = (channel: () => void): void => {
        f.get(at);
        channel();
        f.add();
        for (let k = 0; k < 4; k++) {
          f.get(index[k]!);
          channel();
          f.add().f32Load().get(weight[k]!).f32Mul();
          if (k > 0) f.f32Add();
        }
        f.f32Store();
      };
      // One channel (grey images) without the channel loop.
      f.get(p.c).const(1).eq().if(() => pixel(() => f.const(0)));
      f.get(p.c).const(1).gtS().if(() => forRange(f, ch, () => f.const(0), () => f.get(cBytes), 4, () => pixel(() => f.get(ch))));
      f.get(at).get(cBytes).add().set(at);
    });
  });
  return { name: 'resample', body: f };
}

/**
 * Batch normalization with the shipped `FusedBatchNorm`'s arithmetic, two channels at a time:
 * `(x - mean) * scale` in f32, divided in f64 by the channel's factor, plus the offset in f64,
 * rounded to f32. Parts own whole rows.
 */
function batchNorm(): ExportedFunction {
  const { body: f, p } = params(BATCH_NORM_ARGS);
  const L = (): number => f.local(i32);
  const [r, r1, j, rowBytes, px, po] = [L(), L(), L(), L(), L(), L()];
  f.get(p.c).const(4).mul().set(rowBytes);
  share(f, p, p.rows, r, r1);
  forRange(f, r, () => f.get(r), () => f.get(r1), 1, () => {
    f.get(p.x).get(r).get(rowBytes).mul().add().set(px);
    f.get(p.out).get(r).get(rowBytes).mul().add().set(po);
    forRange(f, j, () => f.const(0), () => f.get(rowBytes), 8, () => {
      f.get(po).get(j).add();
      f.get(p.offset).get(j).const(2).mul().add().v128Load();
      f.get(px).get(j).add().load64Zero().get(p.mean).get(j).add().load64Zero().f32x4Sub();
      f.get(p.scale).get(j).add().load64Zero().f32x4Mul();
      f.f64x2PromoteLow().get(p.factor).get(j).const(2).mul().add().v128Load().f64x2Div();
      f.f64x2Add().f32x4DemoteZero().store64Low();
    });
  });
  return { name: 'batchNorm', body: f };
}

/**
 * The kernels' module, for a shared (threaded build) or a plain memory. With `fused`, the
 * convolution gradients multiply and add with relaxed SIMD's `f32x4.relaxed_madd` (one rounding
 * where the hardware has FMA); the runtime must support relaxed SIMD (`relaxedSimdSupported()`).
 */
export function simdKernelModule(
  sharedMemory: boolean,
  blocks: {
    readonly input?: { readonly positions: number; readonly channels: number };
    readonly filter?: { readonly inputs: number; readonly outputs: number };
    readonly conv?: { readonly positions: number; readonly channels: number };
  } = {},
  fused = false,
): Uint8Array {
  return encodeModule(
    [filterGrad(blocks.filter, fused), inputGrad(blocks.input, fused), sumParts(), maxPoolGrad2x2(), gather32(), conv2d(blocks.conv, fused), binary(), rowSum(), maxPool2x2(), resample(), batchNorm()],
    sharedMemory,
  );
}
