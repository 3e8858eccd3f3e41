import { abs, floor, isFiniteNumber, isNotANumber, max, min } from '../math';
export const DAY_MS = 86_400_000;

/** Days of history a bin's estimates average over once warm (EWMA weight 0.25 per day). */
const DAY_WEIGHT = 0.25;
/** Bins either side pooled into a phase's noise spread, with triangular weights. */
const SPREAD_HALF_WIDTH = 3;
/** Weight, in points, of the global spread in a phase's spread. */
const SPREAD_PRIOR_POINTS = 6;

/**
 * The expected value and the noise spread at each phase of the day: `bins` bins of equal length,
 * each the mean (and mean absolute residual) of its points that day, folded across days: a running
 * mean for the first four days, then an EWMA with weight 0.25 per day, so it follows a pattern that
 * changes over a week. Between bins the mean is interpolated linearly, so a morning ramp is
 * followed smoothly, not in steps; the spread is pooled over nearby bins.
 *
 * The spread matters as much as the mean: a request rate's noise is several times larger at the
 * daily peak than at night, and one global scale would make night-time outages invisible and
 * daytime noise alarming.
 *
 * Points are accumulated per bin instance (bin of a given day) and folded when the next bin
 * starts, so the update does not depend on the sampling rate and a gap leaves its bins unchanged.
 * Fixed size: five arrays of `bins` numbers.
 */
export class DailyProfile {
  readonly binMs: number;
  private readonly mean: Float64Array;
  /** Where in its bin (ms from the bin start) a bin's points lie on average. */
  private readonly centre: Float64Array;
  private readonly spread: Float64Array;
  private readonly days: Float64Array;
  /** Decayed count of points behind each bin's spread, to shrink thin estimates. */
  private readonly support: Float64Array;
  private readonly spreadDays: Float64Array;
  private learnedBins = 0;
  private instance = NaN;
  private sum = 0;
  private offsetSum = 0;
  private absSum = 0;
  private absCount = 0;
  private count = 0;

  constructor(readonly bins: number) {
    this.binMs = DAY_MS / bins;
    this.mean = new Float64Array(bins);
    this.centre = new Float64Array(bins);
    this.spread = new Float64Array(bins);
    this.days = new Float64Array(bins);
    this.support = new Float64Array(bins);
    this.spreadDays = new Float64Array(bins);
  }

  /** Every bin has at least one day folded in. */
  get complete(): boolean {
    return this.learnedBins === this.bins;
  }

  /**
   * Expected value at this time, NaN when neither neighbouring bin is learned yet. Interpolated
   * between the two nearest bins' mean positions, not their centres: 5-minute points aligned to
   * 15-minute bins lie 2.5 minutes before the centre on average, and a profile placed at the
   * centres would lag a morning ramp by that much.
   */
  expected(timestampMs: number): number {
    const phase = ((timestampMs % DAY_MS) + DAY_MS) % DAY_MS;
    const bin = floor(phase / this.binMs);
    const here = this.days[bin] > 0 ? bin * this.binMs + this.centre[bin] : NaN;
    const before = phase < here || isNotANumber(here);
    const b0 = before ? (bin - 1 + this.bins) % this.bins : bin;
    const b1 = before ? bin : (bin + 1) % this.bins;
    const has0 = this.days[b0] > 0;
    const has1 = this.days[b1] > 0;
    if (!has0 && !has1) return NaN;
    if (!has1) return this.mean[b0];
    if (!has0) return this.mean[b1];
    // Positions relative to b0's bin start, so a pair across midnight needs no special case.
    const x0 = this.centre[b0];
    const x1 = this.binMs + this.centre[b1];
    let x = phase - b0 * this.binMs;
    if (x < 0) x += DAY_MS;
    const t = min(1, max(0, (x - x0) / (x1 - x0)));
    return this.mean[b0] + (this.mean[b1] - this.mean[b0]) * t;
  }

  /**
   * Mean absolute residual at this time, pooled over the bins within 45 minutes (noise varies
   * slowly over a day, and three points a day per bin at 5-minute sampling make a noisy estimate)
   * and shrunk towards `fallback` (the model's global one) in proportion to how few points stand
   * behind it.
   */
  spreadAt(timestampMs: number, fallback: number): number {
    const phase = ((timestampMs % DAY_MS) + DAY_MS) % DAY_MS;
    const position = phase / this.binMs - 0.5;
    const lower = floor(position);
    let weighted = 0;
    let support = 0;
    for (let k = -SPREAD_HALF_WIDTH + 1; k <= SPREAD_HALF_WIDTH; k++) {
      const weight = 1 - abs(position - (lower + k)) / SPREAD_HALF_WIDTH;
      if (weight <= 0) continue;
      const b = (((lower + k) % this.bins) + this.bins) % this.bins;
      weighted += weight * this.support[b] * this.spread[b];
      support += weight * this.support[b];
    }
    if (support === 0) return fallback;
    return (weighted + SPREAD_PRIOR_POINTS * fallback) / (support + SPREAD_PRIOR_POINTS);
  }

  /** Adds a (robustly clipped) value observed at this time, and its absolute residual if known. */
  add(timestampMs: number, value: number, absResidual: number): void {
    const instance = floor(timestampMs / this.binMs);
    if (instance !== this.instance) {
      this.fold();
      this.instance = instance;
    }
    this.sum += value;
    this.offsetSum += timestampMs - instance * this.binMs;
    this.count++;
    if (isFiniteNumber(absResidual)) {
      this.absSum += absResidual;
      this.absCount++;
    }
  }

  private fold(): void {
    if (this.count === 0 || isNotANumber(this.instance)) return;
    const b = ((this.instance % this.bins) + this.bins) % this.bins;
    const weight = max(1 / (this.days[b] + 1), DAY_WEIGHT);
    if (this.days[b] === 0) this.learnedBins++;
    this.mean[b] += weight * (this.sum / this.count - this.mean[b]);
    this.centre[b] += weight * (this.offsetSum / this.count - this.centre[b]);
    this.days[b] = min(this.days[b] + 1, 1e6);
    if (this.absCount > 0) {
      const w = max(1 / (this.spreadDays[b] + 1), DAY_WEIGHT);
      this.spread[b] += w * (this.absSum / this.absCount - this.spread[b]);
      // An EWMA with weight w per day averages over about (2 - w) / w days' points.
      const cap = (this.absCount * (2 - DAY_WEIGHT)) / DAY_WEIGHT;
      this.support[b] = min(this.support[b] + this.absCount, cap);
      this.spreadDays[b] = min(this.spreadDays[b] + 1, 1e6);
    }
    this.sum = this.offsetSum = this.absSum = 0;
    this.count = this.absCount = 0;
  }
}
