/**
 * Outputs come back from worker threads with the main realm's typed arrays.
 * @jest-environment <rootDir>/../../tools/test/onnxruntime-environment.js
 */
import { performance } from 'node:perf_hooks';
import { ModelRunner } from './model-runner';
import type { Tensor } from '../protocol/tensor';
import { sampleData } from './testing/sample-data';
import {
  creditModel,
  creditRequest,
  IDENTITY_DATATYPES,
  identityModel,
} from './testing/test-models';

jest.setTimeout(60_000);

const credit = creditModel();

/** Milliseconds one request takes end to end. */
async function timed(runner: ModelRunner, rows = 1): Promise<number> {
  const started = performance.now();
  await runner.infer(creditRequest(rows, 1));
  return performance.now() - started;
}

describe('DynamicBatcher policy (through ModelRunner)', () => {
  it('batches requests of every datatype and hands each its own rows back', async () => {
    const runner = await ModelRunner.load(identityModel());
    try {
      const rowCounts = [1, 4, 2, 1, 3];
      const requests = rowCounts.map((rows, seed): Tensor[] =>
        IDENTITY_DATATYPES.map((datatype) => ({
          name: `in_${datatype}`,
          datatype,
          shape: [rows, 2],
          data: sampleData(datatype, rows * 2, seed),
        })),
      );
      const before = runner.stats().batches;
      const answers = await Promise.all(requests.map((r) => runner.infer(r)));
      expect(runner.stats().batches - before).toBeLessThan(requests.length);
      answers.forEach((outputs, i) => {
        outputs.forEach((output, k) => {
          expect(output.shape).toEqual([rowCounts[i], 2]);
          expect(Array.from(output.data as ArrayLike<unknown>)).toEqual(
            Array.from(requests[i][k].data as ArrayLike<unknown>),
          );
        });
      });
    } finally {
      await runner.close();
    }
  });

  it('caps batches at maxBatchSize rows and runs a larger request alone', async () => {
    const runner = await ModelRunner.load(credit, { batching: { maxBatchSize: 8 } });
    try {
      let before = runner.stats();
      await Promise.all(Array.from({ length: 64 }, (_, i) => runner.infer(creditRequest(1, i))));
      let after = runner.stats();
      const batches = after.batches - before.batches;
      expect(batches).toBeGreaterThanOrEqual(8);
      expect(batches).toBeLessThan(64);

      before = after;
      const [big, small] = await Promise.all([
        runner.infer(creditRequest(20, 1)),
        runner.infer(creditRequest(1, 2)),
      ]);
      after = runner.stats();
      expect(big[0].shape).toEqual([20, 2]);
      expect(small[0].shape).toEqual([1, 2]);
      expect(after.batches - before.batches).toBe(2);
    } finally {
      await runner.close();
    }
  });

  it("sends a lone request at once to an idle worker, where Triton's rule waits the delay", async () => {
    const delayMs = 100;
    const options = (idleDispatch: 'immediate' | 'delay') => ({
      batching: { idleDispatch, maxQueueDelayUs: delayMs * 1000, maxBatchSize: 8 },
    });
    const immediate = await ModelRunner.load(credit, options('immediate'));
    const delayed = await ModelRunner.load(credit, options('delay'));
    try {
      expect(await timed(immediate)).toBeLessThan(delayMs);
      expect(await timed(delayed)).toBeGreaterThanOrEqual(delayMs - 1);
      // A full batch (maxBatchSize rows) does not wait.
      expect(await timed(delayed, 8)).toBeLessThan(delayMs);
    } finally {
      await Promise.all([immediate.close(), delayed.close()]);
    }
  });
});
