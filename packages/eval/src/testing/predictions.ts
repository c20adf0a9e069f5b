import type { Prediction } from '@cxr/model';
import { createRng } from '@cxr/preprocess';

/** Seeded predictions of a mediocre classifier: positives score higher on average. */
export function samplePredictions(n: number, seed: number, prefix: string): Prediction[] {
  const rng = createRng(seed);
  const rand = (): number => rng.next();
  return Array.from({ length: n }, (_, i) => {
    const label = rand() < 0.6 ? 1 : 0;
    const z = (label === 1 ? 1 : -0.6) + 1.3 * (rand() + rand() + rand() - 1.5);
    return { id: `/data/${prefix}/${label === 1 ? 'PNEUMONIA' : 'NORMAL'}/img_${i}.jpeg`, probability: 1 / (1 + Math.exp(-2 * z)), label: label as 0 | 1 };
  });
}
