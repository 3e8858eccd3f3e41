/** Small robust statistics for peer comparisons: medians resist the one sick node among few. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median absolute deviation, scaled by 1.4826 so it estimates a standard deviation. */
export function scaledMad(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

/**
 * The last `size` values of a series and their median: one odd second among three does not move
 * it, two in a row do. Fixed size, so a node's history never grows.
 */
export class RecentMedian {
  private readonly values: number[] = [];

  constructor(private readonly size = 3) {}

  push(value: number): void {
    this.values.push(value);
    if (this.values.length > this.size) this.values.shift();
  }

  get value(): number | undefined {
    return this.values.length === 0 ? undefined : median(this.values);
  }

  clear(): void {
    this.values.length = 0;
  }
}
