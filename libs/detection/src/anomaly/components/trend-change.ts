import { abs, max, min, sqrt } from '../math';
/**
 * A change of trend: the t-statistic of the slope of an exponentially weighted linear regression of
 * the normalised residual on time (about `span` points). While the forecast keeps up, residuals
 * have no slope; a ramp makes them climb until the level catches up, so the statistic flags the
 * start of a trend and quietens once the new course is absorbed.
 *
 * The sums are kept with the time origin at the current point (each step shifts them by one), so
 * they stay small however long the series runs.
 */
export class TrendChange {
  private readonly keep: number;
  private s0 = 0;
  private st = 0;
  private stt = 0;
  private sz = 0;
  private stz = 0;

  constructor(span = 36) {
    this.keep = 1 - 1 / span;
  }

  /** |slope t-statistic| after taking in this normalised residual. */
  update(z: number): number {
    const y = max(-5, min(5, z));
    const k = this.keep;
    // Shift the origin one point later (t -> t - 1), decay, then add the point at t = 0.
    this.stt = k * (this.stt - 2 * this.st + this.s0);
    this.stz = k * (this.stz - this.sz);
    this.st = k * (this.st - this.s0);
    this.sz = k * this.sz + y;
    this.s0 = k * this.s0 + 1;
    const sxx = this.stt - (this.st * this.st) / this.s0;
    if (this.s0 < 6 || sxx <= 0) return 0;
    const slope = (this.stz - (this.st * this.sz) / this.s0) / sxx;
    // Residuals are unit-scale by construction, so the slope's standard error is 1 / sqrt(Sxx).
    return abs(slope) * sqrt(sxx);
  }

  forgetRecent(): void {
    this.s0 = this.st = this.stt = this.sz = this.stz = 0;
  }
}
