import { GATEWAY_LATENCY_BUCKETS_MS } from '@keelson/schemas';
import { ModelTraffic } from './model-traffic';

describe('ModelTraffic', () => {
  it('counts requests by outcome with a cumulative latency histogram per model', () => {
    const traffic = new ModelTraffic();
    traffic.record('credit', 'ok', 0.7);
    traffic.record('credit', 'ok', 30);
    traffic.record('credit', 'server_error', 20_000);
    traffic.record('credit', 'client_error', 3);
    const [credit] = traffic.snapshot();
    expect(credit).toMatchObject({
      model: 'credit',
      requests: 4,
      serverErrors: 1,
      clientErrors: 1,
    });
    const le = (ms: number) =>
      credit.latencyBuckets[GATEWAY_LATENCY_BUCKETS_MS.indexOf(ms as never)];
    expect(le(1)).toBe(1);
    expect(le(5)).toBe(2);
    expect(le(50)).toBe(3);
    expect(le(10_000)).toBe(3);
    expect(credit.latencyBuckets.at(-1)).toBe(4); // +Inf: every request
  });
});
