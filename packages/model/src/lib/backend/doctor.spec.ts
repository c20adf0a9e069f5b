import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { TFJS_NODE_GPU_NEEDS } from './cuda-probe.js';
import { doctor, formatDoctor } from './doctor.js';

describe('doctor', () => {
  it('reports every backend fastest first with available and reason, as JSON, without changing the backend', async () => {
    await tf.setBackend('cpu');
    const report = await doctor();
    expect(tf.getBackend()).toBe('cpu');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.backends.map((b) => b.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    for (const b of report.backends) {
      expect(typeof b.available).toBe('boolean');
      expect(b.reason.length).toBeGreaterThan(0);
    }
    expect(report.backends.find((b) => b.name === 'cpu')?.available).toBe(true);
    expect(report.auto).toBe(report.backends.find((b) => b.available)?.name);
    const wasm = report.backends.find((b) => b.name === 'wasm');
    expect(wasm?.reason).toMatch(report.wasm.simd ? /SIMD/ : /without SIMD/);
    expect(report.wasm.threads).toBe(report.wasm.threadsReason === undefined);
    // Node 20.19+ on x86-64 and arm64 has relaxed SIMD (behind a flag that doctor, like initBackend, turns on).
    expect(report.wasm.relaxedSimd).toBe(report.wasm.simd);
  });

  it('checks CUDA and cuDNN against what tfjs-node-gpu 4.22 needs (CUDA 11.2, cuDNN 8.1)', async () => {
    const { cuda } = await doctor();
    expect(cuda.needs).toMatchObject({ cuda: '11.2', cudnn: '8.1' });
    expect(cuda.libraries.map((l) => l.soname)).toEqual([...TFJS_NODE_GPU_NEEDS.libraries]);
    expect(cuda.ok).toBe(cuda.problems.length === 0);
    if (!cuda.driver.nvidiaSmi) expect(cuda.problems.join(' ')).toMatch(/nvidia-smi/);
    const missing = cuda.libraries.filter((l) => l.path === undefined);
    if (missing.length > 0) expect(cuda.problems.join(' ')).toMatch(new RegExp(missing[0]?.soname.replace(/\./g, '\\.') ?? ''));
  });

  it('formats a readable report naming each backend, the auto choice and the CUDA needs', async () => {
    const report = await doctor();
    const text = formatDoctor(report);
    for (const b of report.backends) expect(text).toContain(b.name);
    expect(text).toContain(`auto uses: ${report.auto}`);
    expect(text).toContain('needs CUDA 11.2, cuDNN 8.1');
  });
});
