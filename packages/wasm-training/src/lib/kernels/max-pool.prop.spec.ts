import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbPoolCase, arbTiledPoolCase, seededValues, type PoolCase } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

/** The usual pool of conv nets (2x2 at stride 2, channels a multiple of 4), on odd sizes too ('valid' leaves the last row or column out). */
const usualPool: fc.Arbitrary<PoolCase> = fc
  .tuple(arbTiledPoolCase, fc.boolean(), fc.boolean())
  .map(([c, oddH, oddW]) => (oddH || oddW ? { ...c, pad: 'valid' as const, x: [c.x[0], c.x[1] + (oddH ? 1 : 0), c.x[2] + (oddW ? 1 : 0), c.x[3]] as const } : c));

async function maxPoolOn(backend: string, c: PoolCase): Promise<{ values: string[]; shape: number[] }> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  return tf.tidy(() => {
    const raw = seededValues(c.x.reduce((a, b) => a * b, 1), c.seed).map((v, i) => {
      if (c.specials === true && i % 5 === 1) return -Infinity;
      if (c.specials === true && i % 7 === 2) return Number.NaN;
      return c.ties ? Math.round(v * 2) / 2 : v;
    });
    const attrs = { filterSize: [...c.filterSize], strides: [...c.strides], pad: c.pad, dimRoundingMode: undefined };
    const y = tf.engine().runKernel(tf.MaxPool, { x: tf.tensor(raw, [...c.x]) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    return { values: Array.from(y.dataSync(), (v) => (Object.is(v, -0) ? '-0' : String(v))), shape: y.shape };
  });
}

describe('MaxPool on wasm (2x2 at stride 2 on the generated kernel, the rest shipped)', () => {
  test.prop([fc.oneof(usualPool, usualPool, arbPoolCase)], { numRuns: 80 })('gives the cpu backend values exactly (the first strict maximum; NaN never wins)', async (c) => {
    const wasm = await maxPoolOn('wasm', c);
    // The shipped XNNPACK pool (other pools) treats NaN and the sign of zero its own way: only the
    // usual pool is held to cpu's bits; the others to its values.
    const usual = c.filterSize.join() === '2,2' && c.strides.join() === '2,2' && c.x[3] % 4 === 0 && (c.pad === 'valid' || (c.x[1] % 2 === 0 && c.x[2] % 2 === 0));
    if (!usual && c.specials === true) return;
    const cpu = await maxPoolOn('cpu', c);
    expect(wasm.shape).toEqual(cpu.shape);
    const unsigned = (values: string[]): string[] => values.map((v) => (v === '-0' ? '0' : v));
    if (usual) expect(wasm.values).toEqual(cpu.values);
    else expect(unsigned(wasm.values)).toEqual(unsigned(cpu.values));
  });
});
