import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWasmBackend } from '../../../testing/start-wasm.js';
import { seededValues } from '../../../testing/kernel-cases.js';
import { SimdKernels } from './simd-runner.js';

/** More threads than this machine may have cores: jobs on some of the workers, then on all, back to back. */
beforeAll(async () => {
  expect(await startWasmBackend(4)).toBe(4);
});

describe('SimdKernels with workers left out of some jobs', () => {
  it('gives the same bits for every mix of thread counts, job after job', async () => {
    const kernels = SimdKernels.of(tf.backend());
    if (kernels === undefined) throw new Error('no SIMD kernels on wasm');
    expect(await kernels.ready()).toBe(4);
    const geometry = { n: 2, h: 9, w: 8, ci: 5, ho: 9, wo: 8, co: 8, fh: 3, fw: 3, sh: 1, sw: 1, top: 1, left: 1 };
    const x = tf.tensor4d(seededValues(2 * 9 * 8 * 5, 1), [2, 9, 8, 5]);
    const dy = tf.tensor4d(seededValues(2 * 9 * 8 * 8, 2), [2, 9, 8, 8]);
    const size = 3 * 3 * 5 * 8;
    const parts = 8;
    const dw = tf.zeros([size]);
    const scratch = tf.zeros([(parts - 1) * size]);
    const at = { x: kernels.address(x), dy: kernels.address(dy), dw: kernels.address(dw), scratch: kernels.address(scratch) };
    const gradient = (maxThreads: number): number[] => {
      kernels.run('filterGrad', parts, { ...at, ...geometry }, maxThreads);
      kernels.run('sumParts', parts, { dst: at.dw, scratch: at.scratch, count: size, copies: parts - 1 }, maxThreads);
      return Array.from(dw.dataSync());
    };
    const reference = gradient(1);
    for (let job = 0; job < 60; job++) expect(gradient(1 + (job % 4))).toEqual(reference);
    tf.dispose([x, dy, dw, scratch]);
  });
});
