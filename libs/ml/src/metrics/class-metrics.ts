import { sameLength } from './check-shape';

/**
 * Metrics on predicted classes. Labels and predictions are class indices (0/1 for a binary
 * problem). A ratio with an empty denominator (no predicted positives for precision, no actual
 * positives for recall) is 0, as scikit-learn's default `zero_division` reports it.
 */

/** Share of rows whose predicted class is the label. */
export function accuracy(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  sameLength(labels, predicted);
  let correct = 0;
  for (let r = 0; r < labels.length; r++) if (labels[r] === predicted[r]) correct++;
  return labels.length === 0 ? NaN : correct / labels.length;
}

/** Of the rows predicted `positive`, the share that are. */
export function precision(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  positive = 1,
): number {
  const { truePositives, falsePositives } = countsFor(labels, predicted, positive);
  return ratio(truePositives, truePositives + falsePositives);
}

/** Of the rows that are `positive`, the share predicted so. */
export function recall(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  positive = 1,
): number {
  const { truePositives, falseNegatives } = countsFor(labels, predicted, positive);
  return ratio(truePositives, truePositives + falseNegatives);
}

/** Harmonic mean of precision and recall for the `positive` class. */
export function f1Score(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  positive = 1,
): number {
  const {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
  } = countsFor(labels, predicted, positive);
  return ratio(2 * tp, 2 * tp + fp + fn);
}

export interface MacroAverages {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Unweighted means over classes 0..classes-1 of each class's one-vs-rest precision, recall and F1
 * (scikit-learn's `average='macro'`: F1 is averaged per class, not computed from the averages).
 */
export function macroAverages(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): MacroAverages {
  const sums = { precision: 0, recall: 0, f1: 0 };
  for (let c = 0; c < classes; c++) {
    const {
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
    } = countsFor(labels, predicted, c);
    sums.precision += ratio(tp, tp + fp);
    sums.recall += ratio(tp, tp + fn);
    sums.f1 += ratio(2 * tp, 2 * tp + fp + fn);
  }
  return {
    precision: sums.precision / classes,
    recall: sums.recall / classes,
    f1: sums.f1 / classes,
  };
}

/**
 * Predicted classes from a network's output, [rows x width] row-major: a 1-wide sigmoid output
 * predicts 1 when p > threshold (scikit-learn's rule at 0.5), a K-wide one the arg-max class.
 */
export function predictedClasses(output: Float64Array, width: number, threshold = 0.5): Int32Array {
  const rows = output.length / width;
  const classes = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      classes[r] = output[r] > threshold ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let k = 1; k < width; k++) if (output[r * width + k] > output[r * width + best]) best = k;
    classes[r] = best;
  }
  return classes;
}

function countsFor(labels: ArrayLike<number>, predicted: ArrayLike<number>, positive: number) {
  sameLength(labels, predicted);
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (let r = 0; r < labels.length; r++) {
    const actual = labels[r] === positive;
    const guessed = predicted[r] === positive;
    if (actual && guessed) truePositives++;
    else if (guessed) falsePositives++;
    else if (actual) falseNegatives++;
  }
  return { truePositives, falsePositives, falseNegatives };
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
