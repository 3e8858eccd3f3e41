import { abs, isNotANumber, log10, max, min } from '../math';
/**
 * A normally changing series that stops changing (an exporter repeating its last value, a frozen
 * gauge). It learns how often the value changes (an EWMA over about 500 points) and the longest
 * run of repeats it has seen (decaying slowly), so a count series that sits at zero for hours is
 * not "stuck", while a noisy rate that repeats itself three times is. The surprise of a run is its
 * length beyond the usual longest run times -log10 P(no change) per point: the probability of that
 * many repeats if changes were as frequent as usual.
 */
export class StuckValue {
  private last = NaN;
  private run = 0;
  private changeRate = 0;
  private seen = 0;
  private longestRun = 0;

  constructor(
    private readonly memory = 500,
    private readonly minSeen = 50,
  ) {}

  /** Surprise of the current run of repeats, log10 units (0 when the value just changed). */
  update(value: number): number {
    const previous = this.last;
    this.last = value;
    if (isNotANumber(previous)) return 0;
    this.seen++;
    const changed = !(abs(value - previous) <= 1e-9 * max(1, abs(value)));
    this.changeRate += max(1 / this.seen, 1 / this.memory) * ((changed ? 1 : 0) - this.changeRate);
    this.longestRun *= 1 - 1 / (10 * this.memory);
    if (changed) {
      this.longestRun = max(this.longestRun, this.run);
      this.run = 0;
      return 0;
    }
    this.run++;
    if (this.seen < this.minSeen) return 0;
    const excess = this.run - max(2, 1.5 * this.longestRun);
    if (excess <= 0) return 0;
    return excess * -log10(1 - min(this.changeRate, 0.999));
  }

  forgetRecent(): void {
    this.run = 0;
  }
}
