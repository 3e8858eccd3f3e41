import { isFiniteNumber, LN10, log10, max, min } from '../math';
/**
 * Turns a non-negative statistic into a surprise, -log10 of its estimated tail probability in this
 * series' own recent history, so that statistics with different units and distributions (a
 * z-score, bits of novelty, a log variance ratio) become comparable, and so that a series with a
 * heavy tail (latency) learns that its ordinary slow points are ordinary.
 *
 * Peaks over threshold, as in SPOT (Siffer et al., KDD 2017), at two levels: the 90th and the 99th
 * percentile, each tracked by stochastic approximation, with the excesses over each following a
 * generalised Pareto distribution fitted by the method of moments (O(1), where SPOT's maximum
 * likelihood is not). Two levels because operational tails are mixtures: a latency's lognormal
 * body and its rare slow windows have different tails, and one fit above the 90th percentile
 * blends them into a tail that is right nowhere.
 */
export class TailCalibrator {
  private readonly body: TailLevel;
  private readonly far: TailLevel;
  private seen = 0;

  /**
   * @param prior90 and @param priorExcess describe the statistic before any data (e.g. 1.64 and
   *   0.45 for |z| of Gaussian noise); the first points move the estimates fast, as a running mean.
   * @param memory points over which the estimates average once warmed up.
   */
  constructor(
    prior90: number,
    priorExcess: number,
    private readonly memory = 2000,
  ) {
    this.body = new TailLevel(0.9, prior90, priorExcess, 5);
    // The far tail sees one exceedance in a hundred points: its prior holds out for longer.
    this.far = new TailLevel(0.99, prior90 + priorExcess * LN10, priorExcess, 10);
  }

  /** Surprise of `x` in log10 units: about 1 at the 90th percentile, 2 at the 99th, and so on. */
  surprise(x: number): number {
    if (!(x > 0)) return 0;
    const body = this.body.surprise(x);
    if (x <= this.far.u) return min(body, this.far.floorSurprise());
    return this.far.surprise(x);
  }

  /**
   * Keeps the estimates but learns fast again, as at the start: for when the statistic's source
   * changed (the forecaster switched models) and the old tail describes the old source.
   */
  restart(): void {
    this.seen = 0;
    this.body.restart();
    this.far.restart();
  }

  learn(x: number): void {
    if (!isFiniteNumber(x) || x < 0) return;
    this.seen++;
    const rate = max(1 / (this.seen + 10), 1 / this.memory);
    this.body.learn(x, rate, this.memory);
    this.far.learn(x, rate, this.memory);
  }
}

/**
 * One peaks-over-threshold level: `u` tracks the q-quantile, `exceedRate` how often it is actually
 * exceeded (about 1 - q, but far less for a zero-inflated statistic: context novelty on a rhythmic
 * series is 0 at 99% of points, so u sits at 0 and only the rare non-zero points exceed it), and
 * the excesses give a generalised Pareto tail. P(X > x) = p (1 + shape (x - u) / scale)^(-1/shape).
 */
/**
 * What a level learns is winsorised at the value its current fit calls a 1-in-10^5 event, so an
 * incident (a burst of six points at 20 scales) cannot teach the tail that incidents are normal:
 * the far level sees only about 20 exceedances per 2,000 points, and six of them would dominate it
 * for a week. A tail that really is heavier (latency's slow windows) still widens the fit, a
 * clipped step at a time, until 1 in 10^5 is right again. (At 1 in 10^4 it widened too slowly:
 * twice the false alarms on the suite's latency series, for the same F1 elsewhere.)
 */
const LEARN_LIMIT = 5;

class TailLevel {
  u: number;
  private exceedRate: number;
  private meanExcess: number;
  private meanSquareExcess: number;
  private shape = 0;
  private scale: number;
  private readonly minExcess: number;
  private exceedances = 0;
  private seen = 0;

  constructor(
    private readonly q: number,
    prior: number,
    priorExcess: number,
    /** Weight of the prior, in exceedances. */
    private readonly priorWeight: number,
  ) {
    this.u = prior;
    this.exceedRate = 1 - q;
    this.meanExcess = priorExcess;
    this.meanSquareExcess = 2 * priorExcess * priorExcess;
    this.scale = priorExcess;
    // A discrete statistic can have almost no excess over its percentile; without a floor its
    // tail would look impossibly thin and anything beyond it impossibly rare.
    this.minExcess = 0.5 * priorExcess;
  }

  floorSurprise(): number {
    return -log10(this.exceedRate);
  }

  surprise(x: number): number {
    const p = this.exceedRate;
    if (x <= this.u) return -log10(1 - (1 - p) * (x / this.u));
    const y = (x - this.u) / this.scale;
    const tail = this.shape < 1e-6 ? y / LN10 : log10(1 + this.shape * y) / this.shape;
    return -log10(p) + tail;
  }

  restart(): void {
    this.exceedances = 0;
    this.seen = 0;
  }

  /** The excess over u at which this level's surprise reaches `surprise`. */
  private excessAtSurprise(surprise: number): number {
    const tail = max(0.5, surprise + log10(this.exceedRate));
    const y = this.shape < 1e-6 ? tail * LN10 : (10 ** (tail * this.shape) - 1) / this.shape;
    return y * this.scale;
  }

  learn(x: number, rate: number, memory: number): void {
    const exceeded = x > this.u;
    // The rate starts from 1 - q with the weight of three expected exceedances (300 points for
    // the 99th percentile: one exceedance in the first 300 points is no evidence of a thin
    // tail), and is floored at 1 / memory: the rate of something not seen lately is unknown,
    // not zero.
    this.seen++;
    const rateWeight = max(1 / (this.seen + 3 / (1 - this.q)), 1 / memory);
    this.exceedRate = max(
      1 / memory,
      this.exceedRate + rateWeight * ((exceeded ? 1 : 0) - this.exceedRate),
    );
    // Pinball-loss gradient step, sized by the tail's own scale: at equilibrium a fraction 1 - q
    // of points exceed u.
    const step = 5 * rate * this.meanExcess;
    this.u = max(1e-12, this.u + (exceeded ? this.q * step : -(1 - this.q) * step));
    if (!exceeded) return;
    this.exceedances++;
    // Once warm, an average over the exceedances of the last `memory` points.
    const excessRate = max(1 / (this.exceedances + this.priorWeight), 1 / ((1 - this.q) * memory));
    const excess = min(x - this.u, this.excessAtSurprise(LEARN_LIMIT));
    this.meanExcess = max(
      this.minExcess,
      this.meanExcess + excessRate * (excess - this.meanExcess),
    );
    this.meanSquareExcess += excessRate * (excess * excess - this.meanSquareExcess);
    // Method of moments; the shape is kept in [0, 0.45]: never a bounded tail (a Gaussian's
    // excesses look bounded, and assuming so would make anything beyond the largest seen
    // impossibly rare), never so heavy that the variance is undefined.
    const m2 = this.meanExcess * this.meanExcess;
    const variance = max(this.meanSquareExcess - m2, 1e-300);
    this.shape = min(0.45, max(0, 0.5 * (1 - m2 / variance)));
    this.scale = max(this.minExcess, 0.5 * this.meanExcess * (1 + m2 / variance));
  }
}
