import { test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbReduceCase, runKernelOn } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

function maxAbs(values: ArrayLike<number>): number {
  return Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return Number.isNaN(diff) ? Infinity : diff;
}

describe('Sum and Mean on wasm (runs of axes before the last on the generated row sum or one average pool, the rest shipped)', () => {
  for (const kernel of ['Sum', 'Mean']) {
    test.prop([arbReduceCase], { numRuns: 40, examples: [[{ shape: [7, 9, 5], axis: [0, 1, 2], keepDims: false, seed: 262265334 }]] })(`${kernel} equals the cpu backend within 1e-4 of the larger of 1 and its largest output`, async (c) => {
      const call = { inputs: { x: c.shape }, attrs: { axis: [...c.axis], keepDims: c.keepDims }, seed: c.seed };
      const wasm = await runKernelOn('wasm', kernel, call);
      const cpu = await runKernelOn('cpu', kernel, call);
      expect(wasm.shape).toEqual(cpu.shape);
      // Inputs lie in [-1, 1]: a mean or sum that cancels to near 0 is judged against that scale,
      // not against its own tiny size (float32 rounding alone exceeds 1e-4 of such an output).
      expect(maxDifference(wasm.values, cpu.values) / Math.max(1, maxAbs(cpu.values))).toBeLessThan(1e-4);
    });
  }
});
