/**
 * Per-key token buckets: `ratePerSecond` tokens refill continuously up to `burst`. In memory, per
 * instance: N ingestion instances allow N times the rate, which is the trade for not adding a
 * network round trip to every request.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Takes `cost` tokens; returns 0 if allowed, else the seconds to wait before retrying. */
  take(key: string, ratePerSecond: number, burst: number, cost = 1): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - bucket.tokens) / ratePerSecond));
  }
}
