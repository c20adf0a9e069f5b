import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbConv2dBackpropFilterCase, relativeError, runKernelOn, type KernelCase } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

/** Cases fast-check once found or that hit edges: kept as regression examples. */
const examples: KernelCase[] = [
  // 'valid' where the last input row and column are never read (crop, not pad).
  {
    inputs: { x: [2, 7, 6, 3], dy: [2, 3, 3, 5] },
    attrs: { strides: [2, 2], pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 3, 5] },
    seed: 3,
  },
  // 1x1 filter, stride 3: most input pixels are skipped.
  {
    inputs: { x: [1, 7, 5, 2], dy: [1, 3, 2, 4] },
    attrs: { strides: [3, 3], pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 1, 2, 4] },
    seed: 5,
  },
  // Explicit padding whose only read row is padding: the window lies wholly outside x (CI found it).
  {
    inputs: { x: [1, 1, 1, 1], dy: [1, 1, 1, 1] },
    attrs: { strides: [3, 1], pad: [[0, 0], [2, 0], [0, 0], [0, 0]], dataFormat: 'NHWC', filterShape: [1, 1, 1, 1] },
    seed: 1,
  },
];

describe('Conv2DBackpropFilter on wasm', () => {
  test.prop([fc.oneof(arbConv2dBackpropFilterCase, fc.constantFrom(...examples))], { numRuns: 40 })(
    'equals the cpu backend within 1e-4 relative error',
    async (c) => {
      const wasm = await runKernelOn('wasm', 'Conv2DBackpropFilter', c);
      const cpu = await runKernelOn('cpu', 'Conv2DBackpropFilter', c);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
    },
  );
});
