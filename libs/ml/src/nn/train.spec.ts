import { accuracy, predictedClasses } from '../metrics/class-metrics';
import { logLoss } from '../metrics/probability-metrics';
import { forward, outputWidth, type Network } from './network';
import { createRandom } from './random';
import { train, trainAsync, type TrainOptions } from './train';

/** Gaussian clusters in 2-D: rows of `perCluster` points around each centre, labelled by `label`. */
function clusters(
  centres: [number, number, number][],
  perCluster: number,
  spread: number,
  seed = 3,
) {
  const random = createRandom(seed);
  const rows = centres.length * perCluster;
  const x = new Float64Array(rows * 2);
  const labels = new Int32Array(rows);
  centres.forEach(([cx, cy, label], c) => {
    for (let k = 0; k < perCluster; k++) {
      const r = c * perCluster + k;
      x[2 * r] = cx + spread * random.normal();
      x[2 * r + 1] = cy + spread * random.normal();
      labels[r] = label;
    }
  });
  return { x, labels, rows };
}

const accuracyOf = (
  network: Network,
  data: { x: Float64Array; labels: Int32Array; rows: number },
) =>
  accuracy(
    data.labels,
    predictedClasses(forward(network, data.x, data.rows), outputWidth(network)),
  );

const weightsOf = (network: Network) => network.layers.flatMap((l) => [...l.weights, ...l.bias]);

const separable = clusters(
  [
    [-2, -1, 0],
    [2, 1, 1],
  ],
  200,
  0.7,
);
const xor = clusters(
  [
    [-1, -1, 0],
    [1, 1, 0],
    [-1, 1, 1],
    [1, -1, 1],
  ],
  150,
  0.3,
);

describe('train', () => {
  it('fits a logistic regression to linearly separable classes', () => {
    const result = train({ ...separable, learningRate: 0.05, epochs: 20, validationFraction: 0 });
    expect(result.network.layers).toHaveLength(1);
    expect(result.network.layers[0].activation).toBe('sigmoid');
    expect(accuracyOf(result.network, separable)).toBeGreaterThan(0.99);
    expect(result.history[19].trainLoss).toBeLessThan(result.history[0].trainLoss);
  });

  it('learns XOR with a hidden layer, which a logistic regression cannot', () => {
    const options: TrainOptions = { ...xor, learningRate: 0.01, epochs: 60, validationFraction: 0 };
    const linear = train(options);
    const mlp = train({ ...options, hidden: [16] });
    // The best a line can do is cut one of the four clusters off: 75%.
    expect(accuracyOf(linear.network, xor)).toBeLessThan(0.8);
    expect(accuracyOf(mlp.network, xor)).toBeGreaterThan(0.97);
    expect(mlp.network.layers.map((l) => l.activation)).toEqual(['relu', 'sigmoid']);
  });

  it('gives identical weights for the same seed and different ones for another', () => {
    const options: TrainOptions = { ...xor, hidden: [8], epochs: 3, seed: 7 };
    expect(weightsOf(train(options).network)).toEqual(weightsOf(train(options).network));
    expect(weightsOf(train({ ...options, seed: 8 }).network)).not.toEqual(
      weightsOf(train(options).network),
    );
  });

  it('trains a softmax over several classes', () => {
    const three = clusters(
      [
        [0, 3, 0],
        [-3, -2, 1],
        [3, -2, 2],
      ],
      150,
      0.8,
    );
    const result = train({ ...three, learningRate: 0.02, epochs: 30, hidden: [8] });
    const output = forward(result.network, three.x, three.rows);
    expect(outputWidth(result.network)).toBe(3);
    expect(output[0] + output[1] + output[2]).toBeCloseTo(1, 12);
    expect(accuracyOf(result.network, three)).toBeGreaterThan(0.97);
    expect(result.history[0].metrics).toMatchObject({ accuracy: expect.any(Number) });
    expect(result.history[0].metrics?.auc).toBeUndefined(); // AUC is for binary models
  });

  it('stops when validation loss stops improving and keeps the best epoch', () => {
    // Labels that are pure noise: a wide network memorises the training rows, and validation
    // loss can only get worse after the first epochs.
    const random = createRandom(9);
    const noise = (rows: number) => ({
      x: Float64Array.from({ length: rows * 20 }, () => random.normal()),
      labels: Int32Array.from({ length: rows }, () => (random.uniform() < 0.5 ? 1 : 0)),
      rows,
    });
    const validation = noise(200);
    const result = train({
      ...noise(100),
      validation,
      hidden: [64],
      learningRate: 0.01,
      batchSize: 16,
      epochs: 200,
      patience: 4,
    });
    expect(result.stopReason).toBe('early-stopping');
    expect(result.epochsRun).toBe(result.bestEpoch + 4);
    expect(result.history).toHaveLength(result.epochsRun);
    const losses = result.history.map((h) => h.validationLoss!);
    expect(Math.min(...losses)).toBe(losses[result.bestEpoch - 1]);
    // The returned weights are the best epoch's, not the last one's.
    const restored = logLoss(validation.labels, forward(result.network, validation.x, 200));
    expect(restored).toBeCloseTo(losses[result.bestEpoch - 1], 10);
    expect(restored).toBeLessThan(losses[result.epochsRun - 1]);
  });

  it('shrinks the weights under an L2 penalty', () => {
    const norm = (l2: number) => {
      const { network } = train({ ...separable, l2, learningRate: 0.05, validationFraction: 0 });
      return Math.hypot(...network.layers[0].weights);
    };
    const [free, light, heavy] = [norm(0), norm(0.01), norm(0.1)];
    expect(light).toBeLessThan(free);
    expect(heavy).toBeLessThan(light);
  });

  it('holds out a stratified validation share and reports its loss and scores each epoch', () => {
    const seen: number[] = [];
    const result = train({
      ...separable,
      learningRate: 0.05,
      epochs: 4,
      patience: 100,
      onEpoch: (p) => {
        seen.push(p.epoch);
        expect(p).toMatchObject({ epochs: 4, validationLoss: expect.any(Number) });
      },
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(result.stopReason).toBe('epochs');
    expect(result.history[3].metrics?.auc).toBeGreaterThan(0.99);
    expect(result.history[3].metrics?.accuracy).toBeGreaterThan(0.9);
  });

  it('stops when onEpoch says so, and abandons training when it throws', () => {
    const stopped = train({
      ...xor,
      epochs: 50,
      onEpoch: (p) => (p.epoch === 2 ? 'stop' : undefined),
    });
    expect([stopped.epochsRun, stopped.stopReason]).toEqual([2, 'callback']);
    expect(() =>
      train({
        ...xor,
        onEpoch: () => {
          throw new Error('cancelled');
        },
      }),
    ).toThrow('cancelled');
  });

  it('trains the same model asynchronously, awaiting the progress callback', async () => {
    const published: number[] = [];
    const options = { ...xor, hidden: [8], epochs: 3, seed: 5 };
    const result = await trainAsync({
      ...options,
      onEpoch: async (p) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        published.push(p.epoch);
      },
    });
    expect(published).toEqual([1, 2, 3]);
    expect(weightsOf(result.network)).toEqual(weightsOf(train(options).network));
  });

  it('trains on every row, for every epoch, when too few rows leave nothing to hold out', () => {
    const tiny = { x: Float64Array.of(-1, -1, 1, 1), labels: Int32Array.of(0, 1), rows: 2 };
    const result = train({ ...tiny, learningRate: 0.1, epochs: 30, patience: 2 });
    expect([result.epochsRun, result.bestEpoch, result.stopReason]).toEqual([30, 30, 'epochs']);
    expect(result.history[0].validationLoss).toBeUndefined();
    expect(Array.from(predictedClasses(forward(result.network, tiny.x, 2), 1))).toEqual([0, 1]);
  });

  it('refuses labels that are not class indices, and empty hidden layers', () => {
    const bad = { x: new Float64Array(4), rows: 2 };
    expect(() => train({ ...bad, labels: Float64Array.of(0, 0.5) })).toThrow(/class index/);
    expect(() => train({ ...bad, labels: Int32Array.of(0, 3), classes: 2 })).toThrow(/class index/);
    expect(() => train({ ...bad, labels: Int32Array.of(0, 1, 1) })).toThrow(/3 labels for 2 rows/);
    expect(() => train({ ...bad, labels: Int32Array.of(0, 1), hidden: [0] })).toThrow(/hidden/);
  });
});
