import { AdaptiveLimit, DEFAULT_ADAPTIVE_LIMIT } from './adaptive-limit';

/**
 * A simulated server: `capacity` requests answered per second, each in `baseMs` when it does not
 * queue; whatever is outstanding beyond capacity x base waits its turn. The caller keeps as many
 * requests outstanding as the limit admits (an overloaded caller), and the limit learns from the
 * latencies. Returns the limit last seen outside a probe (a probe lowers it to a quarter for two
 * windows by design, and when the jittered probe falls is random).
 */
const clocks = new WeakMap<AdaptiveLimit, number>();
function drive(limit: AdaptiveLimit, server: { capacity: number; baseMs: number }, ms: number) {
  let now = clocks.get(limit) ?? 0; // each limit's own clock, carried from one drive to the next
  const end = now + ms;
  const stepMs = 5;
  const latencies: number[] = [];
  let adapted = limit.limit;
  for (; now < end; now += stepMs) {
    if (!limit.probing) adapted = limit.limit;
    const outstanding = limit.limit; // saturated: every slot used
    const latency = Math.max(server.baseMs, (outstanding / server.capacity) * 1_000);
    const answers = Math.max(1, Math.round((outstanding / latency) * stepMs));
    for (let i = 0; i < answers; i++) limit.observe({ ms: latency }, now, outstanding);
    latencies.push(latency);
  }
  clocks.set(limit, now);
  return { latencies, limit: adapted };
}

/** Ends the first probe: a window to drain, a window measured at `ms`. Returns the time after. */
function probe(limit: AdaptiveLimit, ms: number): number {
  let now = 0;
  for (; now <= 3 * DEFAULT_ADAPTIVE_LIMIT.windowMs; now += 10) limit.observe({ ms }, now, 1);
  return now;
}

/** Where in its jitter range each probe falls: the earliest, the middle, the latest. */
const JITTERS = [0, 0.5, 0.999];
const jittered = (jitter: number) => new AdaptiveLimit(DEFAULT_ADAPTIVE_LIMIT, () => jitter);

describe('adaptive concurrency limit', () => {
  it.each(JITTERS)(
    'settles near the concurrency where the server starts to queue, latency near no load (jitter %s)',
    (jitter) => {
      // 1,000 answers/s in 10 ms each: 10 outstanding fill it; beyond that requests only wait.
      const limit = jittered(jitter);
      const { latencies, limit: settled } = drive(limit, { capacity: 1_000, baseMs: 10 }, 20_000);
      expect(settled).toBeGreaterThanOrEqual(10);
      expect(settled).toBeLessThanOrEqual(25);
      // Within the tolerance (2x no load) and its small headroom: the queue stays short.
      const last = latencies.slice(-200);
      expect(Math.max(...last)).toBeLessThanOrEqual(2.5 * 10);
      expect(limit.noLoadLatencyMs).toBeCloseTo(10, 0);
    },
  );

  it.each(JITTERS)(
    'measures the no-load latency again, and lowers the limit when it rose (jitter %s)',
    (jitter) => {
      const limit = jittered(jitter);
      drive(limit, { capacity: 1_000, baseMs: 10 }, 20_000);
      // The model got twice as slow per request (a heavier version): half the capacity.
      const slower = drive(limit, { capacity: 500, baseMs: 20 }, 30_000);
      expect(limit.noLoadLatencyMs).toBeCloseTo(20, 0);
      expect(slower.limit).toBeGreaterThanOrEqual(10);
      expect(slower.limit).toBeLessThanOrEqual(25);
    },
  );

  it.each(JITTERS)(
    'grows for a server with more capacity, and falls when it loses capacity (jitter %s)',
    (jitter) => {
      // A probe that falls while the limit is still high measures at a quarter that still queues:
      // the limit must probe deeper, not take that queue for the no-load time.
      const limit = jittered(jitter);
      expect(drive(limit, { capacity: 20_000, baseMs: 5 }, 20_000).limit).toBeGreaterThan(80);
      // The same server, now a tenth as fast (another tenant took its CPU): the limit follows down.
      const slower = drive(limit, { capacity: 2_000, baseMs: 5 }, 20_000);
      expect(slower.limit).toBeLessThan(25);
      expect(slower.limit).toBeGreaterThanOrEqual(DEFAULT_ADAPTIVE_LIMIT.min);
    },
  );

  it('backs off at once when the server refuses or times out', () => {
    const limit = new AdaptiveLimit({ ...DEFAULT_ADAPTIVE_LIMIT, initial: 100 });
    const now = probe(limit, 10);
    expect(limit.limit).toBe(100);
    limit.observe('dropped', now, 100);
    limit.observe({ ms: 10 }, now + 150, 100); // closes the window
    expect(limit.limit).toBe(80);
  });

  it('does not grow for a caller that never came near the limit', () => {
    const limit = new AdaptiveLimit({ ...DEFAULT_ADAPTIVE_LIMIT, probeEveryMs: 60_000 });
    for (let now = probe(limit, 3); now < 10_000; now += 10) {
      limit.observe({ ms: 3 }, now, 2); // two outstanding at most, against a limit of 20
    }
    expect(limit.limit).toBe(DEFAULT_ADAPTIVE_LIMIT.initial);
  });

  it('admits up to the limit and refuses beyond it', () => {
    const limit = new AdaptiveLimit({ ...DEFAULT_ADAPTIVE_LIMIT, initial: 12 });
    expect(limit.limit).toBe(3); // probing the no-load latency first, at a quarter
    expect([0, 1, 2, 3, 4].map((n) => limit.admits(n))).toEqual([true, true, true, false, false]);
    probe(limit, 5);
    expect(limit.limit).toBe(12);
    expect(limit.noLoadLatencyMs).toBe(5);
  });

  it('keeps a window open until it has enough answers', () => {
    const limit = new AdaptiveLimit({ ...DEFAULT_ADAPTIVE_LIMIT, initial: 10 });
    const now = probe(limit, 5);
    for (let i = 0; i < 3; i++) limit.observe({ ms: 1_000 }, now + i * 1_000, 10);
    expect(limit.limit).toBe(10); // three slow answers in three seconds are not a verdict
  });
});
