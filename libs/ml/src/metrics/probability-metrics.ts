import { sameLength } from './check-shape';

/**
 * Metrics on predicted probabilities. `probabilities` is a network's output, [rows x width]
 * row-major: width 1 holds P(class 1) of a binary model, width K a distribution over K classes.
 */

/**
 * Exact ROC AUC of binary labels (1 = positive) against scores: the Mann-Whitney statistic, the
 * chance that a random positive scores above a random negative, ties counting half. Sort once and
 * give tied scores their mid-rank; AUC = (positives' rank sum - n1(n1 + 1)/2) / (n1 n0). NaN when
 * only one class is present, where AUC is undefined.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  sameLength(labels, scores);
  const n = labels.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score at row ${i} is NaN`);
    order[i] = i;
  }
  order.sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]] === scores[order[start]]) end++;
    const midRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k]] === 1) {
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

/** Probabilities are clipped to [EPSILON, 1 - EPSILON] so one confident mistake costs ~34.5, not ∞. */
export const LOG_LOSS_EPSILON = 1e-15;

/** Mean negative log-likelihood of the labels (cross-entropy), in nats. */
export function logLoss(labels: ArrayLike<number>, probabilities: Float64Array, width = 1): number {
  checkShape(labels, probabilities, width);
  const clip = (p: number) => Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p));
  let sum = 0;
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r];
    sum -=
      width === 1
        ? Math.log(clip(y === 1 ? probabilities[r] : 1 - probabilities[r]))
        : Math.log(clip(probabilities[r * width + y]));
  }
  return sum / labels.length;
}

/**
 * Brier score: mean squared distance between the predicted distribution and the one-hot label.
 * For width 1 that is the usual binary form, mean (p - y)^2; for K classes it sums over classes
 * (Brier's original definition, twice the binary form when K = 2).
 */
export function brierScore(
  labels: ArrayLike<number>,
  probabilities: Float64Array,
  width = 1,
): number {
  checkShape(labels, probabilities, width);
  let sum = 0;
  for (let r = 0; r < labels.length; r++) {
    if (width === 1) {
      sum += (probabilities[r] - labels[r]) ** 2;
      continue;
    }
    for (let k = 0; k < width; k++) {
      sum += (probabilities[r * width + k] - (labels[r] === k ? 1 : 0)) ** 2;
    }
  }
  return sum / labels.length;
}

function checkShape(labels: ArrayLike<number>, probabilities: Float64Array, width: number) {
  if (probabilities.length !== labels.length * width) {
    throw new RangeError(
      `${labels.length} labels need ${labels.length * width} probabilities, got ${probabilities.length}`,
    );
  }
}
