/**
 * Runs onnxruntime in the spec's own thread too, as the reference the runner must match.
 * @jest-environment <rootDir>/../../tools/test/onnxruntime-environment.js
 */
import { waitFor } from '@keelson/testing';
import * as ort from 'onnxruntime-node';
import { ORT_TYPE, type Tensor } from '../protocol/tensor';
import {
  DeadlineExceededError,
  InferenceFailedError,
  ModelLoadError,
  ModelUnavailableError,
  QueueFullError,
} from './engine-errors';
import { ModelRunner } from './model-runner';
import { concatRequests } from './tensor-batch';
import { CRASHING_WORKER, CRASH_VALUE } from './testing/faults';
import { creditModel, creditRequest, rowSumModel, twoRowsOnlyModel } from './testing/test-models';

jest.setTimeout(60_000);

const credit = creditModel();

/** What the model answers for one request run on its own, in this thread. */
async function direct(session: ort.InferenceSession, inputs: Tensor[]): Promise<Tensor[]> {
  const feeds = Object.fromEntries(
    inputs.map((t) => [
      t.name,
      new ort.Tensor(ORT_TYPE[t.datatype] as 'float64', t.data as Float64Array, t.shape),
    ]),
  );
  const results = await session.run(feeds);
  return session.outputNames.map((name) => ({
    name,
    datatype: name === 'label' ? 'INT64' : 'FP32',
    shape: results[name].dims.slice(),
    data: results[name].data as Float32Array,
  }));
}

/** A request of `rows` copies of 100 rows: big enough to hold the only worker for a while. */
const hundredRows = creditRequest(100, 9);
const blocker = (rows: number) =>
  concatRequests(Array.from({ length: rows / 100 }, () => hundredRows));

describe('ModelRunner', () => {
  let runner: ModelRunner;
  beforeAll(async () => {
    runner = await ModelRunner.load(credit, { batching: { maxBatchSize: 64 } });
  });
  afterAll(() => runner.close());

  it('is ready only after a warm-up inference went through the whole path', () => {
    expect(runner.state).toBe('ready');
    expect(runner.stats()).toMatchObject({ batches: 1, completed: 1, batching: true });
  });

  it('answers each request as the model run on it alone, however requests were batched', async () => {
    const session = await ort.InferenceSession.create(credit);
    const before = runner.stats();
    const rowCounts = [1, 3, 1, 7, 2, 1, 12, 1, 5, 1, 1, 30, 2, 4, 1, 9];
    const requests = rowCounts.map((rows, i) => creditRequest(rows, 100 + i));
    const answers = await Promise.all(requests.map((r) => runner.infer(r)));
    const after = runner.stats();
    // Joined into fewer runs than requests, or this test would not test batching.
    expect(after.batches - before.batches).toBeLessThan(requests.length);

    for (const [i, request] of requests.entries()) {
      const [probabilities, label] = answers[i];
      const [expectedProbabilities, expectedLabel] = await direct(session, request);
      expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32' });
      expect(probabilities.shape).toEqual([rowCounts[i], 2]);
      const got = Array.from(probabilities.data as Float32Array);
      Array.from(expectedProbabilities.data as Float32Array).forEach((p, k) =>
        expect(got[k]).toBeCloseTo(p, 6),
      );
      expect(label).toMatchObject({ name: 'label', datatype: 'INT64', shape: [rowCounts[i]] });
      expect(Array.from(label.data as BigInt64Array)).toEqual(
        Array.from(expectedLabel.data as BigInt64Array),
      );
    }
    await session.release();
  });

  it('returns only the outputs asked for', async () => {
    const [label, ...rest] = await runner.infer(creditRequest(2, 3), ['label']);
    expect(rest).toEqual([]);
    expect(label).toMatchObject({ name: 'label', datatype: 'INT64', shape: [2] });
  });

  it('joins concurrent requests into batches', async () => {
    const before = runner.stats();
    await Promise.all(Array.from({ length: 64 }, (_, i) => runner.infer(creditRequest(1, i))));
    const after = runner.stats();
    const perBatch = (after.completed - before.completed) / (after.batches - before.batches);
    expect(perBatch).toBeGreaterThan(1);
    expect(after.latencyMs.count).toBeGreaterThanOrEqual(64);
    expect(after.latencyMs.p99).toBeGreaterThanOrEqual(after.latencyMs.p50);
  });

  it('refuses a request the model cannot take before it can spoil a batch', async () => {
    const bad = creditRequest(1, 1).filter((t) => t.name !== 'age');
    const good = runner.infer(creditRequest(1, 2));
    await expect(runner.infer(bad)).rejects.toThrow(/missing inputs: age/);
    await expect(good).resolves.toHaveLength(2);
  });
});

describe('ModelRunner queue and deadlines', () => {
  it('rejects at once with QueueFullError when the queue is full, then recovers', async () => {
    const runner = await ModelRunner.load(credit, { batching: { maxQueueSize: 8 } });
    try {
      const settledOrder: string[] = [];
      const calls = Array.from({ length: 20 }, (_, i) =>
        runner.infer(creditRequest(1, i)).then(
          () => settledOrder.push('answered'),
          (error: Error) => {
            settledOrder.push(error.name);
            throw error;
          },
        ),
      );
      const settled = await Promise.allSettled(calls);
      const refused = settled.filter((s) => s.status === 'rejected');
      expect(refused).toHaveLength(12);
      for (const s of refused)
        expect((s as PromiseRejectedResult).reason).toBeInstanceOf(QueueFullError);
      // Refusals came before any answer: nobody waited for a worker to learn the queue was full.
      expect(settledOrder.slice(0, 12)).toEqual(Array(12).fill('QueueFullError'));
      expect(runner.stats().rejected.queueFull).toBe(12);

      await expect(runner.infer(creditRequest(3, 1))).resolves.toHaveLength(2);
      expect(runner.stats().queued).toBe(0);
    } finally {
      await runner.close();
    }
  });

  it('fails a request whose deadline passes while it waits, and answers the rest', async () => {
    // One worker holding one batch at a time: the small request waits behind the big one.
    const runner = await ModelRunner.load(credit, { batching: { maxBatchesPerWorker: 1 } });
    try {
      const order: string[] = [];
      const big = runner.infer(blocker(200_000)).then(() => order.push('big answered'));
      const late = runner.infer(creditRequest(1, 1), undefined, Date.now() + 20).catch((error) => {
        order.push('late failed');
        throw error;
      });
      await expect(late).rejects.toThrow(DeadlineExceededError);
      await big;
      // Failed when its deadline passed, not when a worker would have reached it.
      expect(order).toEqual(['late failed', 'big answered']);
      await expect(runner.infer(creditRequest(1, 1), undefined, Date.now() - 1)).rejects.toThrow(
        DeadlineExceededError,
      );
      expect(runner.stats().rejected.deadlineExceeded).toBe(2);
      await expect(
        runner.infer(creditRequest(1, 1), undefined, Date.now() + 10_000),
      ).resolves.toHaveLength(2);
    } finally {
      await runner.close();
    }
  });
});

describe('ModelRunner with variable non-batch dimensions', () => {
  it('runs requests of different widths separately and answers each correctly', async () => {
    const runner = await ModelRunner.load(rowSumModel());
    try {
      const x = (rows: number[][]): Tensor[] => [
        {
          name: 'x',
          datatype: 'FP32',
          shape: [rows.length, rows[0].length],
          data: Float32Array.from(rows.flat()),
        },
      ];
      const before = runner.stats().batches;
      const [a, b, c] = await Promise.all([
        runner.infer(x([[1, 2]])),
        runner.infer(x([[3, 4, 5]])),
        runner.infer(
          x([
            [6, 7],
            [8, 9],
          ]),
        ),
      ]);
      expect(Array.from(a[0].data as Float32Array)).toEqual([3]);
      expect(Array.from(b[0].data as Float32Array)).toEqual([12]);
      expect(Array.from(c[0].data as Float32Array)).toEqual([13, 17]);
      expect(c[0].shape).toEqual([2, 1]);
      // The two width-2 requests shared a batch; the width-3 one ran alone.
      expect(runner.stats().batches - before).toBe(2);
    } finally {
      await runner.close();
    }
  });
});

describe('ModelRunner loading and retiring', () => {
  it('never reports ready a model that loads but fails its warm-up', async () => {
    await expect(ModelRunner.load(twoRowsOnlyModel())).rejects.toThrow(ModelLoadError);
  });

  it('keeps the default for an option given as undefined', async () => {
    const runner = await ModelRunner.load(credit, {
      pool: { workers: undefined },
      batching: { maxBatchSize: undefined, maxQueueSize: 4 },
    });
    try {
      expect(runner.stats().workers.configured).toBe(1);
      const before = runner.stats().batches;
      // Two requests of 30 rows share one batch only under the default maxBatchSize (64).
      await Promise.all([runner.infer(creditRequest(30, 1)), runner.infer(creditRequest(30, 2))]);
      expect(runner.stats().batches - before).toBe(1);
    } finally {
      await runner.close();
    }
    await expect(
      ModelRunner.load(credit, { batching: { maxBatchesPerWorker: 0 } }),
    ).rejects.toThrow(RangeError);
  });

  it('drains: answers what it accepted, refuses new work, then closes', async () => {
    const runner = await ModelRunner.load(credit);
    const accepted = [
      runner.infer(blocker(20_000)),
      ...Array.from({ length: 10 }, (_, i) => runner.infer(creditRequest(1 + (i % 3), i))),
    ];
    const drained = runner.drain();
    expect(runner.drain()).toBe(drained);
    expect(runner.state).toBe('draining');
    await expect(runner.infer(creditRequest(1, 1))).rejects.toThrow(ModelUnavailableError);

    const answers = await Promise.all(accepted);
    expect(answers.map((a) => a[0].shape[0])).toEqual([20_000, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1]);
    await drained;
    expect(runner.state).toBe('closed');
    await expect(runner.infer(creditRequest(1, 1))).rejects.toThrow(ModelUnavailableError);
  });

  it('fails the requests a crashed worker held, then serves again', async () => {
    const runner = await ModelRunner.load(credit, { pool: { entry: CRASHING_WORKER } });
    try {
      const crash = creditRequest(1, 1);
      (crash.find((t) => t.name === 'employment')!.data as string[])[0] = CRASH_VALUE;
      // Submitted together, so they share the batch the worker dies on.
      const settled = await Promise.allSettled([
        runner.infer(creditRequest(2, 2)),
        runner.infer(crash),
        runner.infer(creditRequest(1, 3)),
      ]);
      for (const s of settled) {
        expect((s as PromiseRejectedResult).reason).toBeInstanceOf(InferenceFailedError);
      }
      await waitFor('the worker replaced', () => runner.stats().workers.ready === 1);
      await expect(runner.infer(creditRequest(2, 4))).resolves.toHaveLength(2);
      expect(runner.stats().rejected.failed).toBe(3);
    } finally {
      await runner.close();
    }
  });
});
