import { binIndex, countSortedIntoBins, quantileEdges } from './quantile-bins';

const sorted = (values: number[]) => Float64Array.from(values).sort();
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

describe('quantileEdges', () => {
  it('cuts 1..100 into deciles of ten values each', () => {
    const values = sorted(range(100));
    const edges = quantileEdges(values, 10);
    expect(edges).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(countSortedIntoBins(values, edges)).toEqual(new Array(10).fill(10));
  });

  it('gives a feature with 3 distinct values at most 3 bins, none of them empty', () => {
    const values = sorted([...new Array(50).fill(0), ...new Array(30).fill(1), 2, 2, 2, 2]);
    const edges = quantileEdges(values, 10);
    expect(edges).toEqual([0, 1]);
    expect(countSortedIntoBins(values, edges)).toEqual([50, 30, 4]);
  });

  it('merges the ties of a zero-inflated feature into one bin', () => {
    const values = sorted([...new Array(70).fill(0), ...range(30)]);
    const edges = quantileEdges(values, 10);
    expect(edges[0]).toBe(0);
    expect(countSortedIntoBins(values, edges)[0]).toBe(70);
    for (let i = 1; i < edges.length; i++) expect(edges[i]).toBeGreaterThan(edges[i - 1]);
  });

  it('has no edge for a single distinct value, or no value at all', () => {
    expect(quantileEdges(sorted([7, 7, 7]), 10)).toEqual([]);
    expect(quantileEdges(sorted([]), 10)).toEqual([]);
  });

  it('copes with fewer values than bins', () => {
    expect(quantileEdges(sorted([3, 1, 2]), 10)).toEqual([1, 2]);
  });

  it('gives one bin when asked for one, and rejects 0 or 2.5 bins', () => {
    expect(quantileEdges(sorted(range(10)), 1)).toEqual([]);
    expect(() => quantileEdges(sorted(range(10)), 0)).toThrow(RangeError);
    expect(() => quantileEdges(sorted(range(10)), 2.5)).toThrow(RangeError);
  });
});

describe('binIndex', () => {
  it('puts values in right-closed bins: (edges[i-1], edges[i]]', () => {
    const edges = [1, 2, 3];
    expect(binIndex(edges, -Infinity)).toBe(0);
    expect(binIndex(edges, 1)).toBe(0);
    expect(binIndex(edges, 1.0000001)).toBe(1);
    expect(binIndex(edges, 2)).toBe(1);
    expect(binIndex(edges, 3)).toBe(2);
    expect(binIndex(edges, 3.5)).toBe(3);
    expect(binIndex([], 42)).toBe(0);
  });

  it('agrees with the counts taken from sorted values', () => {
    const values = range(500).map((i) => Math.sin(i) * 100);
    const sortedValues = sorted(values);
    const edges = quantileEdges(sortedValues, 7);
    const counts = new Array(edges.length + 1).fill(0);
    for (const value of values) counts[binIndex(edges, value)]++;
    expect(counts).toEqual(countSortedIntoBins(sortedValues, edges));
  });
});
