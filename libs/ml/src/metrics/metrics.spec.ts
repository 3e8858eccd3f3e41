import {
  accuracy,
  f1Score,
  macroAverages,
  precision,
  predictedClasses,
  recall,
} from './class-metrics';
import { brierScore, LOG_LOSS_EPSILON, logLoss, rocAuc } from './probability-metrics';
import { scoreClassifier } from './score-classifier';

/** AUC by definition: over every (positive, negative) pair, 1 if ranked right, 1/2 if tied. */
function pairCountAuc(labels: number[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((yp, i) => {
    if (yp !== 1) return;
    labels.forEach((yn, j) => {
      if (yn !== 0) return;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('class metrics', () => {
  //            TP TP FN TN FP TN TN TP
  const labels = [1, 1, 1, 0, 0, 0, 0, 1];
  const predicted = [1, 1, 0, 0, 1, 0, 0, 1];

  it('counts accuracy, precision, recall and F1 of the positive class', () => {
    expect(accuracy(labels, predicted)).toBe(6 / 8);
    expect(precision(labels, predicted)).toBe(3 / 4);
    expect(recall(labels, predicted)).toBe(3 / 4);
    expect(f1Score(labels, predicted)).toBeCloseTo(0.75, 15);
    // Class 0 as the positive one: TP 3, FP 1, FN 1.
    expect(precision(labels, predicted, 0)).toBe(3 / 4);
    expect(recall([0, 0, 1], [0, 1, 1], 0)).toBe(1 / 2);
    expect(f1Score([1, 0, 0, 0], [1, 1, 1, 0])).toBeCloseTo((2 * 1) / (2 * 1 + 2 + 0), 15);
  });

  it('reports 0 where a ratio has nothing to count, as scikit-learn does', () => {
    expect(precision([1, 0], [0, 0])).toBe(0);
    expect(recall([0, 0], [1, 0])).toBe(0);
    expect(f1Score([0, 0], [0, 0])).toBe(0);
  });

  it('macro-averages per-class precision, recall and F1 over K classes', () => {
    const y = [0, 0, 1, 1, 2, 2];
    const p = [0, 1, 1, 1, 2, 0];
    // class 0: P 1/2 R 1/2 F1 1/2; class 1: P 2/3 R 1 F1 4/5; class 2: P 1 R 1/2 F1 2/3
    const macro = macroAverages(y, p, 3);
    expect(macro.precision).toBeCloseTo((1 / 2 + 2 / 3 + 1) / 3, 15);
    expect(macro.recall).toBeCloseTo((1 / 2 + 1 + 1 / 2) / 3, 15);
    expect(macro.f1).toBeCloseTo((1 / 2 + 4 / 5 + 2 / 3) / 3, 15);
  });

  it('turns a sigmoid output into classes above 0.5 and a softmax output into its arg-max', () => {
    expect(Array.from(predictedClasses(Float64Array.of(0.2, 0.5, 0.51), 1))).toEqual([0, 0, 1]);
    const softmax = Float64Array.of(0.2, 0.5, 0.3, 0.6, 0.1, 0.3);
    expect(Array.from(predictedClasses(softmax, 3))).toEqual([1, 0]);
  });

  it('refuses arrays of different lengths', () => {
    expect(() => accuracy([1, 0], [1])).toThrow(RangeError);
  });
});

describe('rocAuc', () => {
  it('matches a count over all positive-negative pairs, ties counted half', () => {
    const labels = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1];
    const scores = [0.9, 0.9, 0.4, 0.7, 0.1, 0.4, 0.4, 0.3, 0.7, 0.2];
    // By hand: 25 pairs; the positives at 0.9, 0.7, 0.4, 0.4, 0.2 win 4.5, 3.5, 2.5, 2.5, 1.
    expect(pairCountAuc(labels, scores)).toBe(14 / 25);
    expect(rocAuc(labels, scores)).toBeCloseTo(14 / 25, 15);
  });

  it('agrees with the pair count on random scores with many ties', () => {
    let state = 17;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    const labels = Array.from({ length: 300 }, () => (next() < 0.3 ? 1 : 0));
    const scores = labels.map((y) => Math.round((next() + 0.3 * y) * 10) / 10);
    expect(rocAuc(labels, Float64Array.from(scores))).toBeCloseTo(pairCountAuc(labels, scores), 12);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, 1/2 when every score ties, NaN for one class', () => {
    expect(rocAuc([0, 0, 1, 1], [1, 2, 3, 4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [1, 2, 3, 4])).toBe(0);
    expect(rocAuc([1, 0, 1, 0], [5, 5, 5, 5])).toBe(0.5);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});

describe('probability metrics', () => {
  it('computes binary log loss and clips certain mistakes', () => {
    const labels = [1, 0, 1];
    const p = Float64Array.of(0.8, 0.3, 0.6);
    expect(logLoss(labels, p)).toBeCloseTo(
      -(Math.log(0.8) + Math.log(0.7) + Math.log(0.6)) / 3,
      15,
    );
    expect(logLoss([1], Float64Array.of(0))).toBeCloseTo(-Math.log(LOG_LOSS_EPSILON), 10);
    expect(Number.isFinite(logLoss([0], Float64Array.of(1)))).toBe(true);
  });

  it('computes multiclass log loss from the probability of the true class', () => {
    const probs = Float64Array.of(0.7, 0.2, 0.1, 0.1, 0.3, 0.6);
    expect(logLoss([0, 2], probs, 3)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.6)) / 2, 15);
  });

  it('computes the Brier score, binary and multiclass', () => {
    expect(brierScore([1, 0, 1], Float64Array.of(0.8, 0.3, 0.6))).toBeCloseTo(
      (0.04 + 0.09 + 0.16) / 3,
      15,
    );
    const probs = Float64Array.of(0.7, 0.2, 0.1, 0.1, 0.3, 0.6);
    // (0.09 + 0.04 + 0.01) + (0.01 + 0.09 + 0.16), over 2 rows
    expect(brierScore([0, 2], probs, 3)).toBeCloseTo(0.4 / 2, 15);
  });

  it('refuses a probability array of the wrong shape', () => {
    expect(() => logLoss([0, 1], Float64Array.of(0.1, 0.2, 0.3), 3)).toThrow(/need 6/);
  });
});

describe('scoreClassifier', () => {
  it('reports binary scores with AUC, and macro scores without it for K classes', () => {
    const binary = scoreClassifier([1, 0, 1, 0], Float64Array.of(0.9, 0.2, 0.4, 0.6), 1);
    expect(binary).toEqual({
      accuracy: 0.5,
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
      auc: 0.75,
      logLoss: expect.any(Number),
      brier: expect.closeTo((0.01 + 0.04 + 0.36 + 0.36) / 4, 15),
    });
    const multi = scoreClassifier([0, 1], Float64Array.of(0.6, 0.4, 0.3, 0.7), 2);
    expect(multi).toMatchObject({ accuracy: 1, precision: 1, recall: 1, f1: 1 });
    expect(multi.auc).toBeUndefined();
  });
});
