import { LatencyWindow } from './latency-window';

describe('LatencyWindow', () => {
  it('reports nearest-rank percentiles of the recent requests only', () => {
    const window = new LatencyWindow(1000, 60_000);
    for (let i = 1; i <= 100; i++) window.record(i, 0);
    expect(window.percentiles(1_000)).toEqual({ count: 100, p50: 50, p90: 90, p95: 95, p99: 99 });
    // A minute later they have aged out.
    expect(window.percentiles(61_000)).toEqual({ count: 0, p50: 0, p90: 0, p95: 0, p99: 0 });
  });

  it('keeps the newest values once full', () => {
    const window = new LatencyWindow(10, 60_000);
    for (let i = 1; i <= 25; i++) window.record(i, 0);
    expect(window.percentiles(0)).toMatchObject({ count: 10, p50: 20, p99: 25 });
  });
});
