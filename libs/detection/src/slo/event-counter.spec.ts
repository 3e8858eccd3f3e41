import { BucketedEventCounter } from './event-counter';

describe('BucketedEventCounter', () => {
  // 10 ms buckets over a 50 ms span: 6 slots, small enough to wrap many times in a test.
  const small = () => new BucketedEventCounter({ bucketMs: 10, spanMs: 50 });

  it('sums the buckets of a trailing window, the one still filling included', () => {
    const counter = small();
    counter.add(5, 9, 10); // bucket 0
    counter.add(15, 8, 10); // bucket 1
    counter.add(27, 5, 10); // bucket 2, the current one at now = 29

    expect(counter.counts(20, 29)).toEqual({ good: 13, total: 20, bad: 7 });
    expect(counter.counts(30, 29)).toEqual({ good: 22, total: 30, bad: 8 });
    expect(counter.errorRatio(10, 29)).toBeCloseTo(0.5, 12);
  });

  it('has no error ratio without events: no traffic is neither good nor bad', () => {
    const counter = small();

    expect(counter.errorRatio(50, 1000)).toBeUndefined();
    expect(counter.counts(50, 1000)).toEqual({ good: 0, total: 0, bad: 0 });
  });

  it('wraps around the ring, forgetting buckets as new ones reuse their slots', () => {
    const counter = small();
    for (let t = 0; t < 200; t++) counter.add(t, t % 2 === 0 ? 1 : 0, 1);

    // Buckets 15..19 (150–199 ms): 50 events, half of them good.
    expect(counter.counts(50, 199)).toEqual({ good: 25, total: 50, bad: 25 });
    // Long after the last point every slot is stale.
    expect(counter.counts(50, 500).total).toBe(0);
  });

  it('counts points that arrive out of order while their bucket is on the ring', () => {
    const counter = small();
    counter.add(45, 1, 1);
    counter.add(12, 0, 1);
    counter.add(31, 1, 1);

    expect(counter.counts(50, 45)).toEqual({ good: 2, total: 3, bad: 1 });
  });

  it('drops points older than the ring', () => {
    const counter = small();
    counter.add(100, 1, 1); // bucket 10: the ring now holds buckets 5..10

    expect(counter.add(49, 1, 1)).toBe('too-old');
    expect(counter.add(50, 1, 1)).toBe('counted');
    // Still readable by a window ending a bucket earlier (a source one bucket behind).
    expect(counter.counts(50, 99)).toEqual({ good: 1, total: 1, bad: 0 });
  });

  it('rejects deltas that cannot be counts', () => {
    const counter = small();

    expect(counter.add(1, 2, 1)).toBe('invalid');
    expect(counter.add(1, -1, 1)).toBe('invalid');
    expect(counter.add(Number.NaN, 1, 1)).toBe('invalid');
    expect(counter.counts(50, 1).total).toBe(0);
  });

  it('reads a window shorter than a bucket as one bucket and caps one longer than the ring', () => {
    const counter = small();

    expect(counter.bucketsIn(1)).toBe(1);
    expect(counter.bucketsIn(10_000)).toBe(counter.bucketCount - 1);
  });

  it('answers several windows in one pass exactly as one at a time', () => {
    const counter = small();
    for (let t = 0; t < 60; t += 3) counter.add(t, t % 9 === 0 ? 0 : 1, 1);
    const windows = [50, 10, 30];

    expect(counter.countsForWindows(windows, 59)).toEqual(
      windows.map((w) => counter.counts(w, 59)),
    );
  });

  it('holds a fixed amount of memory: 3 days at 30 s buckets is 8,641 buckets', () => {
    const counter = new BucketedEventCounter({ bucketMs: 30_000, spanMs: 3 * 24 * 3_600_000 });
    const before = counter.memoryBytes;
    for (let t = 0; t < 1_000_000; t++) counter.add(t * 1000, 1, 1);

    expect(counter.bucketCount).toBe(8641);
    expect(counter.memoryBytes).toBe(before);
    expect(before).toBe(8641 * 3 * 8);
  });
});
