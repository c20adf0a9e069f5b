/**
 * Exact area under the ROC curve from scores and 0/1 labels, by ranks (Mann-Whitney U):
 * tied scores share their average rank, so a constant scorer gets 0.5.
 * Returns undefined when one class is absent (the AUC is not defined).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | undefined {
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
  if (positives === 0 || negatives === 0) return undefined;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
