import type { CategoryReference, NumericReference } from '@keelson/schemas';
import { buildDriftReference } from './build-drift-reference';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function numeric(values: unknown[], bins?: number): NumericReference {
  const reference = buildDriftReference({ features: { x: { kind: 'number', values } } }, { bins });
  return reference.features.x as NumericReference;
}

function category(values: unknown[], maxCategories?: number): CategoryReference {
  const reference = buildDriftReference(
    { features: { c: { kind: 'category', values } } },
    { maxCategories },
  );
  return reference.features.c as CategoryReference;
}

describe('buildDriftReference', () => {
  it('bins numbers into 10 quantile bins by default, with ascending edges', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const reference = numeric(values);
    expect(reference.edges).toHaveLength(9);
    for (let i = 1; i < reference.edges.length; i++) {
      expect(reference.edges[i]).toBeGreaterThan(reference.edges[i - 1]);
    }
    expect(reference.shares).toEqual(new Array(10).fill(0.1));
    expect(reference.missing).toBe(0);
  });

  it('takes shares of all rows, so bins and missing sum to 1', () => {
    const values = [1, 2, 3, 4, null, undefined, NaN, Infinity, 'n/a', 5, 6, 7];
    const reference = numeric(values, 4);
    expect(reference.missing).toBeCloseTo(5 / 12, 15);
    expect(sum(reference.shares) + reference.missing).toBeCloseTo(1, 12);
  });

  it('lets the bin count be configured', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    expect(numeric(values, 4).edges).toEqual([24, 49, 74]);
  });

  it('gives a low-cardinality number one bin per value at most', () => {
    const values = Array.from({ length: 300 }, (_, i) => [0, 1, 1, 2][i % 4]);
    const reference = numeric(values);
    expect(reference.edges).toEqual([0, 1]);
    expect(reference.shares).toEqual([0.25, 0.5, 0.25]);
  });

  it('reads numeric text as numbers', () => {
    expect(numeric(['1', '2', ' 3 ', 4], 4).edges).toEqual([1, 2, 3]);
  });

  it('describes a constant feature with one bin and an all-missing one with no value', () => {
    expect(numeric([5, 5, 5, null])).toEqual({
      kind: 'number',
      edges: [],
      shares: [0.75],
      missing: 0.25,
    });
    expect(numeric([null, NaN, undefined])).toEqual({
      kind: 'number',
      edges: [],
      shares: [0],
      missing: 1,
    });
    expect(category([null, ''])).toEqual({ kind: 'category', shares: {}, other: 0, missing: 1 });
  });

  it('keeps the most frequent categories and folds the long tail into other', () => {
    // 'a' 40 rows, 'b' 30, 'c' 10, then 20 categories of one row each, and 5 missing: 105 rows.
    const tail = Array.from({ length: 20 }, (_, i) => `rare-${i}`);
    const values = [
      ...new Array(40).fill('a'),
      ...new Array(30).fill('b'),
      ...new Array(10).fill('c'),
      ...tail,
      ...new Array(5).fill(null),
    ];
    const reference = category(values, 3);
    expect(Object.keys(reference.shares)).toEqual(['a', 'b', 'c']);
    expect(reference.shares.a).toBeCloseTo(40 / 105, 15);
    expect(reference.other).toBeCloseTo(20 / 105, 15);
    expect(reference.missing).toBeCloseTo(5 / 105, 15);
    expect(sum(Object.values(reference.shares)) + reference.other + reference.missing).toBeCloseTo(
      1,
      12,
    );
  });

  it('caps categories at 50 by default, breaking count ties by name', () => {
    const values = Array.from({ length: 60 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const reference = category(values);
    expect(Object.keys(reference.shares)).toHaveLength(50);
    expect(Object.keys(reference.shares)[0]).toBe('k00');
    expect(reference.other).toBeCloseTo(10 / 60, 15);
  });

  it('treats booleans as the categories true and false', () => {
    expect(category([true, false, true, true]).shares).toEqual({ true: 0.75, false: 0.25 });
  });

  it('keeps categories and features named like Object.prototype members', () => {
    const reference = buildDriftReference({
      features: { ['__proto__']: { kind: 'category', values: ['__proto__', 'constructor'] } },
    });
    expect(Object.keys(reference.features)).toEqual(['__proto__']);
    const feature = Object.getOwnPropertyDescriptor(reference.features, '__proto__')?.value;
    expect(Object.keys(feature.shares)).toEqual(['__proto__', 'constructor']);
  });

  it('bins the holdout scores with their output and column', () => {
    const scores = Array.from({ length: 200 }, (_, i) => i / 200);
    const reference = buildDriftReference({
      features: { x: { kind: 'number', values: [1, 2] } },
      scores: { output: 'probabilities', column: 1, values: [...scores, NaN] },
    });
    expect(reference.score).toMatchObject({ output: 'probabilities', column: 1, rows: 201 });
    expect(reference.score?.edges).toHaveLength(9);
    expect(reference.score?.missing).toBeCloseTo(1 / 201, 15);
    expect(reference.rows).toBe(2);
  });

  it('builds a reference of 100k rows per feature quickly', () => {
    const rows = 120_000;
    const income = Array.from({ length: rows }, (_, i) => ((i * 2654435761) % 100_003) * 1.5);
    const region = Array.from({ length: rows }, (_, i) => `r${i % 7}`);
    const started = performance.now();
    const reference = buildDriftReference({
      features: {
        income: { kind: 'number', values: income },
        region: { kind: 'category', values: region },
      },
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(reference.rows).toBe(rows);
    expect((reference.features.income as NumericReference).edges).toHaveLength(9);
  });

  it('rejects inputs that cannot make a reference', () => {
    expect(() => buildDriftReference({ features: {} })).toThrow(/at least one feature/);
    expect(() => buildDriftReference({ features: { x: { kind: 'number', values: [] } } })).toThrow(
      /at least one training row/,
    );
    expect(() =>
      buildDriftReference({
        features: { x: { kind: 'number', values: [1, 2] }, y: { kind: 'number', values: [1] } },
      }),
    ).toThrow(/one per row/);
    expect(() =>
      buildDriftReference({
        features: { x: { kind: 'number', values: [1] } },
        scores: { output: 'p', column: 0, values: [] },
      }),
    ).toThrow(/scores are empty/);
  });
});
