import { log10, max } from '../math';
/**
 * Sustained deviation: how unlikely it is that `k` of the last `window` normalised residuals lie
 * beyond `limit` scales on the same side, if each did so independently at the rate this series
 * usually does (tracked per side over about `memory` points). That is the binomial tail
 * P(X >= k), X ~ Bin(window, p), in log10 units. Residuals are not independent (autocorrelated
 * noise, a profile lagging a drift cluster the exceedances), so the detector calibrates this
 * statistic on the series' own history like the others rather than trusting the binomial.
 *
 * One latency point at 5 scales is nothing on a heavy-tailed series, and the deviation test says
 * so; six of them in a row are an incident on any series, and this test says that, with a
 * strength that grows with every point: it flags degradations, outages, surges and the start of
 * a level shift or a ramp, before a shift is confirmed and absorbed. Fixed size: a ring of
 * `window` signs.
 */
export class RunEvidence {
  private readonly sides: Int8Array;
  private head = 0;
  private above = 0;
  private below = 0;
  private rateAbove: number;
  private rateBelow: number;
  private seen = 0;

  constructor(
    private readonly window = 8,
    private readonly limit = 2,
    private readonly memory = 2000,
  ) {
    this.sides = new Int8Array(window);
    // The Gaussian rate, as a prior: P(z > 2) = 2.3%.
    this.rateAbove = this.rateBelow = 0.023;
  }

  /** log10 surprise of the current run of same-side exceedances; then learns this residual. */
  update(z: number): number {
    const side = z > this.limit ? 1 : z < -this.limit ? -1 : 0;
    const old = this.sides[this.head];
    if (old === 1) this.above--;
    else if (old === -1) this.below--;
    this.sides[this.head] = side;
    this.head = (this.head + 1) % this.window;
    if (side === 1) this.above++;
    else if (side === -1) this.below++;
    const surprise = max(
      binomialTailSurprise(this.above, this.window, this.rateAbove),
      binomialTailSurprise(this.below, this.window, this.rateBelow),
    );
    this.seen++;
    const rate = max(1 / (this.seen + 50), 1 / this.memory);
    // Floored: a side never exceeded lately has an unknown rate, not a zero one.
    const minRate = 1 / this.memory;
    this.rateAbove = max(minRate, this.rateAbove + rate * ((side === 1 ? 1 : 0) - this.rateAbove));
    this.rateBelow = max(minRate, this.rateBelow + rate * ((side === -1 ? 1 : 0) - this.rateBelow));
    return surprise;
  }

  forgetRecent(): void {
    this.sides.fill(0);
    this.above = this.below = 0;
  }
}

/** -log10 P(X >= k) for X ~ Binomial(n, p); 0 for k <= 1 (one exceedance is the deviation test's). */
export function binomialTailSurprise(k: number, n: number, p: number): number {
  if (k <= 1) return 0;
  let term = (1 - p) ** n; // P(X = 0)
  let below = 0;
  for (let j = 0; j < k; j++) {
    below += term;
    term *= ((n - j) / (j + 1)) * (p / (1 - p));
  }
  const tail = max(1 - below, 0);
  // For a tail too small for 1 - below to resolve, sum it directly.
  if (tail < 1e-9) {
    let sum = 0;
    let t = term; // P(X = k)
    for (let j = k; j <= n; j++) {
      sum += t;
      t *= ((n - j) / (j + 1)) * (p / (1 - p));
    }
    return -log10(max(sum, 1e-300));
  }
  return -log10(tail);
}
