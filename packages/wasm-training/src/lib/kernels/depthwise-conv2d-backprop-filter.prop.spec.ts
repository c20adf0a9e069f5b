import { test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbDepthwiseBackpropFilterCase, relativeError, runKernelOn } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

describe('DepthwiseConv2dNativeBackpropFilter on wasm', () => {
  test.prop([arbDepthwiseBackpropFilterCase], { numRuns: 40 })('equals the cpu backend within 1e-4 relative error', async (c) => {
    const wasm = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', c);
    const cpu = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', c);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
  });
});
