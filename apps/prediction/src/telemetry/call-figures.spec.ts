import { InferenceError } from '@keelson/inference';
import { CallFigures, outcomeOf } from './call-figures';

describe('outcomeOf', () => {
  it("tells the caller's mistakes and overload from the node's own failures", () => {
    const code = (c: ConstructorParameters<typeof InferenceError>[0]) =>
      outcomeOf(new InferenceError(c, 'x'));
    expect(code('INVALID_ARGUMENT')).toBe('client_error');
    expect(code('NOT_FOUND')).toBe('client_error');
    expect(code('RESOURCE_EXHAUSTED')).toBe('overloaded');
    expect(code('DEADLINE_EXCEEDED')).toBe('server_error');
    expect(code('UNAVAILABLE')).toBe('server_error');
    expect(code('INTERNAL')).toBe('server_error');
    expect(outcomeOf(new Error('worker crashed'))).toBe('server_error');
  });
});

describe('CallFigures', () => {
  it('counts by outcome, per version, and keeps failed latency apart', () => {
    const figures = new CallFigures(1_000);
    figures.record('ok', 2, 10_000, 'm', 1);
    figures.record('ok', 4, 10_100, 'm', 1);
    figures.record('server_error', 900, 10_200, 'm', 1);
    figures.record('client_error', 1, 10_300); // an unknown model: the node's total only
    expect(figures.calls.snapshot()).toEqual({
      ok: 2,
      clientErrors: 1,
      serverErrors: 1,
      overloaded: 0,
    });
    expect(figures.calls.total).toBe(4);
    const latency = figures.latency(10_500);
    expect(latency.ok).toMatchObject({ count: 2, p99: 4 });
    expect(latency.failed).toMatchObject({ count: 2, p99: 900 });
    expect(figures.version('m', 1, 10_500)).toMatchObject({
      calls: { ok: 2, serverErrors: 1 },
      latencyMs: { count: 2, p50: 2 },
    });
  });

  it('reports only the last window, and forgets versions no longer served', () => {
    const figures = new CallFigures(1_000);
    figures.record('ok', 50, 10_000, 'm', 1);
    expect(figures.latency(11_500).ok.count).toBe(0);
    figures.retain(new Set(['m@2']));
    expect(figures.version('m', 1, 11_500).calls.ok).toBe(0);
  });
});
