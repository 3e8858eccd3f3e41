import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const breaker = () =>
    new CircuitBreaker({ failures: 3, cooldownMs: 1_000, maxCooldownMs: 4_000 }, () => now);
  beforeEach(() => (now = 0));

  it('opens on N consecutive failures only; an answer in between starts the count again', () => {
    const b = breaker();
    b.failure();
    b.failure();
    b.success();
    expect([b.failure(), b.failure()]).toEqual([false, false]);
    expect(b.closed).toBe(true);
    expect(b.failure()).toBe(true);
    expect(b.state).toBe('open');
  });

  it('asks for one probe after the cool-down and closes when it succeeds', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    now = 999;
    expect(b.probeDue()).toBe(false);
    now = 1_000;
    expect(b.probeDue()).toBe(true);
    b.startProbe();
    expect(b.state).toBe('half-open');
    expect(b.probeDue()).toBe(false); // one probe at a time
    b.probeResult(true);
    expect(b.closed).toBe(true);
  });

  it('doubles the cool-down after each failed probe, up to the maximum', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    const cooldowns: number[] = [];
    for (let round = 0; round < 4; round++) {
      const openedAt = now;
      while (!b.probeDue()) now += 100;
      cooldowns.push(now - openedAt);
      b.startProbe();
      b.probeResult(false);
    }
    expect(cooldowns).toEqual([1_000, 2_000, 4_000, 4_000]);
  });

  it('ignores late results of calls made before the circuit opened', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    b.success();
    expect(b.state).toBe('open');
    expect(b.failure()).toBe(false);
  });

  it('counts slow losses with failures, but only while the node has answered nothing since', () => {
    const b = breaker();
    const sent = b.answered;
    expect(b.slowLoss(sent)).toBe('counted');
    b.success(); // the node answered another call: it is slow, not hung
    expect(b.slowLoss(sent)).toBe('ignored');
    const later = b.answered;
    expect([b.slowLoss(later), b.failure()]).toEqual(['counted', false]);
    expect(b.slowLoss(later)).toBe('opened');
    expect(b.state).toBe('open');
    expect(b.slowLoss(b.answered)).toBe('ignored'); // an open circuit counts nothing more
  });

  it('tells its listener when it opens from closed, not when a failed probe re-opens it', () => {
    const b = breaker();
    let opened = 0;
    b.onOpen = () => opened++;
    expect(b.trip()).toBe(true);
    expect(opened).toBe(1);
    now = 1_000;
    b.startProbe();
    b.probeResult(false);
    expect(opened).toBe(1);
    now = 3_000;
    b.startProbe();
    b.probeResult(true);
    for (let i = 0; i < 3; i++) b.failure();
    expect(opened).toBe(2);
  });
});
