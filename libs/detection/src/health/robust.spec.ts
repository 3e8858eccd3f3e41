import { median, RecentMedian, scaledMad } from './robust';

describe('robust statistics', () => {
  it('medians and scaled MAD', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    // |x - 3| = 2, 1, 0, 1, 97 -> median 1 -> 1.4826: the outlier does not inflate the spread.
    expect(scaledMad([1, 2, 3, 4, 100])).toBeCloseTo(1.4826, 10);
  });

  it('a recent median ignores one odd value among three and keeps only the last ones', () => {
    const recent = new RecentMedian(3);
    expect(recent.value).toBeUndefined();
    for (const v of [4, 40, 4]) recent.push(v);
    expect(recent.value).toBe(4);
    recent.push(40);
    expect(recent.value).toBe(40); // 40, 4, 40
    recent.clear();
    expect(recent.value).toBeUndefined();
  });
});
