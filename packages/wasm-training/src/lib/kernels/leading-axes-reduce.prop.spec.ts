import { test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbReduceCase, relativeError, runKernelOn } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

describe('Sum and Mean on wasm (leading axes as one average pool, the rest shipped)', () => {
  for (const kernel of ['Sum', 'Mean']) {
    test.prop([arbReduceCase], { numRuns: 40 })(`${kernel} equals the cpu backend within 1e-4 relative error`, async (c) => {
      const call = { inputs: { x: c.shape }, attrs: { axis: [...c.axis], keepDims: c.keepDims }, seed: c.seed };
      const wasm = await runKernelOn('wasm', kernel, call);
      const cpu = await runKernelOn('cpu', kernel, call);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
    });
  }
});
