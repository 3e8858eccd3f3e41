/** The last `size` latencies in milliseconds, for heartbeat percentiles: O(1) to record, sorted on read. */
export class LatencyWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(size = 4_096) {
    this.values = new Float64Array(size);
  }

  record(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    this.filled = Math.min(this.filled + 1, this.values.length);
  }

  percentiles(): { p50: number; p95: number; p99: number } {
    if (this.filled === 0) return { p50: 0, p95: 0, p99: 0 };
    const sorted = this.values.slice(0, this.filled).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}
