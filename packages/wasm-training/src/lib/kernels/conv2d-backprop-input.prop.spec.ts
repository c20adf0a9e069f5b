import { test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbConv2dBackpropInputCase, relativeError, runKernelOn } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

describe('Conv2DBackpropInput on wasm (ours, replacing the shipped loop)', () => {
  test.prop([arbConv2dBackpropInputCase], { numRuns: 40 })('equals the cpu backend within 1e-4 relative error', async (c) => {
    const wasm = await runKernelOn('wasm', 'Conv2DBackpropInput', c);
    const cpu = await runKernelOn('cpu', 'Conv2DBackpropInput', c);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
  });
});
