import { TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  it('allows the burst, then refills at the rate, per key', () => {
    let now = 0;
    const buckets = new TokenBuckets(() => now);
    expect([1, 2, 3].map(() => buckets.take('k', 2, 3))).toEqual([0, 0, 0]);
    expect(buckets.take('k', 2, 3)).toBe(1); // empty: wait a second for the next token
    expect(buckets.take('other', 2, 3)).toBe(0);
    now += 500; // half a second refills one token at 2/s
    expect(buckets.take('k', 2, 3)).toBe(0);
    expect(buckets.take('k', 2, 3)).toBe(1);
    now += 60_000; // never more than the burst
    expect([1, 2, 3, 4].map(() => buckets.take('k', 2, 3))).toEqual([0, 0, 0, 1]);
  });

  it('says how many whole seconds to wait for an expensive request', () => {
    const buckets = new TokenBuckets(() => 0);
    expect(buckets.take('k', 1, 1, 1)).toBe(0);
    expect(buckets.take('k', 1, 10, 5)).toBe(5);
  });
});
