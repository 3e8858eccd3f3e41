import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracy, forward, logLoss, predictedClasses, train } from '@keelson/ml';

// Our logistic regression against scikit-learn's on a public dataset: same rows, same split, same
// standardisation, same objective. The fixture and the reference were written once by
// reference/make_breast_cancer_fixture.py (see README.md); this test needs no Python.
const fixtures = join(__dirname, 'fixtures');

interface Reference {
  rows: { train: number; test: number };
  model: { C: number };
  test: { accuracy: number; logLoss: number };
  intercept: number;
  coefficients: number[];
}

function loadFixture() {
  const [header, ...lines] = readFileSync(join(fixtures, 'breast_cancer.csv'), 'utf8')
    .trim()
    .split('\n');
  const columns = header.split(',');
  const features = columns.indexOf('target');
  const parsed = lines.map((line) => line.split(','));
  const side = (name: 'train' | 'test') => {
    const rows = parsed.filter((cells) => cells[features + 1] === name);
    return {
      x: Float64Array.from(rows.flatMap((cells) => cells.slice(0, features).map(Number))),
      labels: Int32Array.from(rows, (cells) => Number(cells[features])),
      rows: rows.length,
    };
  };
  return { features, train: side('train'), test: side('test') };
}

/** StandardScaler: the train rows' mean and population standard deviation, applied to both. */
function standardise(train: Float64Array, test: Float64Array, width: number): void {
  const rows = train.length / width;
  for (let f = 0; f < width; f++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += train[r * width + f] / rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (train[r * width + f] - mean) ** 2 / rows;
    const sd = Math.sqrt(variance) || 1;
    for (const m of [train, test]) {
      for (let k = f; k < m.length; k += width) m[k] = (m[k] - mean) / sd;
    }
  }
}

describe('breast cancer: logistic regression against scikit-learn', () => {
  const reference = JSON.parse(
    readFileSync(join(fixtures, 'breast_cancer.reference.json'), 'utf8'),
  ) as Reference;
  const { features, train: trainRows, test } = loadFixture();
  standardise(trainRows.x, test.x, features);

  it('reads the split the reference used', () => {
    expect([trainRows.rows, test.rows]).toEqual([reference.rows.train, reference.rows.test]);
  });

  it('matches its test accuracy within 1 percentage point', () => {
    // scikit-learn minimises C x (sum of log losses) + |w|^2 / 2; divided by n that is our
    // mean log loss + (l2 / 2) |w|^2 with l2 = 1 / (n C). Full-batch Adam, run to convergence.
    const { network } = train({
      ...trainRows,
      l2: 1 / (trainRows.rows * reference.model.C),
      batchSize: trainRows.rows,
      learningRate: 0.05,
      epochs: 3_000,
      validationFraction: 0,
    });
    const output = forward(network, test.x, test.rows);
    const ours = accuracy(test.labels, predictedClasses(output, 1));
    process.stdout.write(
      `breast cancer: accuracy ${ours.toFixed(4)} (scikit-learn ${reference.test.accuracy.toFixed(4)}), ` +
        `log loss ${logLoss(test.labels, output).toFixed(4)} (${reference.test.logLoss.toFixed(4)})\n`,
    );
    expect(Math.abs(ours - reference.test.accuracy)).toBeLessThanOrEqual(0.01);
    // Same objective, so the same optimum: the fitted model itself should agree, not just its score.
    expect(logLoss(test.labels, output)).toBeCloseTo(reference.test.logLoss, 2);
    const weights = network.layers[0].weights;
    const worst = Math.max(...reference.coefficients.map((c, i) => Math.abs(c - weights[i])));
    expect(worst).toBeLessThan(0.05);
    expect(network.layers[0].bias[0]).toBeCloseTo(reference.intercept, 1);
  }, 60_000);
});
