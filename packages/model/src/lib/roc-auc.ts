/**
 * Exact area under the ROC curve from scores (any real numbers: logits or probabilities) and 0/1
 * labels, by ranks (Mann-Whitney U divided by positives x negatives): tied scores share their
 * average rank, so a tied positive/negative pair counts one half and a constant scorer gets 0.5.
 * The one AUC of the project: training's validation AUC and every report's use it.
 *
 * @example
 * ```ts
 * rocAuc([0.9, 0.4, 0.4, 0.1], [1, 1, 0, 0]); // 0.875
 * rocAuc([0.8, 0.3], [1, 1]); // null: no negative
 * ```
 * @returns the AUC, or `null` when one class is absent (the AUC is not defined).
 * @throws RangeError when the lengths differ.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`rocAuc: ${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let positiveRankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const score = scores[order[i] as number] as number;
    while (j + 1 < n && scores[order[j + 1] as number] === score) j += 1;
    // ranks i+1 .. j+1 share their average
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k += 1) {
      if (labels[order[k] as number] === 1) {
        positives += 1;
        positiveRankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
