import {
  ago,
  failureText,
  feedLine,
  feedStatus,
  num,
  percent,
  traceUrl,
} from './assets/console-view.js';

/** The page's own decisions (console-view.js, the plain JavaScript the browser runs). */
describe('console page helpers', () => {
  const now = Date.parse('2026-01-01T00:10:00.000Z');

  it('says how long ago, or in how long', () => {
    expect(ago('2026-01-01T00:09:57.000Z', now)).toBe('3s');
    expect(ago('2026-01-01T00:05:00.000Z', now)).toBe('5m');
    expect(ago('2025-12-31T21:10:00.000Z', now)).toBe('3h');
    expect(ago('2026-01-01T00:10:12.000Z', now)).toBe('in 12s');
    expect(ago(null, now)).toBe('');
  });

  it('calls a feed live, stale after three missed polls, and failing while its last fetch failed', () => {
    expect(feedStatus({}, now, 1_000).state).toBe('waiting');
    expect(feedStatus({ okAt: now - 1_500 }, now, 1_000)).toEqual({
      state: 'live',
      text: '',
      ageMs: 1_500,
    });
    expect(feedStatus({ okAt: now - 3_500 }, now, 1_000).state).toBe('stale');
    const failing = feedStatus(
      { okAt: now - 5_000, error: 'unavailable', errorAt: now - 1_000 },
      now,
      1_000,
    );
    expect(failing).toEqual({ state: 'failing', text: 'unavailable', ageMs: 5_000 });
    expect(feedLine('overview', failing)).toBe(
      'overview: FAILING (unavailable), data updated 5s ago',
    );
    // A success after the failure makes it live again.
    expect(feedStatus({ okAt: now, error: 'x', errorAt: now - 1 }, now, 1_000).state).toBe('live');
  });

  it('formats shares, numbers, trace links and failures', () => {
    expect(percent(0.125)).toBe('12.5%');
    expect(percent(null)).toBe('');
    expect(num(0.12345, 3)).toBe('0.123');
    expect(traceUrl('http://jaeger:16686', 'abc')).toBe('http://jaeger:16686/trace/abc');
    expect(traceUrl(null, 'abc')).toBeNull();
    expect(failureText(503, { error: 'recovery cannot be reached' })).toBe(
      'unavailable: recovery cannot be reached',
    );
    expect(failureText(403, undefined)).toBe('the key lacks a scope');
  });
});
