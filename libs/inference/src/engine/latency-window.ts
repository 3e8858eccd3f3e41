export interface LatencyPercentiles {
  /** Requests the figures are over. */
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/**
 * Latencies of the most recent requests (at most `capacity`, none older than `maxAgeMs`), for the
 * percentiles a heartbeat reports (the engine's, and the node's and gateway's per request). A ring buffer: recording is O(1) on the request path; the sort
 * happens only when someone asks, a few times a minute.
 */
export class LatencyWindow {
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;

  constructor(
    readonly capacity = 4096,
    readonly maxAgeMs = 60_000,
  ) {
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  record(latencyMs: number, now: number): void {
    this.values[this.next] = latencyMs;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Nearest-rank percentiles in milliseconds; zeros when the window is empty. */
  percentiles(now: number): LatencyPercentiles {
    const recent: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (now - this.times[i] <= this.maxAgeMs) recent.push(this.values[i]);
    }
    if (recent.length === 0) return { count: 0, p50: 0, p90: 0, p95: 0, p99: 0 };
    recent.sort((a, b) => a - b);
    const at = (q: number) => recent[Math.min(recent.length - 1, Math.ceil(q * recent.length) - 1)];
    return {
      count: recent.length,
      p50: at(0.5),
      p90: at(0.9),
      p95: at(0.95),
      p99: at(0.99),
    };
  }
}
