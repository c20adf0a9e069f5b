import { test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbPoolCase, relativeError, runPoolGradOn } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

describe('AvgPoolGrad on wasm (the shipped kernel)', () => {
  test.prop([arbPoolCase], { numRuns: 30 })('equals the cpu backend within 1e-4 relative error', async (c) => {
    const wasm = await runPoolGradOn('wasm', 'AvgPool', c);
    const cpu = await runPoolGradOn('cpu', 'AvgPool', c);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
  });
});
