import { PeerValues } from './peer-values';
import { median, scaledMad } from './robust';

describe('PeerValues', () => {
  it("gives each node its peers' median and spread, as if computed without it", () => {
    const values = [4, 20, 3.5, 4.2, 5, 4, 100];
    const pool = new PeerValues(values);
    for (const own of values) {
      const others = [...values];
      others.splice(others.indexOf(own), 1);
      expect(pool.median(own)).toBeCloseTo(median(others), 12);
      expect(pool.scaledMad(own)).toBeCloseTo(scaledMad(others), 12);
      expect(pool.peers(own)).toBe(6);
    }
  });

  it('uses every value for a node that has none, and skips values that are not numbers', () => {
    const pool = new PeerValues([1, undefined, 3, NaN, 2]);
    expect(pool.size).toBe(3);
    expect(pool.median()).toBe(2);
    expect(pool.median(undefined)).toBe(2);
    expect(pool.peers()).toBe(3);
    expect(Number.isNaN(new PeerValues([5]).median(5))).toBe(true);
  });
});
