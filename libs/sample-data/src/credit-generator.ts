import { createRandom, type Random } from './prng';

export { bayesOptimalAuc } from './auc';

export const EMPLOYMENT = [
  'salaried',
  'self_employed',
  'unemployed',
  'retired',
  'student',
] as const;
export type Employment = (typeof EMPLOYMENT)[number];

/** A row as a producer sends it: masked fields are present with `null`. */
export interface CreditRecord {
  id: string;
  age: number;
  income: number | null;
  debt_ratio: number;
  credit_score: number | null;
  employment: Employment | null;
  default: boolean;
}

/** The true, unmasked values the label was drawn from. */
export interface CreditFeatures {
  age: number;
  income: number;
  debt_ratio: number;
  credit_score: number;
  employment: Employment;
}

export interface GeneratedRow {
  record: CreditRecord;
  /** P(default | true features): the Bayes-optimal score for this row. */
  probability: number;
  features: CreditFeatures;
}

/**
 * The known logistic model behind the label. The standardisation constants are fixed rather than
 * estimated from the sample so that a row's probability depends on that row alone.
 */
export const CREDIT_MODEL = {
  intercept: -2.3,
  age: -0.3,
  logIncome: -0.45,
  debtRatio: 1.1,
  creditScore: -1.05,
  employment: { salaried: 0, self_employed: 0.35, unemployed: 0.9, retired: 0.15, student: 0.3 },
  scale: {
    age: { mean: 42, sd: 14 },
    logIncome: { mean: 10.6, sd: 0.75 },
    creditScore: { mean: 680, sd: 70 },
  },
} as const satisfies {
  employment: Record<Employment, number>;
  [k: string]: unknown;
};

export const MISSING_RATES = { income: 0.05, credit_score: 0.05, employment: 0.02 } as const;

/** What the platform should register for this dataset (`PUT /v1/datasets/credit`). */
export const CREDIT_SCHEMA = {
  label: 'default',
  key: 'id',
  fields: {
    id: { type: 'category', required: true },
    age: { type: 'integer', required: true, min: 18, max: 120 },
    income: { type: 'number', required: false, min: 0 },
    debt_ratio: { type: 'number', required: true, min: 0, max: 100 },
    credit_score: { type: 'integer', required: false, min: 300, max: 850 },
    employment: { type: 'category', required: false, values: [...EMPLOYMENT] },
    default: { type: 'boolean', required: true },
  },
};

export const CREDIT_COLUMNS = [
  'id',
  'age',
  'income',
  'debt_ratio',
  'credit_score',
  'employment',
  'default',
] as const satisfies readonly (keyof CreditRecord)[];

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function trueLogit(f: CreditFeatures): number {
  const m = CREDIT_MODEL;
  const zAge = (f.age - m.scale.age.mean) / m.scale.age.sd;
  const zIncome = (Math.log(f.income) - m.scale.logIncome.mean) / m.scale.logIncome.sd;
  const zScore = (f.credit_score - m.scale.creditScore.mean) / m.scale.creditScore.sd;
  return (
    m.intercept +
    m.age * zAge +
    m.logIncome * zIncome +
    m.debtRatio * f.debt_ratio +
    m.creditScore * zScore +
    m.employment[f.employment]
  );
}

export function trueProbability(f: CreditFeatures): number {
  return sigmoid(trueLogit(f));
}

export interface GenerateOptions {
  seed: number;
  rows: number;
}

/** Yields rows lazily so a million-row file never sits in memory. Same seed, same rows. */
export function* generateCredit({ seed, rows }: GenerateOptions): Generator<GeneratedRow> {
  const rnd = createRandom(seed);
  for (let i = 1; i <= rows; i++) {
    const features = drawFeatures(rnd);
    const probability = trueProbability(features);
    const label = rnd.uniform() < probability;
    // Masking comes after the label: the label follows the truth, the producer just lost some of it.
    const record: CreditRecord = {
      // Fixed width, not sized to `rows`: row i has the same id whatever the row count.
      id: `c-${String(i).padStart(6, '0')}`,
      age: features.age,
      income: rnd.uniform() < MISSING_RATES.income ? null : features.income,
      debt_ratio: features.debt_ratio,
      credit_score: rnd.uniform() < MISSING_RATES.credit_score ? null : features.credit_score,
      employment: rnd.uniform() < MISSING_RATES.employment ? null : features.employment,
      default: label,
    };
    yield { record, probability, features };
  }
}

export function generateCreditRows(options: GenerateOptions): GeneratedRow[] {
  return [...generateCredit(options)];
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

// Employment depends on age so that the features are correlated the way real ones are; a model
// that treats them as independent should not look as good as the Bayes-optimal one.
const EMPLOYMENT_BY_AGE: { maxAge: number; weights: Record<Employment, number> }[] = [
  {
    maxAge: 24,
    weights: { student: 0.45, salaried: 0.38, unemployed: 0.12, self_employed: 0.05, retired: 0 },
  },
  {
    maxAge: 64,
    weights: { salaried: 0.7, self_employed: 0.16, unemployed: 0.09, retired: 0.03, student: 0.02 },
  },
  {
    maxAge: Infinity,
    weights: { retired: 0.8, salaried: 0.1, self_employed: 0.07, unemployed: 0.03, student: 0 },
  },
];

const INCOME_SHIFT: Record<Employment, number> = {
  salaried: 0,
  self_employed: 0.1,
  unemployed: -1.2,
  retired: -0.35,
  student: -1.3,
};

const SCORE_SHIFT: Record<Employment, number> = {
  salaried: 0,
  self_employed: -5,
  unemployed: -40,
  retired: 10,
  student: -30,
};

function drawFeatures(rnd: Random): CreditFeatures {
  // Right-skewed ages; redrawing instead of clamping avoids a spike of 90-year-olds.
  let age: number;
  do age = Math.round(18 + Math.exp(Math.log(22) + 0.55 * rnd.normal()));
  while (age > 90);

  const employment = pick(rnd, EMPLOYMENT_BY_AGE.find((b) => age <= b.maxAge)!.weights);

  const agePeak = 1 - ((age - 50) / 25) ** 2; // earnings rise into the fifties, then fall
  const incomeSd = employment === 'self_employed' ? 0.8 : 0.55;
  const logIncome = 10.75 + INCOME_SHIFT[employment] + 0.3 * agePeak + incomeSd * rnd.normal();
  const income = round(clamp(Math.exp(logIncome), 5_000, 500_000), 2);

  const debt = Math.exp(-1.1 - 0.25 * (Math.log(income) - 10.75) + 0.5 * rnd.normal());
  const debt_ratio = round(clamp(debt, 0, 5), 3);

  const score =
    680 +
    SCORE_SHIFT[employment] +
    1.2 * (age - 42) +
    25 * (Math.log(income) - 10.75) -
    40 * (debt_ratio - 0.4) +
    55 * rnd.normal();
  const credit_score = Math.round(clamp(score, 300, 850));

  return { age, income, debt_ratio, credit_score, employment };
}

function pick(rnd: Random, weights: Record<Employment, number>): Employment {
  let u = rnd.uniform();
  for (const e of EMPLOYMENT) {
    u -= weights[e];
    if (u < 0) return e;
  }
  return 'salaried'; // only reached through floating-point rounding of weights summing to 1
}
