import { createRandom } from '../nn/random';
import { crossValidate } from './cross-validate';
import { stratifiedHoldout, stratifiedKFold, takeRows } from './stratified-split';

// 1,000 rows: 700 of class 0, 250 of class 1, 50 of class 2, interleaved.
const labels = Int32Array.from({ length: 1_000 }, (_, r) =>
  r % 20 === 0 ? 2 : r % 4 === 1 ? 1 : 0,
);
const countOf = (indices: Int32Array, c: number) => indices.filter((r) => labels[r] === c).length;
const classCounts = [0, 1, 2].map((c) => labels.filter((y) => y === c).length);

describe('stratifiedHoldout', () => {
  it('keeps every class at its share on both sides and uses each row once', () => {
    expect(classCounts).toEqual([700, 250, 50]);
    const { train, test } = stratifiedHoldout(labels, { testFraction: 0.2, seed: 1 });
    expect([0, 1, 2].map((c) => countOf(test, c))).toEqual([140, 50, 10]);
    expect([0, 1, 2].map((c) => countOf(train, c))).toEqual([560, 200, 40]);
    const all = [...train, ...test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1_000 }, (_, r) => r));
    expect([...test]).toEqual([...test].sort((a, b) => a - b));
  });

  it('draws the same split for a seed and another for a different seed', () => {
    const a = stratifiedHoldout(labels, { testFraction: 0.25, seed: 4 });
    expect(stratifiedHoldout(labels, { testFraction: 0.25, seed: 4 })).toEqual(a);
    expect(stratifiedHoldout(labels, { testFraction: 0.25, seed: 5 }).test).not.toEqual(a.test);
  });

  it('refuses a fraction outside (0, 1) and labels that are not class indices', () => {
    expect(() => stratifiedHoldout(labels, { testFraction: 1, seed: 1 })).toThrow(RangeError);
    expect(() => stratifiedHoldout([0, 1.5], { testFraction: 0.5, seed: 1 })).toThrow(
      /class index/,
    );
  });
});

describe('stratifiedKFold', () => {
  const folds = stratifiedKFold(labels, { folds: 4, seed: 2 });

  it('puts every row in exactly one test fold, and the rest of the rows in its train side', () => {
    const seen = new Int32Array(1_000);
    for (const { train, test } of folds) {
      for (const r of test) seen[r]++;
      expect(train.length + test.length).toBe(1_000);
      expect(train.some((r) => test.includes(r))).toBe(false);
    }
    expect(seen.every((n) => n === 1)).toBe(true);
  });

  it('spreads each class evenly over the folds', () => {
    for (const { test } of folds) {
      expect(test.length).toBe(250);
      expect(countOf(test, 0)).toBe(175);
      expect(countOf(test, 1)).toBeGreaterThanOrEqual(62);
      expect(countOf(test, 1)).toBeLessThanOrEqual(63);
      expect([12, 13]).toContain(countOf(test, 2));
    }
  });

  it('is seeded', () => {
    expect(stratifiedKFold(labels, { folds: 4, seed: 2 })).toEqual(folds);
    expect(stratifiedKFold(labels, { folds: 4, seed: 3 })[0].test).not.toEqual(folds[0].test);
  });

  it('refuses fewer than two folds', () => {
    expect(() => stratifiedKFold(labels, { folds: 1, seed: 1 })).toThrow(RangeError);
  });
});

describe('takeRows', () => {
  it('copies the chosen rows of a matrix, keeping the array type', () => {
    const matrix = Float64Array.of(1, 2, 3, 4, 5, 6);
    expect(Array.from(takeRows(matrix, 2, Int32Array.of(2, 0)))).toEqual([5, 6, 1, 2]);
    expect(takeRows(Int32Array.of(7, 8, 9), 1, Int32Array.of(1))).toEqual(Int32Array.of(8));
  });
});

describe('crossValidate', () => {
  it('trains and scores once per fold, and averages the scores', () => {
    // A noisy linear boundary: every fold should score about the same, well above chance.
    const random = createRandom(6);
    const rows = 1_200;
    const x = Float64Array.from({ length: rows * 3 }, () => random.normal());
    const y = Int32Array.from({ length: rows }, (_, r) =>
      x[3 * r] - x[3 * r + 1] + 0.5 * random.normal() > 0 ? 1 : 0,
    );
    const result = crossValidate({
      x,
      labels: y,
      rows,
      folds: 3,
      seed: 2,
      training: { learningRate: 0.05, epochs: 15 },
    });
    expect(result.folds.map((f) => [f.fold, f.trainRows, f.testRows])).toEqual([
      [0, 800, 400],
      [1, 800, 400],
      [2, 800, 400],
    ]);
    for (const fold of result.folds) expect(fold.scores.auc).toBeGreaterThan(0.9);
    const meanAuc = result.folds.reduce((s, f) => s + f.scores.auc!, 0) / 3;
    expect(result.mean.auc).toBeCloseTo(meanAuc, 12);
    expect(result.std.accuracy).toBeLessThan(0.05);
  });
});
