import type * as tf from '@tensorflow/tfjs-core';

/**
 * Times kernel calls on `backend`, interleaved: each case once to warm up, then `runs` rounds of
 * every case in turn (so a slower minute of a shared machine hits all cases alike). A call's time
 * includes reading its output back; the output is freed. Returns the milliseconds of each run per label.
 */
export function interleavedKernelTimes(backend: tf.KernelBackend, cases: readonly (readonly [string, () => tf.TensorInfo])[], runs: number): Map<string, number[]> {
  const time = (f: () => tf.TensorInfo): number => {
    const t = performance.now();
    const out = f();
    backend.readSync(out.dataId);
    const ms = performance.now() - t;
    backend.disposeData(out.dataId);
    return ms;
  };
  const times = new Map<string, number[]>(cases.map(([label]) => [label, []]));
  for (const [, f] of cases) time(f);
  for (let r = 0; r < runs; r++) for (const [label, f] of cases) times.get(label)?.push(time(f));
  return times;
}
