import { describe, expect, it } from 'vitest';
import { enableRelaxedSimd } from './relaxed-simd-node.js';
import { measureSimdPeak } from './simd-peak.js';

describe('measureSimdPeak', () => {
  it('refuses thread counts, iterations and repeats out of range', async () => {
    for (const threads of [0, 1.5, 65]) await expect(measureSimdPeak({ threads })).rejects.toThrow(RangeError);
    await expect(measureSimdPeak({ iterations: 0 })).rejects.toThrow(/iterations/);
    await expect(measureSimdPeak({ repeats: 0 })).rejects.toThrow(/repeats/);
  });

  it('reports every thread of one window, and the total is at most their sum', async () => {
    const peak = await measureSimdPeak({ threads: 2, iterations: 200_000, repeats: 3 });
    expect(peak).toMatchObject({ threads: 2, fused: false });
    expect(peak.perThread).toHaveLength(2);
    for (const rate of peak.perThread) expect(rate).toBeGreaterThan(0);
    // The total counts the window until its slowest thread finished.
    expect(peak.gflops).toBeGreaterThan(0);
    expect(peak.gflops).toBeLessThanOrEqual(peak.perThread[0]! + peak.perThread[1]! + 1e-9);
    expect(peak.gflops).toBeCloseTo(2 * Math.min(...peak.perThread), 6);
  });

  it('measures fused multiply-add where the runtime has relaxed SIMD', async () => {
    if (!enableRelaxedSimd()) return;
    const peak = await measureSimdPeak({ fused: true, iterations: 200_000, repeats: 2 });
    expect(peak).toMatchObject({ threads: 1, fused: true });
    expect(peak.gflops).toBe(peak.perThread[0]);
  });
});
