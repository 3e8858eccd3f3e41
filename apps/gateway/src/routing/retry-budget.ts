export interface RetryBudgetSettings {
  /** Retries allowed per request seen in the window. */
  budgetRatio: number;
  /** Retries allowed per second regardless of traffic. */
  minPerSecond: number;
  windowMs: number;
}

const BUCKETS = 10;

/**
 * Caps retries and hedges at `budgetRatio` of the requests over a sliding window, plus a small
 * floor. When the whole pool is sick, retrying every request would double the load on it just as
 * it can least take it (a retry storm); within the budget, a single bad node is retried around
 * invisibly. Counted in ten buckets, so the window slides without remembering every request.
 */
export class RetryBudget {
  private readonly requests = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  private readonly bucketMs: number;
  private bucket = 0;
  private bucketStart: number;

  constructor(
    private readonly settings: RetryBudgetSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.bucketMs = settings.windowMs / BUCKETS;
    this.bucketStart = now();
  }

  /** Every request counts towards the budget, once. */
  request(): void {
    this.advance();
    this.requests[this.bucket]++;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    this.advance();
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < BUCKETS; i++) {
      requests += this.requests[i];
      retries += this.retries[i];
    }
    const allowed =
      this.settings.budgetRatio * requests +
      (this.settings.minPerSecond * this.settings.windowMs) / 1_000;
    if (retries + 1 > allowed) return false;
    this.retries[this.bucket]++;
    return true;
  }

  private advance(): void {
    const now = this.now();
    let steps = Math.floor((now - this.bucketStart) / this.bucketMs);
    if (steps <= 0) return;
    this.bucketStart += steps * this.bucketMs;
    if (steps > BUCKETS) steps = BUCKETS;
    for (let i = 0; i < steps; i++) {
      this.bucket = (this.bucket + 1) % BUCKETS;
      this.requests[this.bucket] = 0;
      this.retries[this.bucket] = 0;
    }
  }
}
