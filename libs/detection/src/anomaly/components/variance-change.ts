import { abs, log, max, min } from '../math';
/**
 * A change of noise level: the log ratio of a short (about 12 points) to a long (about 1,000
 * points) mean absolute normalised residual. Residuals are clipped at 6 so one spike moves the
 * short mean by at most half; a noise level three times higher moves it by log 3 within a dozen
 * points. The ratio is floored at e^-5, since a stuck series drives the short mean to zero (the
 * stuck-value test scores that case directly). Both means start as running means, so a constant
 * series (all residuals 0) has ratio 1, not a "drop" from a prior.
 */
export class VarianceChange {
  private short = 0;
  private long = 0;
  private n = 0;

  constructor(
    private readonly shortRate = 1 / 12,
    private readonly longRate = 1 / 1000,
  ) {}

  /** |log(short / long)| after taking in this normalised residual. */
  update(z: number): number {
    const a = min(abs(z), 6);
    this.n++;
    this.short += max(1 / this.n, this.shortRate) * (a - this.short);
    this.long += max(1 / this.n, this.longRate) * (a - this.long);
    // A small offset makes 0 / 0 (a constant series) a ratio of 1.
    const ratio = (this.short + 1e-3) / (this.long + 1e-3);
    return abs(max(-5, log(ratio)));
  }

  forgetRecent(): void {
    this.short = this.long;
  }
}
