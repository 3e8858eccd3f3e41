import { LatencyWindow } from './latency-window';

describe('LatencyWindow', () => {
  it('reports percentiles of the most recent values only', () => {
    const window = new LatencyWindow(100);
    expect(window.percentiles()).toEqual({ p50: 0, p95: 0, p99: 0 });
    for (let i = 1; i <= 100; i++) window.record(i);
    expect(window.percentiles()).toEqual({ p50: 51, p95: 96, p99: 100 });
    for (let i = 0; i < 100; i++) window.record(1_000); // the old values roll out
    expect(window.percentiles()).toEqual({ p50: 1_000, p95: 1_000, p99: 1_000 });
  });
});
