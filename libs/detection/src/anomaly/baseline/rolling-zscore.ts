import type { AnomalyDetector } from '../anomaly-detector';
import { abs, floor, isFiniteNumber, isNotANumber, max, min, sqrt } from '../math';

export interface RollingZScoreOptions {
  /** Points in the rolling window (default 288: one day of 5-minute points). */
  window?: number;
  /** Points needed before any score other than 0 (default min(window, 30)). */
  minPoints?: number;
  /** |z| at which the score saturates at 1; score = min(1, |z| / zMax) (default 10). */
  zMax?: number;
}

/**
 * The comparison baseline: the z-score of each point against the mean and standard deviation of
 * the previous `window` points, |z| mapped linearly to [0, 1]. The current point is left out of its
 * own window so a spike cannot mask itself. NaN and infinite values are skipped and score 0.
 *
 * Running sums are kept relative to a reference value (the first point) so that squares do not
 * lose precision on large, barely varying values, and recomputed exactly once per window length
 * so rounding errors cannot build up: O(1) amortised per point.
 */
export class RollingZScore implements AnomalyDetector {
  readonly window: number;
  private readonly minPoints: number;
  private readonly zMax: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private reference = NaN;
  private sum = 0;
  private sumSquares = 0;
  private sinceRecompute = 0;

  constructor(options: RollingZScoreOptions = {}) {
    this.window = max(2, floor(options.window ?? 288));
    this.minPoints = max(2, min(this.window, options.minPoints ?? 30));
    this.zMax = options.zMax ?? 10;
    this.ring = new Float64Array(this.window);
  }

  update(_timestampMs: number, value: number): number {
    if (!isFiniteNumber(value)) return 0;
    if (isNotANumber(this.reference)) this.reference = value;
    const x = value - this.reference;
    const score = this.count >= this.minPoints ? this.scoreOf(x) : 0;
    this.push(x);
    return score;
  }

  private scoreOf(x: number): number {
    const mean = this.sum / this.count;
    const variance = max(0, this.sumSquares / this.count - mean * mean);
    const deviation = abs(x - mean);
    // A window of identical values: any change is infinitely surprising, no change is not at all.
    if (variance <= 1e-24 * (1 + mean * mean)) return deviation > 1e-12 * (1 + abs(mean)) ? 1 : 0;
    return min(1, deviation / sqrt(variance) / this.zMax);
  }

  private push(x: number): void {
    if (this.count === this.window) {
      const old = this.ring[this.head];
      this.sum -= old;
      this.sumSquares -= old * old;
    } else {
      this.count++;
    }
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.window;
    this.sum += x;
    this.sumSquares += x * x;
    if (++this.sinceRecompute >= this.window) this.recompute();
  }

  private recompute(): void {
    this.sinceRecompute = 0;
    this.sum = 0;
    this.sumSquares = 0;
    for (let k = 0; k < this.count; k++) {
      this.sum += this.ring[k];
      this.sumSquares += this.ring[k] * this.ring[k];
    }
  }
}
