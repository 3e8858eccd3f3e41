// `./keelson bench train`: the trainer's speed on a 12 -> 64 -> 1 MLP, next to scikit-learn's
// MLPClassifier on the same rows in the same run.
//   BENCH_ROWS (100000 training rows), BENCH_EPOCHS (20), BENCH_BATCH (128)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom, forward, rocAuc, train } from '@keelson/ml';

const root = join(__dirname, '..');
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 20);
const BATCH = Number(process.env.BENCH_BATCH ?? 128);
const TEST_ROWS = 20_000;
const FEATURES = 12;
const HIDDEN = 64;
const LEARNING_RATE = 0.001;
/** scikit-learn's default `alpha`; it divides it by the batch size, so our l2 is alpha / batch. */
const ALPHA = 1e-4;
const SEED = 7;
const TARGET = 100_000; // row-epochs per second
const VENV = join(homedir(), '.cache/keelson/venv');
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * The label's true log-odds: a sine, an interaction, a square and a kink over 6 of the 12
 * features (the other 6 are noise), so a linear model cannot fit it and a hidden layer must.
 */
function trueLogit(x: Float64Array, o: number): number {
  return (
    1.5 * Math.sin(2 * x[o]) +
    x[o + 1] * x[o + 2] +
    0.5 * (x[o + 3] ** 2 - 1) +
    0.8 * x[o + 4] -
    0.6 * Math.abs(x[o + 5]) +
    0.3
  );
}

function makeData(rows: number) {
  const random = createRandom(SEED);
  const x = new Float64Array(rows * FEATURES);
  const labels = new Int32Array(rows);
  const truth = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < FEATURES; f++) x[r * FEATURES + f] = random.normal();
    truth[r] = 1 / (1 + Math.exp(-trueLogit(x, r * FEATURES)));
    labels[r] = random.uniform() < truth[r] ? 1 : 0;
  }
  return { x, labels, truth };
}

/** The rows as a float64 .npy file ([features..., label] per row), which numpy loads as is. */
function writeNpy(path: string, x: Float64Array, labels: Int32Array, rows: number): void {
  const width = FEATURES + 1;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${width}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // data starts 64-byte aligned
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head.writeUInt8(1, 6);
  head.writeUInt8(0, 7);
  head.writeUInt16LE(header.length, 8);
  const data = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    data.set(x.subarray(r * FEATURES, (r + 1) * FEATURES), r * width);
    data[r * width + FEATURES] = labels[r];
  }
  writeFileSync(
    path,
    Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]),
  );
}

/** A Python with scikit-learn: the project's venv, created (python3 -m venv, pip) if missing. */
function referencePython(): string | null {
  const python = join(VENV, 'bin/python');
  const hasSklearn = () =>
    existsSync(python) && spawnSync(python, ['-c', 'import sklearn']).status === 0;
  if (hasSklearn()) return python;
  say(`no scikit-learn at ${VENV}; creating it (python3 -m venv, pip install scikit-learn)`);
  const output = { stdio: ['ignore', 2, 2] as ['ignore', number, number], timeout: 900_000 };
  if (!existsSync(python) && spawnSync('python3', ['-m', 'venv', VENV], output).status !== 0) {
    return null;
  }
  spawnSync(python, ['-m', 'pip', 'install', '--quiet', 'scikit-learn'], output);
  return hasSklearn() ? python : null;
}

interface SklearnResult {
  seconds: number;
  epochs: number;
  rowEpochsPerSecond: number;
  testAuc: number;
  peakRssMb: number;
  blasThreads: number;
  sklearn: string;
}

function runReference(python: string, x: Float64Array, labels: Int32Array): SklearnResult | string {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-bench-train-'));
  try {
    const data = join(dir, 'rows.npy');
    writeNpy(data, x, labels, ROWS + TEST_ROWS);
    const script = join(root, 'bench/reference/train_sklearn.py');
    const args = [script, data, ROWS, EPOCHS, BATCH, LEARNING_RATE, ALPHA, SEED].map(String);
    const run = spawnSync(python, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 1_800_000,
    });
    if (run.status !== 0) return `exited with ${run.status ?? run.signal}`;
    return JSON.parse(run.stdout.trim().split('\n').pop()!) as SklearnResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const { x, labels, truth } = makeData(ROWS + TEST_ROWS);
  const testX = x.subarray(ROWS * FEATURES);
  const testLabels = labels.subarray(ROWS);
  say(
    `${ROWS} training rows x ${FEATURES} features, ${TEST_ROWS} test rows; MLP ${FEATURES}-${HIDDEN}-1, ${EPOCHS} epochs, batch ${BATCH}`,
  );

  const started = performance.now();
  const result = train({
    x: x.subarray(0, ROWS * FEATURES),
    labels: labels.subarray(0, ROWS),
    rows: ROWS,
    hidden: [HIDDEN],
    epochs: EPOCHS,
    batchSize: BATCH,
    learningRate: LEARNING_RATE,
    l2: ALPHA / BATCH,
    validationFraction: 0,
    seed: SEED,
    onEpoch: (p) => {
      say(`epoch ${p.epoch}/${p.epochs}: train loss ${p.trainLoss.toFixed(4)}`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const rate = (ROWS * result.epochsRun) / seconds;
  const auc = rocAuc(testLabels, forward(result.network, testX, TEST_ROWS));
  const bayesAuc = rocAuc(testLabels, truth.subarray(ROWS));
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);

  const python = referencePython();
  const reference = python ? runReference(python, x, labels) : 'no Python with scikit-learn';
  const sklearn = typeof reference === 'string' ? null : reference;

  const summary = {
    when: new Date().toISOString(),
    rows: ROWS,
    features: FEATURES,
    hidden: HIDDEN,
    epochs: result.epochsRun,
    batch: BATCH,
    ours: {
      seconds: +seconds.toFixed(2),
      rowEpochsPerSecond: Math.round(rate),
      testAuc: +auc.toFixed(4),
      peakRssMb,
    },
    bayesOptimalTestAuc: +bayesAuc.toFixed(4),
    sklearn: sklearn ?? { error: reference },
    targets: { rowEpochsPerSecondAtLeast100k: rate >= TARGET },
  };
  mkdirSync(join(root, '.keelson/bench'), { recursive: true });
  writeFileSync(join(root, '.keelson/bench/train.json'), JSON.stringify(summary, null, 2));

  const pad = (s: string) => s.padEnd(24);
  const lines = [
    `${pad('data')}${ROWS} rows x ${FEATURES} features, MLP ${FEATURES}-${HIDDEN}-1, ${result.epochsRun} epochs, batch ${BATCH}`,
    `${pad('ours')}${Math.round(rate)} row-epochs/s, ${seconds.toFixed(1)} s, peak RSS ${peakRssMb} MB, test AUC ${auc.toFixed(4)}  (target >= ${TARGET} row-epochs/s: ${rate >= TARGET ? 'met' : 'NOT met'})`,
  ];
  if (sklearn) {
    lines.push(
      `${pad(`scikit-learn ${sklearn.sklearn}`)}${Math.round(sklearn.rowEpochsPerSecond)} row-epochs/s, ${sklearn.seconds.toFixed(1)} s, peak RSS ${Math.round(sklearn.peakRssMb)} MB, test AUC ${sklearn.testAuc.toFixed(4)}  (${sklearn.epochs} epochs, BLAS threads: ${sklearn.blasThreads})`,
      `${pad('ours / scikit-learn')}${(rate / sklearn.rowEpochsPerSecond).toFixed(2)}x row-epochs/s`,
    );
  } else lines.push(`${pad('scikit-learn')}the reference could not run: ${reference as string}`);
  lines.push(`${pad('Bayes-optimal test AUC')}${bayesAuc.toFixed(4)}`);
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

main();
