import {
  accuracy,
  f1Score,
  macroAverages,
  precision,
  predictedClasses,
  recall,
} from './class-metrics';
import { brierScore, logLoss, rocAuc } from './probability-metrics';

/**
 * The usual figures for a classifier's predictions. Precision, recall and F1 are of class 1 for a
 * binary model and macro averages for a multiclass one; AUC is reported for binary models only.
 */
export interface ClassifierScores {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  logLoss: number;
  brier: number;
  auc?: number;
}

/** Scores a network's output, [rows x width] (width 1: P(class 1); K: class distribution). */
export function scoreClassifier(
  labels: ArrayLike<number>,
  output: Float64Array,
  width: number,
): ClassifierScores {
  const predicted = predictedClasses(output, width);
  const common = {
    accuracy: accuracy(labels, predicted),
    logLoss: logLoss(labels, output, width),
    brier: brierScore(labels, output, width),
  };
  if (width > 1) return { ...common, ...macroAverages(labels, predicted, width) };
  return {
    ...common,
    precision: precision(labels, predicted),
    recall: recall(labels, predicted),
    f1: f1Score(labels, predicted),
    auc: rocAuc(labels, output),
  };
}
