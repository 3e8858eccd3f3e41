import { PassThrough } from 'node:stream';
import {
  bayesOptimalAuc,
  CREDIT_SCHEMA,
  EMPLOYMENT,
  generateCredit,
  generateCreditRows,
  trueProbability,
  type GeneratedRow,
  mulberry32,
} from '@keelson/sample-data';
import { writeCredit } from './generate-credit';

function bruteForceAuc(scores: number[], labels: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (!labels[i]) return;
    scores.forEach((sn, j) => {
      if (labels[j]) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

const share = (rows: GeneratedRow[], test: (r: GeneratedRow) => boolean): number =>
  rows.filter(test).length / rows.length;

describe('generateCredit', () => {
  const rows = generateCreditRows({ seed: 7, rows: 20_000 });

  it('gives identical rows for the same seed and different ones for another seed', () => {
    const again = generateCreditRows({ seed: 7, rows: 500 });
    expect(again).toEqual(rows.slice(0, 500));
    const other = generateCreditRows({ seed: 8, rows: 500 });
    expect(other.map((r) => r.record)).not.toEqual(again.map((r) => r.record));
  });

  it('numbers ids from c-000001 whatever the row count', () => {
    expect(rows[0].record.id).toBe('c-000001');
    expect(rows[19_999].record.id).toBe('c-020000');
    expect(new Set(rows.map((r) => r.record.id)).size).toBe(rows.length);
  });

  it('keeps every value in range and the true values complete', () => {
    const inRange = (x: number, lo: number, hi: number) => x >= lo && x <= hi;
    const keys = Object.keys(CREDIT_SCHEMA.fields).join();
    // Collects offenders instead of asserting per row: 20k rows x 15 expects takes seconds.
    const bad = rows.filter(({ record, features: f }) => {
      const valid =
        Number.isInteger(record.age) &&
        inRange(record.age, 18, 90) &&
        inRange(f.income, 5_000, 500_000) &&
        inRange(f.debt_ratio, 0, 5) &&
        Number.isInteger(f.credit_score) &&
        inRange(f.credit_score, 300, 850) &&
        EMPLOYMENT.includes(f.employment) &&
        typeof record.default === 'boolean' &&
        record.debt_ratio === f.debt_ratio &&
        // Masking only ever replaces a value with null.
        (record.income === null || record.income === f.income) &&
        (record.credit_score === null || record.credit_score === f.credit_score) &&
        (record.employment === null || record.employment === f.employment) &&
        Object.keys(record).join() === keys;
      return !valid;
    });
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('uses every employment category and a spread of ages and incomes', () => {
    for (const e of EMPLOYMENT)
      expect(share(rows, (r) => r.features.employment === e)).toBeGreaterThan(0.01);
    const incomes = rows.map((r) => r.features.income).sort((a, b) => a - b);
    expect(incomes[Math.floor(incomes.length / 2)]).toBeGreaterThan(25_000);
    expect(incomes[Math.floor(incomes.length / 2)]).toBeLessThan(100_000);
    expect(share(rows, (r) => r.record.age < 30)).toBeGreaterThan(0.1);
    expect(share(rows, (r) => r.record.age >= 65)).toBeGreaterThan(0.03);
  });

  it('masks about 5% of incomes and credit scores and 2% of employments', () => {
    // 20k draws: the standard error of a 5% rate is 0.15 points; 1 point is beyond chance.
    expect(Math.abs(share(rows, (r) => r.record.income === null) - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(share(rows, (r) => r.record.credit_score === null) - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(share(rows, (r) => r.record.employment === null) - 0.02)).toBeLessThan(0.006);
    expect(share(rows, (r) => r.record.age === null || r.record.debt_ratio === null)).toBe(0);
  });

  it('defaults 15-25% of the time, as often as the true probabilities predict', () => {
    const rate = share(rows, (r) => r.record.default);
    expect(rate).toBeGreaterThan(0.15);
    expect(rate).toBeLessThan(0.25);
    const meanP = rows.reduce((s, r) => s + r.probability, 0) / rows.length;
    expect(Math.abs(rate - meanP)).toBeLessThan(0.01);
  });

  it('reports the probability of the true (unmasked) values', () => {
    for (const r of rows.slice(0, 1000)) expect(r.probability).toBe(trueProbability(r.features));
  });

  it('moves the probability the way the model says', () => {
    const base = rows[0].features;
    const p = trueProbability(base);
    expect(trueProbability({ ...base, debt_ratio: base.debt_ratio + 1 })).toBeGreaterThan(p);
    expect(trueProbability({ ...base, credit_score: base.credit_score + 50 })).toBeLessThan(p);
    expect(trueProbability({ ...base, income: base.income * 2 })).toBeLessThan(p);
    expect(trueProbability({ ...base, employment: 'unemployed' })).toBeGreaterThan(
      trueProbability({ ...base, employment: 'salaried' }),
    );
  });

  it('has a Bayes-optimal AUC between 0.78 and 0.9 on 50k rows', () => {
    const big = generateCreditRows({ seed: 42, rows: 50_000 });
    const auc = bayesOptimalAuc(
      big.map((r) => r.probability),
      big.map((r) => r.record.default),
    );
    expect(auc).toBeGreaterThan(0.78);
    expect(auc).toBeLessThan(0.9);
  });

  it('is lazy: taking a few rows of a huge dataset is instant', () => {
    const first = generateCredit({ seed: 42, rows: 1e9 }).next().value as GeneratedRow;
    expect(first.record).toEqual(generateCreditRows({ seed: 42, rows: 1 })[0].record);
  });
});

describe('bayesOptimalAuc', () => {
  it('equals the pairwise AUC on small random inputs with ties', () => {
    const rnd = mulberry32(123);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(rnd() * 40);
      // Few distinct scores, so ties within and across the classes are common.
      const levels = 1 + Math.floor(rnd() * 6);
      const scores = Array.from({ length: n }, () => Math.floor(rnd() * levels) / levels);
      const labels = Array.from({ length: n }, () => rnd() < 0.4);
      labels[0] = true;
      labels[1] = false;
      expect(bayesOptimalAuc(scores, labels)).toBeCloseTo(bruteForceAuc(scores, labels), 12);
    }
  });

  it('gives 1 for a perfect ranking, 0 for a reversed one, 0.5 for all ties', () => {
    expect(bayesOptimalAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(bayesOptimalAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true])).toBe(0);
    expect(bayesOptimalAuc([0.5, 0.5, 0.5], [true, false, false])).toBe(0.5);
  });

  it('is undefined (NaN) with one class and refuses mismatched lengths', () => {
    expect(bayesOptimalAuc([0.1, 0.2], [true, true])).toBeNaN();
    expect(() => bayesOptimalAuc([0.1], [true, false])).toThrow(RangeError);
  });
});

describe('the dataset schema', () => {
  it('is exactly what the platform registers', () => {
    expect(CREDIT_SCHEMA).toEqual({
      label: 'default',
      key: 'id',
      fields: {
        id: { type: 'category', required: true },
        age: { type: 'integer', required: true, min: 18, max: 120 },
        income: { type: 'number', required: false, min: 0 },
        debt_ratio: { type: 'number', required: true, min: 0, max: 100 },
        credit_score: { type: 'integer', required: false, min: 300, max: 850 },
        employment: {
          type: 'category',
          required: false,
          values: ['salaried', 'self_employed', 'unemployed', 'retired', 'student'],
        },
        default: { type: 'boolean', required: true },
      },
    });
  });
});

describe('writeCredit', () => {
  async function written(format: 'csv' | 'ndjson', rows: number): Promise<string[]> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeCredit(out, { rows, seed: 3, format });
    out.end();
    return Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
  }

  it('writes CSV with a header, empty cells for null and true/false', async () => {
    const lines = await written('csv', 2_000);
    expect(lines[0]).toBe('id,age,income,debt_ratio,credit_score,employment,default');
    expect(lines).toHaveLength(2_001);
    const expected = generateCreditRows({ seed: 3, rows: 2_000 });
    lines.slice(1).forEach((line, i) => {
      const r = expected[i].record;
      expect(line).toBe(
        [
          r.id,
          r.age,
          r.income ?? '',
          r.debt_ratio,
          r.credit_score ?? '',
          r.employment ?? '',
          r.default,
        ].join(','),
      );
    });
    expect(lines.some((l) => /,,|,$/.test(l))).toBe(true);
  });

  it('writes NDJSON with nulls present', async () => {
    const lines = await written('ndjson', 500);
    const expected = generateCreditRows({ seed: 3, rows: 500 }).map((r) => r.record);
    expect(lines.map((l) => JSON.parse(l))).toEqual(expected);
  });
});
