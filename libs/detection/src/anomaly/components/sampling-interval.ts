import { isFiniteNumber } from '../math';
/**
 * The typical gap between points, inferred from timestamps: the median of the last 15 positive
 * gaps, so missing points (long gaps) and bursts (short ones) do not move it. Recomputed every
 * eighth gap: a sort of 15 numbers, constant work.
 */
export class SamplingInterval {
  private readonly gaps = new Float64Array(15);
  private count = 0;
  private head = 0;
  private sinceMedian = 0;
  private median = NaN;

  /** The typical gap in milliseconds, or NaN before three gaps were seen. */
  get typicalMs(): number {
    return this.median;
  }

  observe(gapMs: number): void {
    if (!(gapMs > 0) || !isFiniteNumber(gapMs)) return;
    this.gaps[this.head] = gapMs;
    this.head = (this.head + 1) % this.gaps.length;
    if (this.count < this.gaps.length) this.count++;
    if (this.count >= 3 && (this.count < this.gaps.length || ++this.sinceMedian >= 8)) {
      this.sinceMedian = 0;
      const sorted = Array.from(this.gaps.subarray(0, this.count)).sort((a, b) => a - b);
      this.median = sorted[sorted.length >> 1];
    }
  }
}
