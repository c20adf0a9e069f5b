import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbPoolCase, arbTiledPoolCase, relativeError, runPoolGradOn, type PoolCase } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

/** Edge cases kept as regression examples: all-negative windows (the shipped kernel's bug), ties. */
const examples: PoolCase[] = [
  { x: [1, 4, 4, 2], filterSize: [2, 2], strides: [2, 2], pad: 'valid', seed: 11, ties: true },
  { x: [2, 5, 5, 3], filterSize: [3, 3], strides: [2, 2], pad: 'same', seed: 12, ties: false },
  { x: [1, 7, 6, 1], filterSize: [2, 2], strides: [2, 2], pad: 'same', seed: 13, ties: true },
];

describe('MaxPoolGrad on wasm (ours, replacing the shipped loop)', () => {
  test.prop([fc.oneof(arbPoolCase, arbTiledPoolCase, fc.constantFrom(...examples))], { numRuns: 60 })(
    'equals the cpu backend (first maximum takes the gradient) within 1e-4 relative error',
    async (c) => {
      const wasm = await runPoolGradOn('wasm', 'MaxPool', c);
      const cpu = await runPoolGradOn('cpu', 'MaxPool', c);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
    },
  );
});
