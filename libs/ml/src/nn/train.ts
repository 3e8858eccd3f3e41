import { scoreClassifier, type ClassifierScores } from '../metrics/score-classifier';
import { stratifiedHoldout } from '../validation/stratified-split';
import { Adam } from './adam';
import { BatchNetwork } from './batch-network';
import type { Network } from './network';
import { createRandom, shuffleInPlace, type Random } from './random';

/** Rows for a classifier: features row-major [rows x features], one class index per row. */
export interface TrainingData {
  x: Float64Array;
  /** 0/1 for a binary problem, 0..K-1 for K classes. */
  labels: Float64Array | Int32Array;
  rows: number;
}

export interface TrainOptions extends TrainingData {
  /** Number of classes; defaults to the largest label + 1. Two classes train one sigmoid unit. */
  classes?: number;
  /** ReLU hidden layer widths; none (the default) is logistic regression. */
  hidden?: readonly number[];
  /** Default 30. */
  epochs?: number;
  /** Rows per Adam step; default 128. */
  batchSize?: number;
  /** Adam's step size; default 0.001. */
  learningRate?: number;
  /**
   * L2 penalty on weights (not biases): the trainer minimises mean loss + (l2 / 2) |W|^2, so a
   * scikit-learn `C` over n training rows is l2 = 1 / (n C). Default 1e-4.
   */
  l2?: number;
  /**
   * Share of the rows held out (stratified) to pick the best epoch and stop early; default 0.1.
   * 0 trains on every row for all epochs.
   */
  validationFraction?: number;
  /** A validation set of its own, instead of holding out `validationFraction` of the rows. */
  validation?: TrainingData;
  /** Epochs without an improvement of at least `minDelta` in validation loss before stopping; 5. */
  patience?: number;
  /** Default 1e-4. */
  minDelta?: number;
  /** Seeds the split, the initial weights and every shuffle: same seed, same model. Default 1. */
  seed?: number;
  /**
   * Called after each epoch, e.g. to publish progress. Returning 'stop' ends training as early
   * stopping would (the best weights are kept); throwing abandons it.
   */
  onEpoch?: (progress: EpochProgress) => void | 'stop';
}

export interface EpochProgress {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Mean loss over the epoch's batches (without the L2 term). */
  trainLoss: number;
  validationLoss?: number;
  /** Scores on the validation rows. */
  metrics?: ClassifierScores;
}

export interface TrainResult {
  network: Network;
  epochsRun: number;
  /** The epoch whose weights `network` holds: lowest validation loss, or the last epoch. */
  bestEpoch: number;
  stopReason: 'epochs' | 'early-stopping' | 'callback';
  history: EpochProgress[];
}

/** Trains a logistic regression or an MLP classifier with mini-batch Adam. */
export function train(options: TrainOptions): TrainResult {
  const run = new TrainingRun(options);
  while (!run.done) {
    const progress = run.epoch();
    if (options.onEpoch?.(progress) === 'stop') run.stop('callback');
  }
  return run.result();
}

export interface TrainAsyncOptions extends Omit<TrainOptions, 'onEpoch'> {
  onEpoch?: (progress: EpochProgress) => void | 'stop' | Promise<void | 'stop'>;
}

/**
 * `train` for a service: awaits `onEpoch` and yields to the event loop after every epoch, so
 * heartbeats and progress events go out while a long training runs in the same process.
 */
export async function trainAsync(options: TrainAsyncOptions): Promise<TrainResult> {
  const run = new TrainingRun(options);
  while (!run.done) {
    const progress = run.epoch();
    if ((await options.onEpoch?.(progress)) === 'stop') run.stop('callback');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return run.result();
}

/** Rows of one source, picked by index: training never copies the caller's matrix. */
interface Rows {
  x: Float64Array;
  labels: Float64Array | Int32Array;
  indices: Int32Array;
}

class TrainingRun {
  done = false;
  private readonly features: number;
  private readonly epochs: number;
  private readonly l2: number;
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly train: Rows;
  private readonly validation: Rows | null;
  private readonly validationLabels: Int32Array;
  private readonly validationOutput: Float64Array;
  private readonly random: Random;
  private readonly net: BatchNetwork;
  private readonly adam: Adam;
  private readonly batchX: Float64Array;
  private readonly batchLabels: Int32Array;
  private readonly best: Float64Array;
  private bestLoss = Infinity;
  private bestEpoch = 0;
  private waited = 0;
  private epochsRun = 0;
  private stopReason: TrainResult['stopReason'] = 'epochs';
  private readonly history: EpochProgress[] = [];

  constructor(options: Omit<TrainOptions, 'onEpoch'>) {
    const { x, labels, rows } = options;
    this.features = widthOf(options, 'x');
    const classes = options.classes ?? Math.max(2, largestLabel(labels) + 1);
    checkLabels(options, classes, 'labels');
    if (options.validation) {
      if (widthOf(options.validation, 'validation.x') !== this.features) {
        throw new RangeError('validation rows have a different feature count');
      }
      checkLabels(options.validation, classes, 'validation.labels');
    }
    this.epochs = options.epochs ?? 30;
    this.l2 = options.l2 ?? 1e-4;
    this.patience = options.patience ?? 5;
    this.minDelta = options.minDelta ?? 1e-4;
    const seed = options.seed ?? 1;
    const fraction = options.validationFraction ?? 0.1;
    const all = Int32Array.from({ length: rows }, (_, r) => r);
    if (options.validation) {
      const v = options.validation;
      this.train = { x, labels, indices: all };
      this.validation = { ...v, indices: Int32Array.from({ length: v.rows }, (_, r) => r) };
    } else {
      // A seed of its own: which rows validate should not move with the initial weights.
      const split =
        fraction > 0
          ? stratifiedHoldout(labels, { testFraction: fraction, seed: seed ^ 0x2545f491 })
          : null;
      // Too few rows to hold any out (or no fraction asked for): train on all, for every epoch.
      const holdout = split !== null && split.test.length > 0;
      this.train = { x, labels, indices: holdout ? split.train : all };
      this.validation = holdout ? { x, labels, indices: split.test } : null;
    }
    const validationRows = this.validation?.indices.length ?? 0;
    this.validationLabels = new Int32Array(validationRows);
    if (this.validation) {
      const { labels: from, indices } = this.validation;
      for (let k = 0; k < validationRows; k++) this.validationLabels[k] = from[indices[k]];
    }
    const outputs = classes === 2 ? 1 : classes;
    this.validationOutput = new Float64Array(validationRows * outputs);
    const batchSize = Math.max(1, Math.min(options.batchSize ?? 128, this.train.indices.length));
    this.random = createRandom(seed);
    const hidden = options.hidden ?? [];
    if (!hidden.every((width) => Number.isInteger(width) && width > 0)) {
      throw new RangeError(`hidden layer widths must be positive integers, got [${hidden}]`);
    }
    const architecture = { inputs: this.features, hidden, outputs };
    this.net = new BatchNetwork(architecture, batchSize, this.random);
    this.adam = new Adam(this.net.params.length, { learningRate: options.learningRate ?? 0.001 });
    this.batchX = new Float64Array(batchSize * this.features);
    this.batchLabels = new Int32Array(batchSize);
    this.best = new Float64Array(this.net.params.length);
    if (this.epochs < 1) this.done = true;
  }

  epoch(): EpochProgress {
    const { net, train, batchX, batchLabels, l2 } = this;
    const order = train.indices;
    shuffleInPlace(order, this.random);
    let loss = 0;
    for (let start = 0; start < order.length; start += net.batchSize) {
      const rows = this.gather(train, start, Math.min(net.batchSize, order.length - start));
      loss += net.lossAndGradient(batchX, batchLabels, rows, l2);
      this.adam.step(net.params, net.grads);
    }
    this.epochsRun++;
    const progress: EpochProgress = {
      epoch: this.epochsRun,
      epochs: this.epochs,
      trainLoss: loss / order.length,
    };
    if (this.validation) {
      progress.validationLoss = this.validate(this.validation);
      progress.metrics = scoreClassifier(
        this.validationLabels,
        this.validationOutput,
        net.architecture.outputs,
      );
      if (progress.validationLoss < this.bestLoss - this.minDelta) {
        this.bestLoss = progress.validationLoss;
        this.bestEpoch = this.epochsRun;
        this.best.set(net.params);
        this.waited = 0;
      } else if (++this.waited >= this.patience) this.stop('early-stopping');
    } else this.bestEpoch = this.epochsRun;
    if (this.epochsRun >= this.epochs) this.done = true;
    this.history.push(progress);
    return progress;
  }

  stop(reason: TrainResult['stopReason']): void {
    if (this.done) return;
    this.done = true;
    this.stopReason = reason;
  }

  result(): TrainResult {
    if (this.validation && this.bestEpoch < this.epochsRun) this.net.params.set(this.best);
    return {
      network: this.net.toNetwork(),
      epochsRun: this.epochsRun,
      bestEpoch: this.bestEpoch,
      stopReason: this.stopReason,
      history: this.history,
    };
  }

  /** Mean loss over the validation rows; leaves their outputs in `validationOutput`. */
  private validate(rows: Rows): number {
    const { net } = this;
    const width = net.architecture.outputs;
    let loss = 0;
    for (let start = 0; start < rows.indices.length; start += net.batchSize) {
      const count = this.gather(rows, start, Math.min(net.batchSize, rows.indices.length - start));
      loss += net.lossOf(this.batchX, this.batchLabels, count);
      this.validationOutput.set(net.probabilities.subarray(0, count * width), start * width);
    }
    return loss / rows.indices.length;
  }

  /** Copies `count` rows from position `start` of `rows.indices` into the batch buffers. */
  private gather(rows: Rows, start: number, count: number): number {
    const { x, labels, indices } = rows;
    const { batchX, batchLabels, features } = this;
    for (let k = 0; k < count; k++) {
      const r = indices[start + k];
      const from = r * features;
      const to = k * features;
      for (let f = 0; f < features; f++) batchX[to + f] = x[from + f];
      batchLabels[k] = labels[r];
    }
    return count;
  }
}

function widthOf(data: TrainingData, name: string): number {
  const width = data.x.length / data.rows;
  if (!(data.rows > 0) || !Number.isInteger(width) || width < 1) {
    throw new RangeError(`${name} holds ${data.x.length} values, not ${data.rows} whole rows`);
  }
  if (data.labels.length !== data.rows) {
    throw new RangeError(`${data.labels.length} labels for ${data.rows} rows`);
  }
  return width;
}

function largestLabel(labels: ArrayLike<number>): number {
  let max = 0;
  for (let r = 0; r < labels.length; r++) if (labels[r] > max) max = labels[r];
  return max;
}

function checkLabels(data: TrainingData, classes: number, name: string): void {
  if (!Number.isInteger(classes) || classes < 2) {
    throw new RangeError(`a classifier needs at least 2 classes, got ${classes}`);
  }
  for (let r = 0; r < data.rows; r++) {
    const y = data.labels[r];
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new RangeError(`${name}[${r}] = ${y} is not a class index below ${classes}`);
    }
  }
}
