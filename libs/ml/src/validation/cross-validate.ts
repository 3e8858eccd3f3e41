import { scoreClassifier, type ClassifierScores } from '../metrics/score-classifier';
import { forward, outputWidth } from '../nn/network';
import { train, type TrainingData, type TrainOptions } from '../nn/train';
import { stratifiedKFold, takeRows } from './stratified-split';

export interface CrossValidateOptions extends TrainingData {
  /** Default 5. */
  folds?: number;
  /** Seeds the fold assignment; each fold's training uses `training.seed` (default: this one). */
  seed?: number;
  /** How each fold trains; its rows come from the fold. */
  training?: Omit<TrainOptions, keyof TrainingData | 'validation' | 'onEpoch'>;
}

export interface FoldResult {
  /** 0-based. */
  fold: number;
  trainRows: number;
  testRows: number;
  epochsRun: number;
  bestEpoch: number;
  /** Scores on the fold's held-out rows. */
  scores: ClassifierScores;
}

export interface CrossValidationResult {
  folds: FoldResult[];
  /** Per-metric mean and (population) standard deviation over the folds. */
  mean: ClassifierScores;
  std: ClassifierScores;
}

/** Stratified k-fold cross-validation: trains on k-1 folds, scores on the one left out, k times. */
export function crossValidate(options: CrossValidateOptions): CrossValidationResult {
  const { x, labels, rows, training = {} } = options;
  const features = x.length / rows;
  const seed = options.seed ?? 1;
  // Fixed from all rows, so a fold that happens to miss a class still builds the same output layer.
  let largest = 1;
  for (let r = 0; r < rows; r++) largest = Math.max(largest, labels[r]);
  const classes = training.classes ?? largest + 1;
  const folds = stratifiedKFold(labels, { folds: options.folds ?? 5, seed }).map(
    (split, fold): FoldResult => {
      const testLabels = takeRows(labels, 1, split.test);
      const result = train({
        seed,
        ...training,
        classes,
        x: takeRows(x, features, split.train),
        labels: takeRows(labels, 1, split.train),
        rows: split.train.length,
      });
      const output = forward(result.network, takeRows(x, features, split.test), split.test.length);
      return {
        fold,
        trainRows: split.train.length,
        testRows: split.test.length,
        epochsRun: result.epochsRun,
        bestEpoch: result.bestEpoch,
        scores: scoreClassifier(testLabels, output, outputWidth(result.network)),
      };
    },
  );
  return { folds, ...summarise(folds.map((f) => f.scores)) };
}

function summarise(scores: ClassifierScores[]): { mean: ClassifierScores; std: ClassifierScores } {
  const mean: Partial<ClassifierScores> = {};
  const std: Partial<ClassifierScores> = {};
  for (const key of Object.keys(scores[0]) as (keyof ClassifierScores)[]) {
    const values = scores.map((s) => s[key] as number);
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    mean[key] = m;
    std[key] = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
  }
  return { mean: mean as ClassifierScores, std: std as ClassifierScores };
}
