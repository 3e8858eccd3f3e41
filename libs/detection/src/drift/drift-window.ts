import type { DriftReference } from '@keelson/schemas';
import { featureBinning, scoreBinning, type FeatureBinning } from './feature-binning';
import { INVALID } from './feature-values';

/** Input names outside the reference that a window remembers by name; the rest are only counted. */
export const MAX_TRACKED_UNKNOWN_FEATURES = 32;

export interface DriftWindowOptions {
  /** When the window opened (default: now). */
  startedAt?: Date;
}

/** One feature's (or the score's) counts in a window, laid out like `FeatureBinning.expected`. */
export interface BinCounts {
  readonly expected: readonly number[];
  readonly counts: readonly number[];
  /** Values of the wrong type, also counted in the missing bin. */
  readonly invalid: number;
}

interface Counter {
  readonly binning: FeatureBinning;
  readonly counts: number[];
  invalid: number;
}

/**
 * The sampled traffic of one model version over one window, reduced to bin counts against its
 * reference: memory is fixed by the reference's bins, whatever the number of rows. A row's
 * feature that is absent counts as missing, a category the reference does not list counts as
 * `other`, and an input the reference does not know is counted by name (it is drift in the
 * schema, not in a distribution, so it is reported rather than binned).
 */
export class DriftWindow {
  readonly startedAt: Date;
  private readonly features = new Map<string, Counter>();
  private readonly score: Counter | undefined;
  private readonly unknown = new Map<string, number>();
  private unknownUntracked = 0;
  private rows = 0;
  private scores = 0;

  constructor(reference: DriftReference, options: DriftWindowOptions = {}) {
    this.startedAt = options.startedAt ?? new Date();
    for (const [name, feature] of Object.entries(reference.features)) {
      this.features.set(name, counterFor(featureBinning(name, feature)));
    }
    this.score = reference.score ? counterFor(scoreBinning(reference.score)) : undefined;
  }

  /** Rows added with {@link add}. */
  get samples(): number {
    return this.rows;
  }

  /** Scores added with {@link addScore}. */
  get scoreSamples(): number {
    return this.scores;
  }

  /** One sampled row: the value of each model input, by input name. */
  add(row: Readonly<Record<string, unknown>>): void {
    this.rows++;
    for (const [name, counter] of this.features) {
      // hasOwn: a row without `constructor` must not read Object.prototype's.
      record(counter, Object.hasOwn(row, name) ? row[name] : undefined);
    }
    for (const name of Object.keys(row)) {
      if (this.features.has(name)) continue;
      const seen = this.unknown.get(name);
      if (seen !== undefined) this.unknown.set(name, seen + 1);
      else if (this.unknown.size < MAX_TRACKED_UNKNOWN_FEATURES) this.unknown.set(name, 1);
      else this.unknownUntracked++;
    }
  }

  /** One sampled score (the reference's output and column); not a finite number counts missing. */
  addScore(score: unknown): void {
    if (!this.score) {
      throw new Error('the reference has no score distribution: a score cannot be compared');
    }
    this.scores++;
    record(this.score, score);
  }

  /** A reference feature's counts so far, or undefined for a feature the reference lacks. */
  featureCounts(name: string): BinCounts | undefined {
    const counter = this.features.get(name);
    return counter && snapshot(counter);
  }

  /** The score's counts so far, or undefined when the reference has no score. */
  scoreCounts(): BinCounts | undefined {
    return this.score && snapshot(this.score);
  }

  /**
   * Values seen for inputs the reference does not list, by name (the first
   * {@link MAX_TRACKED_UNKNOWN_FEATURES} names), and how many values had a name beyond those.
   */
  unknownFeatures(): { byName: Record<string, number>; untracked: number } {
    return { byName: Object.fromEntries(this.unknown), untracked: this.unknownUntracked };
  }
}

function counterFor(binning: FeatureBinning): Counter {
  return { binning, counts: new Array<number>(binning.expected.length).fill(0), invalid: 0 };
}

function record(counter: Counter, value: unknown): void {
  const bin = counter.binning.binOf(value);
  if (bin === INVALID) {
    counter.invalid++;
    counter.counts[counter.binning.missingBin]++;
  } else {
    counter.counts[bin]++;
  }
}

function snapshot(counter: Counter): BinCounts {
  return {
    expected: counter.binning.expected,
    counts: [...counter.counts],
    invalid: counter.invalid,
  };
}
