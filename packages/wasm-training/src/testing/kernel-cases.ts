import { fc } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';

/** A kernel call: input shapes and attributes; values come from `seed`. */
export interface KernelCase {
  readonly inputs: Readonly<Record<string, readonly number[]>>;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly seed: number;
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** Deterministic values in [-1, 1) from a seed (a small LCG; no unseeded randomness in tests). */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `kernelName` on `backend` with the case's inputs; returns the output values and shape. */
export async function runKernelOn(backend: string, kernelName: string, c: KernelCase): Promise<{ values: Float32Array; shape: number[] }> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  return tf.tidy(() => {
    const inputs: Record<string, tf.Tensor> = {};
    let k = 0;
    for (const [name, shape] of Object.entries(c.inputs)) {
      const size = shape.reduce((a, b) => a * b, 1);
      inputs[name] = tf.tensor(seededValues(size, c.seed * 31 + k++), [...shape]);
    }
    const out = tf.engine().runKernel(kernelName, inputs as unknown as tf.NamedTensorMap, c.attrs as tf.NamedAttrMap) as tf.Tensor;
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}

/** max |a - b| / max |b| (normwise relative error; 0 when both are all zeros). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  if (Number.isNaN(diff)) return Infinity;
  return scale === 0 ? diff : diff / scale;
}

const padArb: fc.Arbitrary<Pad> = fc.oneof(
  fc.constant('same' as const),
  fc.constant('valid' as const),
  fc
    .tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))
    .map(([t, b, l, r]): Pad => [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ]),
);

const geometry = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  height: fc.integer({ min: 1, max: 11 }),
  width: fc.integer({ min: 1, max: 11 }),
  channels: fc.integer({ min: 1, max: 5 }),
  filterHeight: fc.integer({ min: 1, max: 4 }),
  filterWidth: fc.integer({ min: 1, max: 4 }),
  strideHeight: fc.integer({ min: 1, max: 3 }),
  strideWidth: fc.integer({ min: 1, max: 3 }),
  pad: padArb,
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

function outShape(
  g: { batch: number; height: number; width: number; channels: number; filterHeight: number; filterWidth: number; strideHeight: number; strideWidth: number; pad: Pad },
  outChannelsOrMultiplier: number,
  depthwise: boolean,
): number[] | undefined {
  try {
    const info = tf.backend_util.computeConv2DInfo(
      [g.batch, g.height, g.width, g.channels],
      [g.filterHeight, g.filterWidth, g.channels, outChannelsOrMultiplier],
      [g.strideHeight, g.strideWidth],
      1,
      g.pad,
      undefined,
      depthwise,
    );
    return info.outHeight >= 1 && info.outWidth >= 1 ? info.outShape : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Random valid `Conv2DBackpropFilter` calls (NHWC, strides 1-3, 'same'/'valid'/explicit pads).
 * Output channels that are a multiple of 4 take the SIMD kernel on wasm, the others XNNPACK.
 */
export const arbConv2dBackpropFilterCase: fc.Arbitrary<KernelCase> = fc
  .tuple(geometry, fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(8, 12, 16)))
  .map(([g, outChannels]) => ({ g, outChannels, dy: outShape(g, outChannels, false) }))
  .filter((c) => c.dy !== undefined)
  .map(({ g, outChannels, dy }) => ({
    inputs: { x: [g.batch, g.height, g.width, g.channels], dy: dy ?? [] },
    attrs: {
      strides: [g.strideHeight, g.strideWidth],
      pad: g.pad,
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
      filterShape: [g.filterHeight, g.filterWidth, g.channels, outChannels],
    },
    seed: g.seed,
  }));

/** Random valid depthwise geometry: returns `[x shape, dy shape, filter shape, attrs]` pieces. */
const depthwise = fc
  .tuple(geometry, fc.integer({ min: 1, max: 3 }))
  .map(([g, multiplier]) => ({ g, multiplier, dy: outShape(g, multiplier, true) }))
  .filter((c) => c.dy !== undefined);

/** Random valid `DepthwiseConv2dNativeBackpropFilter` calls (dilation 1). */
export const arbDepthwiseBackpropFilterCase: fc.Arbitrary<KernelCase> = depthwise.map(({ g, multiplier, dy }) => ({
  inputs: { x: [g.batch, g.height, g.width, g.channels], dy: dy ?? [] },
  attrs: {
    strides: [g.strideHeight, g.strideWidth],
    dilations: [1, 1],
    pad: g.pad,
    dimRoundingMode: undefined,
    filterShape: [g.filterHeight, g.filterWidth, g.channels, multiplier],
  },
  seed: g.seed,
}));

/** Random valid `DepthwiseConv2dNativeBackpropInput` calls (dilation 1). */
export const arbDepthwiseBackpropInputCase: fc.Arbitrary<KernelCase> = depthwise.map(({ g, multiplier, dy }) => ({
  inputs: { dy: dy ?? [], filter: [g.filterHeight, g.filterWidth, g.channels, multiplier] },
  attrs: {
    strides: [g.strideHeight, g.strideWidth],
    dilations: [1, 1],
    pad: g.pad,
    dimRoundingMode: undefined,
    inputShape: [g.batch, g.height, g.width, g.channels],
  },
  seed: g.seed,
}));

/** Random valid `Conv2DBackpropInput` calls (NHWC, strides 1-3, 'same'/'valid'/explicit pads). */
export const arbConv2dBackpropInputCase: fc.Arbitrary<KernelCase> = fc
  .tuple(geometry, fc.integer({ min: 1, max: 5 }))
  .map(([g, outChannels]) => ({ g, outChannels, dy: outShape(g, outChannels, false) }))
  .filter((c) => c.dy !== undefined)
  .map(({ g, outChannels, dy }) => ({
    inputs: { dy: dy ?? [], filter: [g.filterHeight, g.filterWidth, g.channels, outChannels] },
    attrs: {
      strides: [g.strideHeight, g.strideWidth],
      pad: g.pad,
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
      inputShape: [g.batch, g.height, g.width, g.channels],
    },
    seed: g.seed,
  }));

/**
 * Random valid `Conv2D` calls (NHWC, strides 1-3, 'same'/'valid'/explicit pads, 1-5 input
 * channels): output channels that are a multiple of 4 take the generated SIMD kernel on wasm, the
 * others XNNPACK.
 */
export const arbConv2dCase: fc.Arbitrary<KernelCase> = fc
  .tuple(geometry, fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(4, 8, 12, 16, 20, 32)))
  .filter(([g, outChannels]) => outShape(g, outChannels, false) !== undefined)
  .map(([g, outChannels]) => ({
    inputs: { x: [g.batch, g.height, g.width, g.channels], filter: [g.filterHeight, g.filterWidth, g.channels, outChannels] },
    attrs: { strides: [g.strideHeight, g.strideWidth], pad: g.pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
    seed: g.seed,
  }));

/**
 * Random valid `FusedConv2D` calls: a {@link arbConv2dCase} with or without a bias (one per output
 * channel), and a linear, ReLU or ELU activation (ELU goes to the shipped kernel).
 */
export const arbFusedConv2dCase: fc.Arbitrary<KernelCase> = fc
  .tuple(arbConv2dCase, fc.boolean(), fc.constantFrom('linear', 'relu', 'relu', 'elu'))
  .map(([c, withBias, activation]) => {
    const filter = c.inputs['filter'] ?? [];
    return {
      inputs: withBias ? { ...c.inputs, bias: [filter[3] ?? 1] } : c.inputs,
      attrs: { ...c.attrs, activation, leakyreluAlpha: 0 },
      seed: c.seed,
    };
  });

/** A pooling call: input shape, window, strides, padding, and the seed of its values. */
export interface PoolCase {
  readonly x: readonly [number, number, number, number];
  readonly filterSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pad: 'same' | 'valid';
  readonly seed: number;
  /** Round the values to halves (many ties), as after ReLU or on flat images. */
  readonly ties: boolean;
  /** Make some values -Infinity and some NaN (neither may take a max pool's gradient). */
  readonly specials?: boolean;
}

/** Random valid 2D pooling calls (windows 1-3, strides 1-3, 'same'/'valid'). */
export const arbPoolCase: fc.Arbitrary<PoolCase> = fc
  .record({
    x: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 4 })),
    filterSize: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.constantFrom('same' as const, 'valid' as const),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    ties: fc.boolean(),
  })
  .filter((c) => c.pad === 'same' || (c.x[1] >= c.filterSize[0] && c.x[2] >= c.filterSize[1]));

/** The pool of most CNNs: 2x2 windows at stride 2 tiling an even-sized input, channels a multiple of 4 (the SIMD path on wasm). */
export const arbTiledPoolCase: fc.Arbitrary<PoolCase> = fc.record({
  x: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }).map((h) => 2 * h), fc.integer({ min: 1, max: 6 }).map((w) => 2 * w), fc.constantFrom(4, 8, 16)),
  filterSize: fc.constant([2, 2] as const),
  strides: fc.constant([2, 2] as const),
  pad: fc.constantFrom('same' as const, 'valid' as const),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  ties: fc.boolean(),
  specials: fc.boolean(),
});

/** Runs the forward pool `poolKernel` and its gradient `gradKernel` on `backend`: dx values and shape. */
export async function runPoolGradOn(backend: string, poolKernel: 'MaxPool' | 'AvgPool', c: PoolCase): Promise<{ values: Float32Array; shape: number[] }> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  return tf.tidy(() => {
    const size = c.x.reduce((a, b) => a * b, 1);
    const raw = seededValues(size, c.seed).map((v, i) => {
      if (c.specials === true && i % 5 === 1) return -Infinity;
      if (c.specials === true && i % 7 === 2) return Number.NaN;
      return c.ties ? Math.round(v * 2) / 2 : v;
    });
    const x = tf.tensor(raw, [...c.x]);
    const attrs = { filterSize: [...c.filterSize], strides: [...c.strides], pad: c.pad, dimRoundingMode: undefined };
    const y = tf.engine().runKernel(poolKernel, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dy = tf.tensor(seededValues(y.size, c.seed + 1), y.shape);
    const inputs: tf.NamedTensorMap = poolKernel === 'MaxPool' ? { dy, input: x, output: y } : { dy, input: x };
    const dx = tf.engine().runKernel(`${poolKernel}Grad`, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    return { values: dx.dataSync() as Float32Array, shape: dx.shape };
  });
}

/** A reduction call: input shape, axes, keepDims, and the seed of its values. */
export interface ReduceCase {
  readonly shape: readonly number[];
  readonly axis: readonly number[];
  readonly keepDims: boolean;
  readonly seed: number;
}

/** Random reductions, half of them over leading axes (the case the WASM override speeds up). */
export const arbReduceCase: fc.Arbitrary<ReduceCase> = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), fc.constantFrom(0, 4, 8, 12))
  // A last axis of 4, 8 or 12 (half the cases) takes the generated SIMD row sum.
  .map(([dims, last]) => (last === 0 || dims.length === 1 ? dims : [...dims.slice(0, -1), last]))
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axis: fc.oneof(
        fc.integer({ min: 1, max: shape.length }).map((k) => Array.from({ length: k }, (_, i) => i)),
        fc.subarray(Array.from({ length: shape.length }, (_, i) => i), { minLength: 1 }),
        // A run of consecutive axes before the last (global average pooling: [1, 2] of NHWC).
        fc
          .tuple(fc.nat(Math.max(0, shape.length - 2)), fc.nat(Math.max(0, shape.length - 2)))
          .map(([i, j]) => Array.from({ length: Math.abs(i - j) + 1 }, (_, k) => Math.min(i, j) + k)),
      ),
      keepDims: fc.boolean(),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
    }),
  );
