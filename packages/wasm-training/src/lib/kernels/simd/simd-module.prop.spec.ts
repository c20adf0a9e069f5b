import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeError, seededValues } from '../../../testing/kernel-cases.js';
import { enableRelaxedSimd } from '../../relaxed-simd-node.js';
import { relaxedSimdSupported, webAssembly } from './emit.js';
import { packForwardFilter, packInputGradFilter } from './filter-blocks.js';
import { BINARY_OPS, CONV2D_BLOCK, INPUT_BLOCK, simdKernelModule } from './simd-module.js';

beforeAll(() => {
  enableRelaxedSimd();
});

/**
 * The generated kernels on a memory of their own (no tfjs), against float64 references written
 * out in plain loops. Every split into parts is run part by part, as the worker threads would.
 */

type Kernels = Record<'filterGrad' | 'inputGrad' | 'sumParts' | 'maxPoolGrad2x2' | 'gather32' | 'conv2d' | 'binary' | 'rowSum', (...args: number[]) => void>;

function instantiate(shared: boolean, bytes: number, fused = false): { kernels: Kernels; heap: Float32Array } {
  const pages = Math.ceil(bytes / 65536) + 1;
  const memory = shared ? new webAssembly.Memory({ initial: pages, maximum: pages, shared: true }) : new webAssembly.Memory({ initial: pages });
  const instance = new webAssembly.Instance(new webAssembly.Module(simdKernelModule(shared, {}, fused)), { env: { memory } });
  return { kernels: instance.exports as unknown as Kernels, heap: new Float32Array(memory.buffer) };
}

const convCase = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    ci: fc.integer({ min: 1, max: 9 }),
    co: fc.constantFrom(4, 8, 12, 16, 20),
    fh: fc.integer({ min: 1, max: 4 }),
    fw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    top: fc.integer({ min: 0, max: 3 }),
    left: fc.integer({ min: 0, max: 3 }),
    ho: fc.integer({ min: 1, max: 5 }),
    wo: fc.integer({ min: 1, max: 5 }),
    parts: fc.integer({ min: 1, max: 4 }),
    shared: fc.boolean(),
    fused: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });
// Output sizes are drawn freely: taps that read only padding, and input rows never read, occur.

type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

/** dW in float64, straight from the definition. */
function referenceFilterGrad(c: ConvCase, x: Float32Array, dy: Float32Array): Float64Array {
  const out = new Float64Array(c.fh * c.fw * c.ci * c.co);
  for (let kh = 0; kh < c.fh; kh++)
    for (let kw = 0; kw < c.fw; kw++)
      for (let i = 0; i < c.ci; i++)
        for (let o = 0; o < c.co; o++) {
          let sum = 0;
          for (let n = 0; n < c.n; n++)
            for (let oh = 0; oh < c.ho; oh++)
              for (let ow = 0; ow < c.wo; ow++) {
                const ih = oh * c.sh + kh - c.top;
                const iw = ow * c.sw + kw - c.left;
                if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                sum += (x[((n * c.h + ih) * c.w + iw) * c.ci + i] ?? NaN) * (dy[((n * c.ho + oh) * c.wo + ow) * c.co + o] ?? NaN);
              }
          out[((kh * c.fw + kw) * c.ci + i) * c.co + o] = sum;
        }
  return out;
}

describe('the generated SIMD kernels', () => {
  it('can multiply-add with relaxed SIMD in this runtime once enabled (Node 20.19+)', () => {
    expect(relaxedSimdSupported()).toBe(true);
  });

  test.prop([convCase], { numRuns: 150 })('filterGrad, split into any number of parts and summed, equals the float64 definition', (c) => {
    const xSize = c.n * c.h * c.w * c.ci;
    const dySize = c.n * c.ho * c.wo * c.co;
    const dwSize = c.fh * c.fw * c.ci * c.co;
    // Layout (floats): a guard, x, dy, dW, scratch, a guard; odd offsets test unaligned data.
    const xAt = 5;
    const dyAt = xAt + xSize + 3;
    const dwAt = dyAt + dySize + 1;
    const scratchAt = dwAt + dwSize + 7;
    const end = scratchAt + (c.parts - 1) * dwSize;
    const { kernels, heap } = instantiate(c.shared, (end + 16) * 4, c.fused);
    heap.fill(Number.NaN);
    const x = seededValues(xSize, c.seed);
    const dy = seededValues(dySize, c.seed + 1);
    heap.set(x, xAt);
    heap.set(dy, dyAt);
    const geometry = [c.n, c.h, c.w, c.ci, c.ho, c.wo, c.co, c.fh, c.fw, c.sh, c.sw, c.top, c.left];
    for (let part = 0; part < c.parts; part++) kernels.filterGrad(part, c.parts, xAt * 4, dyAt * 4, dwAt * 4, scratchAt * 4, ...geometry);
    if (c.parts > 1) {
      for (let part = 0; part < c.parts; part++) kernels.sumParts(part, c.parts, dwAt * 4, scratchAt * 4, dwSize, c.parts - 1);
    }
    const expected = referenceFilterGrad(c, x, dy);
    expect(relativeError(heap.subarray(dwAt, dwAt + dwSize), expected)).toBeLessThan(1e-5);
    // Nothing outside dW and the scratch was written.
    expect(Number.isNaN(heap[dwAt - 1] ?? 0) && Number.isNaN(heap[end] ?? 0)).toBe(true);
    expect(Array.from(heap.subarray(xAt, xAt + xSize))).toEqual(Array.from(x));
  });

  // Input channels a multiple of 4 up to 36: whole blocks of 16 and the 4-channel tail both occur.
  const inputCase = fc.tuple(convCase, fc.integer({ min: 1, max: 9 })).map(([c, quads]) => ({ ...c, ci: 4 * quads, co: c.co - 3 + (c.seed % 4) }));

  test.prop([inputCase], { numRuns: 150 })('inputGrad, split into any number of parts, equals the float64 definition', (c) => {
    const dxSize = c.n * c.h * c.w * c.ci;
    const dySize = c.n * c.ho * c.wo * c.co;
    const wSize = c.fh * c.fw * c.ci * c.co;
    const dyAt = 3;
    const wtAt = dyAt + dySize + 5;
    const dxAt = wtAt + wSize + 1;
    const { kernels, heap } = instantiate(c.shared, (dxAt + dxSize + 16) * 4, c.fused);
    heap.fill(Number.NaN);
    const dy = seededValues(dySize, c.seed);
    const filter = seededValues(wSize, c.seed + 1); // [fh, fw, ci, co]
    heap.set(dy, dyAt);
    packInputGradFilter(filter, heap.subarray(wtAt, wtAt + wSize), [c.fh, c.fw, c.ci, c.co], INPUT_BLOCK.channels);
    const geometry = [c.n, c.h, c.w, c.ci, c.ho, c.wo, c.co, c.fh, c.fw, c.sh, c.sw, c.top, c.left];
    for (let part = 0; part < c.parts; part++) kernels.inputGrad(part, c.parts, dyAt * 4, wtAt * 4, dxAt * 4, ...geometry);
    const expected = new Float64Array(dxSize);
    for (let n = 0; n < c.n; n++)
      for (let oh = 0; oh < c.ho; oh++)
        for (let ow = 0; ow < c.wo; ow++)
          for (let kh = 0; kh < c.fh; kh++)
            for (let kw = 0; kw < c.fw; kw++) {
              const ih = oh * c.sh + kh - c.top;
              const iw = ow * c.sw + kw - c.left;
              if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
              for (let i = 0; i < c.ci; i++) {
                let sum = 0;
                for (let o = 0; o < c.co; o++) sum += (dy[((n * c.ho + oh) * c.wo + ow) * c.co + o] ?? NaN) * (filter[((kh * c.fw + kw) * c.ci + i) * c.co + o] ?? NaN);
                const at = ((n * c.h + ih) * c.w + iw) * c.ci + i;
                expected[at] = (expected[at] ?? 0) + sum;
              }
            }
    expect(relativeError(heap.subarray(dxAt, dxAt + dxSize), expected)).toBeLessThan(1e-5);
    expect(Number.isNaN(heap[dxAt - 1] ?? 0) && Number.isNaN(heap[dxAt + dxSize] ?? 0)).toBe(true);
  });

  // Output channels a multiple of 4 up to 36 (whole blocks of 16 and the 4-channel tail), any input channels.
  const forwardCase = fc.tuple(convCase, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 3 })).map(([c, quads, flags]) => ({ ...c, co: 4 * quads, flags }));

  test.prop([forwardCase], { numRuns: 150 })('conv2d (with bias and ReLU as flagged), split into any number of parts, equals the float64 definition', (c) => {
    const xSize = c.n * c.h * c.w * c.ci;
    const wSize = c.fh * c.fw * c.ci * c.co;
    const ySize = c.n * c.ho * c.wo * c.co;
    // Layout (floats): a guard, x, W, bias, y, a guard; odd offsets test unaligned data.
    const xAt = 3;
    const wAt = xAt + xSize + 5;
    const biasAt = wAt + wSize + 1;
    const yAt = biasAt + c.co + 3;
    const { kernels, heap } = instantiate(c.shared, (yAt + ySize + 16) * 4, c.fused);
    heap.fill(Number.NaN);
    const x = seededValues(xSize, c.seed);
    const filter = seededValues(wSize, c.seed + 1); // [fh, fw, ci, co]
    const bias = seededValues(c.co, c.seed + 2);
    heap.set(x, xAt);
    packForwardFilter(filter, heap.subarray(wAt, wAt + wSize), [c.fh, c.fw, c.ci, c.co], CONV2D_BLOCK.channels);
    heap.set(bias, biasAt);
    const geometry = [c.n, c.h, c.w, c.ci, c.ho, c.wo, c.co, c.fh, c.fw, c.sh, c.sw, c.top, c.left, c.flags];
    for (let part = 0; part < c.parts; part++) kernels.conv2d(part, c.parts, xAt * 4, wAt * 4, biasAt * 4, yAt * 4, ...geometry);
    const expected = new Float64Array(ySize);
    for (let n = 0; n < c.n; n++)
      for (let oh = 0; oh < c.ho; oh++)
        for (let ow = 0; ow < c.wo; ow++)
          for (let o = 0; o < c.co; o++) {
            let sum = 0;
            for (let kh = 0; kh < c.fh; kh++)
              for (let kw = 0; kw < c.fw; kw++) {
                const ih = oh * c.sh + kh - c.top;
                const iw = ow * c.sw + kw - c.left;
                if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                for (let i = 0; i < c.ci; i++) sum += (x[((n * c.h + ih) * c.w + iw) * c.ci + i] ?? NaN) * (filter[((kh * c.fw + kw) * c.ci + i) * c.co + o] ?? NaN);
              }
            if ((c.flags & 1) !== 0) sum += bias[o] ?? NaN;
            if ((c.flags & 2) !== 0) sum = Math.max(sum, 0);
            expected[((n * c.ho + oh) * c.wo + ow) * c.co + o] = sum;
          }
    expect(relativeError(heap.subarray(yAt, yAt + ySize), expected)).toBeLessThan(1e-5);
    // Nothing outside y was written, and the inputs are untouched.
    expect(Number.isNaN(heap[yAt - 1] ?? 0) && Number.isNaN(heap[yAt + ySize] ?? 0)).toBe(true);
    expect(Array.from(heap.subarray(xAt, xAt + xSize))).toEqual(Array.from(x));
  });

  const gatherCase = fc.record({
    outer: fc.integer({ min: 1, max: 3 }),
    size: fc.integer({ min: 1, max: 6 }),
    slice: fc.integer({ min: 1, max: 5 }),
    indices: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
    parts: fc.integer({ min: 1, max: 4 }),
    shared: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });

  test.prop([gatherCase], { numRuns: 100 })('gather32 copies the indexed rows of every outer block, split into any number of parts', (g) => {
    const indices = Int32Array.from(g.indices, (i) => i % g.size);
    const count = indices.length;
    const src = seededValues(g.outer * g.size * g.slice, g.seed);
    const srcAt = 1;
    const indicesAt = srcAt + src.length + 2;
    const dstAt = indicesAt + count + 3;
    const dstSize = g.outer * count * g.slice;
    const { kernels, heap } = instantiate(g.shared, (dstAt + dstSize + 16) * 4);
    heap.fill(Number.NaN);
    heap.set(src, srcAt);
    new Int32Array(heap.buffer).set(indices, indicesAt);
    for (let part = 0; part < g.parts; part++) kernels.gather32(part, g.parts, srcAt * 4, indicesAt * 4, dstAt * 4, g.outer, g.size, count, g.slice);
    const expected: number[] = [];
    for (let b = 0; b < g.outer; b++)
      for (const i of indices) expected.push(...src.subarray((b * g.size + i) * g.slice, (b * g.size + i + 1) * g.slice));
    expect(Array.from(heap.subarray(dstAt, dstAt + dstSize))).toEqual(expected);
    expect(Number.isNaN(heap[dstAt + dstSize] ?? 0)).toBe(true);
  });

  const poolCase = fc.record({
    n: fc.integer({ min: 1, max: 3 }),
    oh: fc.integer({ min: 1, max: 5 }),
    ow: fc.integer({ min: 1, max: 5 }),
    c: fc.constantFrom(4, 8, 12),
    parts: fc.integer({ min: 1, max: 4 }),
    shared: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    ties: fc.boolean(),
    specials: fc.boolean(),
  });

  test.prop([poolCase], { numRuns: 150 })('maxPoolGrad2x2 sends dy to the first strict maximum of each window (NaN and -Infinity never win)', (p) => {
    const h = 2 * p.oh;
    const w = 2 * p.ow;
    const xSize = p.n * h * w * p.c;
    const dySize = p.n * p.oh * p.ow * p.c;
    const xAt = 3;
    const dyAt = xAt + xSize + 1;
    const dxAt = dyAt + dySize + 2;
    const { kernels, heap } = instantiate(p.shared, (dxAt + xSize + 16) * 4);
    heap.fill(Number.NaN);
    const x = seededValues(xSize, p.seed).map((v, i) => {
      if (p.specials && i % 5 === 1) return -Infinity;
      if (p.specials && i % 7 === 2) return Number.NaN;
      return p.ties ? Math.round(v * 2) / 2 : v;
    });
    const dy = seededValues(dySize, p.seed + 1);
    heap.set(x, xAt);
    heap.set(dy, dyAt);
    for (let part = 0; part < p.parts; part++) kernels.maxPoolGrad2x2(part, p.parts, xAt * 4, dyAt * 4, dxAt * 4, p.n, h, w, p.c);
    const expected = new Float32Array(xSize);
    for (let n = 0; n < p.n; n++)
      for (let i = 0; i < p.oh; i++)
        for (let j = 0; j < p.ow; j++)
          for (let k = 0; k < p.c; k++) {
            let best = -Infinity;
            let at = -1;
            for (const [r, s] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
              const index = ((n * h + 2 * i + r) * w + 2 * j + s) * p.c + k;
              if ((x[index] ?? NaN) > best) {
                best = x[index] ?? NaN;
                at = index;
              }
            }
            if (at >= 0) expected[at] = dy[((n * p.oh + i) * p.ow + j) * p.c + k] ?? NaN;
          }
    expect(Array.from(heap.subarray(dxAt, dxAt + xSize))).toEqual(Array.from(expected));
    expect(Number.isNaN(heap[dxAt + xSize] ?? 0)).toBe(true);
  });

  /** Each operand read in full, as one repeated row (step 0) or as one value per row (splat). */
  const binaryCase = fc.record({
    op: fc.constantFrom(...Object.values(BINARY_OPS)),
    rows: fc.integer({ min: 1, max: 9 }),
    quads: fc.integer({ min: 1, max: 7 }),
    modes: fc.constantFrom(['full', 'full'], ['full', 'row'], ['row', 'full'], ['full', 'splat'], ['splat', 'full'], ['row', 'splat'], ['splat', 'row']),
    parts: fc.integer({ min: 1, max: 4 }),
    shared: fc.boolean(),
    specials: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });

  test.prop([binaryCase], { numRuns: 200 })('binary computes each operation on float32 pairs exactly as scalar code does, for every way of reading the operands', (c) => {
    const inner = 4 * c.quads;
    const count = c.rows * inner;
    const sizeOf = (mode: string): number => (mode === 'full' ? count : mode === 'row' ? inner : c.rows);
    const stepOf = (mode: string): number => (mode === 'full' ? inner * 4 : mode === 'row' ? 0 : 4);
    const index = (mode: string, r: number, j: number): number => (mode === 'full' ? r * inner + j : mode === 'row' ? j : r);
    const [modeA, modeB] = c.modes as [string, string];
    const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40];
    const values = (size: number, seed: number): Float32Array => seededValues(size, seed).map((v, i) => (c.specials && i % 3 === 0 ? (special[(i + seed) % special.length] ?? 0) : v * 4));
    const a = values(sizeOf(modeA), c.seed);
    const b = values(sizeOf(modeB), c.seed + 1);
    const aAt = 3;
    const bAt = aAt + a.length + 1;
    const outAt = bAt + b.length + 2;
    const { kernels, heap } = instantiate(c.shared, (outAt + count + 16) * 4);
    heap.fill(Number.NaN);
    heap.set(a, aAt);
    heap.set(b, bAt);
    const [aSplat, bSplat] = [modeA === 'splat' ? 1 : 0, modeB === 'splat' ? 1 : 0];
    for (let part = 0; part < c.parts; part++) kernels.binary(part, c.parts, c.op, aAt * 4, stepOf(modeA), aSplat, bAt * 4, stepOf(modeB), bSplat, outAt * 4, c.rows, inner);
    const f32 = Math.fround;
    const scalar = (x: number, y: number): number => {
      switch (c.op) {
        case BINARY_OPS.add: return f32(x + y);
        case BINARY_OPS.sub: return f32(x - y);
        case BINARY_OPS.mul: return f32(x * y);
        case BINARY_OPS.div: return f32(x / y);
        case BINARY_OPS.relu: return Number.isNaN(x) ? x : Math.max(x, 0);
        default: return f32(x * (Number.isNaN(y) ? Number.NaN : y > 0 ? 1 : 0));
      }
    };
    const expected = new Float32Array(count);
    for (let r = 0; r < c.rows; r++) for (let j = 0; j < inner; j++) expected[r * inner + j] = scalar(a[index(modeA, r, j)] ?? NaN, b[index(modeB, r, j)] ?? NaN);
    // Equal values, -0 apart from +0, any NaN for NaN.
    const bits = (v: ArrayLike<number>): string[] => Array.from(v, (x) => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : String(x)));
    expect(bits(heap.subarray(outAt, outAt + count))).toEqual(bits(expected));
    expect(Number.isNaN(heap[outAt - 1] ?? 0) && Number.isNaN(heap[outAt + count] ?? 0)).toBe(true);
  });

  const rowSumCase = fc.record({
    outer: fc.integer({ min: 1, max: 4 }),
    rows: fc.integer({ min: 1, max: 40 }),
    quads: fc.integer({ min: 1, max: 9 }),
    chunks: fc.integer({ min: 1, max: 8 }),
    parts: fc.integer({ min: 1, max: 5 }),
    shared: fc.boolean(),
    masked: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });

  test.prop([rowSumCase], { numRuns: 150 })(
    "rowSum (of x, or of ReLU's gradient x * step(mask), written out as it goes), in fixed chunks added in order, equals the float64 sum over the rows, and the same bits for any split into parts",
    (c) => {
      const inner = 4 * c.quads;
      const xSize = c.outer * c.rows * inner;
      const outSize = c.outer * inner;
      const xAt = 1;
      const outAt = xAt + xSize + 3;
      const scratchAt = outAt + outSize + 2;
      const maskAt = scratchAt + (c.chunks - 1) * outSize + 1;
      const maskedAt = maskAt + xSize + 2;
      const end = maskedAt + xSize;
      const x = seededValues(xSize, c.seed);
      // The mask: signed values, with zeros and negative zeros; NaN never reaches the sum's check (binary's reluGrad covers it).
      const mask = seededValues(xSize, c.seed + 1).map((v, i) => (i % 5 === 0 ? 0 : i % 11 === 0 ? -0 : v));
      const summed = c.masked ? x.map((v, i) => v * ((mask[i] ?? 0) > 0 ? 1 : 0)) : x;
      const sum = (parts: number): Float32Array => {
        const { kernels, heap } = instantiate(c.shared, (end + 16) * 4);
        heap.fill(Number.NaN);
        heap.set(x, xAt);
        heap.set(mask, maskAt);
        for (let part = 0; part < parts; part++) {
          kernels.rowSum(part, parts, xAt * 4, outAt * 4, scratchAt * 4, c.outer, c.rows, inner, c.chunks, c.masked ? maskAt * 4 : 0, c.masked ? maskedAt * 4 : 0);
        }
        if (c.chunks > 1) kernels.sumParts(0, 1, outAt * 4, scratchAt * 4, outSize, c.chunks - 1);
        expect(Number.isNaN(heap[outAt - 1] ?? 0) && Number.isNaN(heap[outAt + outSize] ?? 0) && Number.isNaN(heap[maskedAt - 1] ?? 0) && Number.isNaN(heap[end] ?? 0)).toBe(true);
        // The gradient written out is exactly x * step(mask), and nothing is written to masked without a mask.
        const written = Array.from(heap.subarray(maskedAt, end));
        expect(written).toEqual(c.masked ? Array.from(summed) : written.map(() => Number.NaN));
        return heap.slice(outAt, outAt + outSize);
      };
      const expected = new Float64Array(outSize);
      for (let o = 0; o < c.outer; o++) for (let r = 0; r < c.rows; r++) for (let j = 0; j < inner; j++) expected[o * inner + j] = (expected[o * inner + j] ?? 0) + (summed[(o * c.rows + r) * inner + j] ?? NaN);
      const once = sum(1);
      expect(relativeError(once, expected)).toBeLessThan(1e-5);
      expect(Array.from(sum(c.parts))).toEqual(Array.from(once));
    },
  );
});
