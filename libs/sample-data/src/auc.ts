/**
 * Exact ROC AUC (the Mann-Whitney statistic) with ties counted as half: sort once, give tied
 * scores their mid-rank, then AUC = (rank sum of positives - n1(n1+1)/2) / (n1 n0).
 * NaN when only one class is present, because AUC is undefined there.
 */
export function bayesOptimalAuc(
  probabilities: readonly number[],
  labels: readonly boolean[],
): number {
  if (probabilities.length !== labels.length) {
    throw new RangeError(`${probabilities.length} scores but ${labels.length} labels`);
  }
  const n = probabilities.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => probabilities[a] - probabilities[b],
  );
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && probabilities[order[end + 1]] === probabilities[order[start]]) end++;
    const midRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k]]) {
        positives++;
        positiveRankSum += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
