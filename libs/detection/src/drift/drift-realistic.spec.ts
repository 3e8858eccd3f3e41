import { createSeededRandom } from '../anomaly/suite/seeded-random';
import { buildDriftReference } from './build-drift-reference';
import { DriftWindow } from './drift-window';
import { evaluateDrift, type DriftVerdict } from './evaluate-drift';

// A credit-scoring-like model: a skewed number with missing values, a rounded number, a
// low-cardinality count, a handful of regions, a plan with a long tail and a boolean.

/** The lib's one seeded generator, so the data (and the test) are the same on every run. */
const seeded = (seed: number) => createSeededRandom(seed).uniform;

interface Shift {
  incomeFactor?: number;
  ageOffset?: number;
}

interface Applicant {
  features: Record<string, unknown>;
  score: number;
}

function applicants(count: number, seed: number, shift: Shift = {}): Applicant[] {
  const random = seeded(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const pick = <T>(choices: readonly T[], weights: readonly number[]): T => {
    let u = random() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < choices.length; i++) if ((u -= weights[i]) < 0) return choices[i];
    return choices[choices.length - 1];
  };
  const rows: Applicant[] = [];
  for (let i = 0; i < count; i++) {
    const income =
      random() < 0.02 ? null : Math.exp(10.5 + 0.5 * normal()) * (shift.incomeFactor ?? 1);
    const age = Math.min(90, Math.max(18, Math.round(40 + 12 * normal() + (shift.ageOffset ?? 0))));
    const children = pick([0, 1, 2, 3, 4], [40, 25, 20, 10, 5]);
    const region = pick(
      ['north', 'south', 'east', 'west', 'centre', 'islands'],
      [30, 25, 20, 15, 8, 2],
    );
    const tail = random() < 0.15;
    const plan = tail
      ? `legacy-${Math.floor(random() * 300)}`
      : pick(['basic', 'plus', 'pro'], [6, 3, 1]);
    const hasCard = random() < 0.7;
    const logit =
      -1 + ((income ?? 36_000) - 36_000) / 40_000 - 0.03 * (age - 40) + (hasCard ? 0.5 : 0);
    rows.push({
      features: { income, age, children, region, plan, has_card: hasCard },
      score: 1 / (1 + Math.exp(-logit)),
    });
  }
  return rows;
}

const training = applicants(20_000, 1);
const column = (name: string) => training.map((row) => row.features[name]);
const reference = buildDriftReference({
  features: {
    income: { kind: 'number', values: column('income') },
    age: { kind: 'number', values: column('age') },
    children: { kind: 'number', values: column('children') },
    region: { kind: 'category', values: column('region') },
    plan: { kind: 'category', values: column('plan') },
    has_card: { kind: 'category', values: column('has_card') },
  },
  scores: { output: 'probability', column: 0, values: training.map((row) => row.score) },
});

function evaluate(traffic: Applicant[]): DriftVerdict {
  const window = new DriftWindow(reference);
  for (const row of traffic) {
    window.add(row.features);
    window.addScore(row.score);
  }
  const result = evaluateDrift(reference, window);
  if (result.verdict === 'insufficient') throw new Error('window too small');
  return result;
}

const psiOf = (result: DriftVerdict) =>
  Object.fromEntries(result.features.map((f) => [f.feature, f.psi]));

describe('drift on realistic data', () => {
  it('builds sensible bins for each kind of feature', () => {
    expect(reference.rows).toBe(20_000);
    const { income, children, plan, has_card } = reference.features;
    expect(income.kind === 'number' && income.edges).toHaveLength(9);
    expect(income.missing).toBeCloseTo(0.02, 2);
    // Five distinct counts, and 4 (5 % of rows) sits above the last decile: four edges, five bins.
    expect(children.kind === 'number' && children.edges).toEqual([0, 1, 2, 3]);
    expect(plan.kind === 'category' && Object.keys(plan.shares)).toHaveLength(50);
    expect(plan.kind === 'category' && plan.other).toBeGreaterThan(0.05);
    expect(has_card.kind === 'category' && Object.keys(has_card.shares).sort()).toEqual([
      'false',
      'true',
    ]);
  });

  it('finds no drift in traffic from the training distribution', () => {
    const result = evaluate(applicants(2_000, 2));
    for (const [feature, value] of Object.entries(psiOf(result))) {
      expect([feature, value < 0.1]).toEqual([feature, true]);
    }
    expect(result.score?.level).toBe('ok');
    expect(result.verdict).toBe('ok');
    expect(result.drifted).toEqual([]);
    expect(result.datasetDrift).toBe(false);
  });

  it('flags income alone as critical when incomes are 1.5 times higher', () => {
    const result = evaluate(applicants(2_000, 3, { incomeFactor: 1.5 }));
    expect(result.drifted.map((f) => [f.feature, f.level])).toEqual([['income', 'critical']]);
    // The model leans on income, so its scores move too.
    expect(result.score?.level).toBe('critical');
    for (const feature of result.features.filter((f) => f.feature !== 'income')) {
      expect([feature.feature, feature.level]).toEqual([feature.feature, 'ok']);
    }
    expect(result.datasetDrift).toBe(false);
  });

  it('flags age alone as critical when applicants are one standard deviation older', () => {
    const result = evaluate(applicants(2_000, 4, { ageOffset: 12 }));
    expect(result.drifted.map((f) => f.feature)).toEqual(['age']);
    expect(result.drifted[0].level).toBe('critical');
    expect(result.datasetDrift).toBe(false);
  });
});
