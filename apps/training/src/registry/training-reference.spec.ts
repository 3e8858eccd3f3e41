import { churnRecords, churnSpec } from '@keelson/testing';
import { trainingReference } from './training-reference';

describe('trainingReference', () => {
  it('describes each raw input as the graph receives it, and the holdout score', () => {
    const spec = churnSpec();
    const records = churnRecords(2_000, 7);
    const scores = Float64Array.from({ length: 400 }, (_, i) => (i % 100) / 100);
    const reference = trainingReference(spec, records, scores, 1);
    expect(reference.rows).toBe(2_000);
    expect(Object.keys(reference.features).sort()).toEqual(['plan', 'spend', 'tenure']);
    const tenure = reference.features.tenure;
    expect(tenure.kind).toBe('number');
    if (tenure.kind !== 'number') return;
    // About 5% of tenures are missing in the churn data.
    expect(tenure.missing).toBeGreaterThan(0.02);
    expect(tenure.missing).toBeLessThan(0.08);
    expect(tenure.shares.reduce((a, b) => a + b, 0) + tenure.missing).toBeCloseTo(1, 9);
    const plan = reference.features.plan;
    expect(plan.kind).toBe('category');
    if (plan.kind === 'category')
      expect(Object.keys(plan.shares).sort()).toEqual(['basic', 'plus', 'pro']);
    expect(reference.score).toMatchObject({ output: 'probabilities', column: 1, rows: 400 });
  });

  it('has no score for a model whose output is not one probability', () => {
    const reference = trainingReference(churnSpec(), churnRecords(100, 1), new Float64Array(0), 1);
    expect(reference.score).toBeUndefined();
  });
});
