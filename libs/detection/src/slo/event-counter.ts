/**
 * Good and total event counts in fixed time buckets on a ring, so trailing windows up to the ring's
 * span can be summed with memory that never grows: 3 typed arrays of `bucketCount` numbers
 * (24 bytes a bucket; 3 days at 30 s buckets is 8,641 buckets, about 207 KB).
 *
 * Callers feed deltas (computed from cumulative counters that arrive about once a second per
 * source). A point lands in the bucket its timestamp falls in, so points out of order or late are
 * counted as long as their bucket is still on the ring; older ones are dropped. Slots are reset
 * lazily: each remembers which bucket it holds, and a read ignores a slot holding any other.
 *
 * A window is a whole number of buckets ending with the bucket that holds `nowMs`, which is still
 * filling: it covers between (k − 1) and k bucket widths of the past. That error is at most one
 * bucket, a tenth of the shortest window with the widths the SLO evaluator picks.
 */
export interface EventCounts {
  readonly good: number;
  readonly total: number;
  readonly bad: number;
}

export type EventCountResult = 'counted' | 'too-old' | 'invalid';

export interface EventCounterSettings {
  readonly bucketMs: number;
  /** The longest window that will be asked for. */
  readonly spanMs: number;
}

export class BucketedEventCounter {
  readonly bucketMs: number;
  readonly bucketCount: number;
  private readonly bucketIds: Float64Array;
  private readonly good: Float64Array;
  private readonly total: Float64Array;
  private newestBucket = Number.NEGATIVE_INFINITY;

  constructor(settings: EventCounterSettings) {
    if (!(settings.bucketMs > 0 && Number.isFinite(settings.bucketMs))) {
      throw new RangeError(`bucketMs must be a finite number > 0: got ${settings.bucketMs}`);
    }
    if (!(settings.spanMs > 0 && Number.isFinite(settings.spanMs))) {
      throw new RangeError(`spanMs must be a finite number > 0: got ${settings.spanMs}`);
    }
    this.bucketMs = settings.bucketMs;
    // One slot more than the span needs: a source whose clock runs a bucket ahead then starts a
    // new bucket without evicting the oldest one the longest window still reads.
    this.bucketCount = Math.ceil(settings.spanMs / settings.bucketMs) + 1;
    this.bucketIds = new Float64Array(this.bucketCount).fill(Number.NaN);
    this.good = new Float64Array(this.bucketCount);
    this.total = new Float64Array(this.bucketCount);
  }

  /** Bytes held by the ring, whatever the number of points added. */
  get memoryBytes(): number {
    return this.bucketIds.byteLength + this.good.byteLength + this.total.byteLength;
  }

  /** Counts `good` of `total` events at a time. Negative deltas (a counter reset) are invalid. */
  add(timestampMs: number, good: number, total: number): EventCountResult {
    if (![timestampMs, good, total].every(Number.isFinite) || good < 0 || total < good) {
      return 'invalid';
    }
    const bucket = Math.floor(timestampMs / this.bucketMs);
    if (bucket <= this.newestBucket - this.bucketCount) return 'too-old';
    const slot = this.slotOf(bucket);
    if (this.bucketIds[slot] !== bucket) {
      this.bucketIds[slot] = bucket;
      this.good[slot] = 0;
      this.total[slot] = 0;
    }
    this.good[slot] += good;
    this.total[slot] += total;
    if (bucket > this.newestBucket) this.newestBucket = bucket;
    return 'counted';
  }

  /** How many buckets a window spans: at least one, at most what the ring holds. */
  bucketsIn(windowMs: number): number {
    return Math.min(this.bucketCount - 1, Math.max(1, Math.round(windowMs / this.bucketMs)));
  }

  counts(windowMs: number, nowMs: number): EventCounts {
    return this.countsForWindows([windowMs], nowMs)[0];
  }

  /**
   * Counts for several trailing windows ending at `nowMs`, in one pass over the longest: the
   * windows are nested, so each is a prefix of the walk back from now. O(buckets in the longest).
   */
  countsForWindows(windowsMs: readonly number[], nowMs: number): EventCounts[] {
    const lengths = windowsMs.map((w) => this.bucketsIn(w));
    const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
    const results: EventCounts[] = new Array(windowsMs.length);
    const nowBucket = Math.floor(nowMs / this.bucketMs);
    let good = 0;
    let total = 0;
    let walked = 0;
    for (const index of order) {
      for (; walked < lengths[index]; walked++) {
        const bucket = nowBucket - walked;
        const slot = this.slotOf(bucket);
        if (this.bucketIds[slot] === bucket) {
          good += this.good[slot];
          total += this.total[slot];
        }
      }
      results[index] = { good, total, bad: total - good };
    }
    return results;
  }

  /** bad / total over the window; undefined without events, which are neither good nor bad. */
  errorRatio(windowMs: number, nowMs: number): number | undefined {
    const { bad, total } = this.counts(windowMs, nowMs);
    return total > 0 ? bad / total : undefined;
  }

  private slotOf(bucket: number): number {
    return ((bucket % this.bucketCount) + this.bucketCount) % this.bucketCount;
  }
}
