import type { Batch } from '@cxr/preprocess';
import { createRng } from '@cxr/preprocess';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, type Observable } from 'rxjs';

/** Options of {@link toyBatches}. */
export interface ToyBatchesOptions {
  /** Images in all (default 32). */
  readonly count?: number;
  /** Images per batch (default 8; the last batch may be smaller). */
  readonly batchSize?: number;
  /** Side of the square images (default 16). */
  readonly size?: number;
  /** Seed of the noise and labels (default 1). */
  readonly seed?: number;
  /** Share of positive images (default 0.5). */
  readonly positiveShare?: number;
}

/**
 * Tiny learnable batches (uint8, 1 channel): label-1 images have a bright square in the
 * upper-left quarter on top of noise, label-0 images have it in the lower-right; the same seed
 * gives the same batches. Positives and negatives are interleaved, so any batch of 4+ holds both.
 */
export function toyBatchList(options: ToyBatchesOptions = {}): Batch[] {
  const count = options.count ?? 32;
  const batchSize = options.batchSize ?? 8;
  const size = options.size ?? 16;
  const rng = createRng(options.seed ?? 1);
  const share = options.positiveShare ?? 0.5;
  const batches: Batch[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const x = new Uint8Array(n * size * size);
    const y = new Float32Array(n);
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const index = start + i;
      const label = (index * share) % 1 >= 1 - share - 1e-9 || share === 1 ? 1 : 0;
      y[i] = label;
      ids.push(`toy/${label === 1 ? 'PNEUMONIA' : 'NORMAL'}/${index}.png`);
      const q = size / 4;
      const cy = label === 1 ? q : 3 * q;
      const cx = label === 1 ? q : 3 * q;
      for (let r = 0; r < size; r += 1) {
        for (let c = 0; c < size; c += 1) {
          const inside = Math.abs(r - cy) < q && Math.abs(c - cx) < q;
          x[i * size * size + r * size + c] = Math.min(255, Math.floor(rng.next() * 60) + (inside ? 150 : 40));
        }
      }
    }
    batches.push({ x, y, ids, shape: [n, size, size, 1] });
  }
  return batches;
}

/** {@link toyBatchList} as an Observable (a fresh subscription replays the same batches). */
export function toyBatches(options: ToyBatchesOptions = {}): Observable<Batch> {
  const list = toyBatchList(options);
  return from(list);
}

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cxr-model-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
export { validModelMetadata } from './metadata.js';
export { buildBenchCnn } from './bench-cnn.js';
