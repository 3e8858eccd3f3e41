/**
 * Outputs come back from worker threads built with the main realm's typed arrays; this environment
 * gives the jest sandbox the same constructors, so they compare with the spec's own.
 * @jest-environment <rootDir>/../../tools/test/onnxruntime-environment.js
 */
import { waitFor } from '@keelson/testing';
import type { Tensor } from '../protocol/tensor';
import { InferenceFailedError, ModelLoadError, ModelUnavailableError } from './engine-errors';
import { CRASHING_WORKER, CRASH_VALUE } from './testing/faults';
import { sampleData } from './testing/sample-data';
import {
  creditModel,
  creditRequest,
  IDENTITY_DATATYPES,
  identityModel,
} from './testing/test-models';
import { WorkerPool } from './worker-pool';

jest.setTimeout(60_000);

const values = (t: Tensor) => Array.from(t.data as ArrayLike<unknown>);
const tag = (data: unknown) => Object.prototype.toString.call(data);

describe('WorkerPool', () => {
  it("reports the model's inputs and outputs as OIP metadata, -1 for the batch", async () => {
    const pool = await WorkerPool.start(creditModel());
    try {
      expect(pool.metadata.inputs).toEqual(
        expect.arrayContaining([
          { name: 'age', datatype: 'FP64', shape: [-1, 1] },
          { name: 'employment', datatype: 'BYTES', shape: [-1, 1] },
        ]),
      );
      expect(pool.metadata.outputs).toEqual([
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ]);
    } finally {
      await pool.close();
    }
  });

  it('carries every datatype to a worker and back, leaving the caller its arrays', async () => {
    const pool = await WorkerPool.start(identityModel());
    try {
      const inputs: Tensor[] = IDENTITY_DATATYPES.map((datatype, i) => ({
        name: `in_${datatype}`,
        datatype,
        shape: [3, 2],
        data: sampleData(datatype, 6, i),
      }));
      const outputs = await pool.run(inputs);
      expect(outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual(
        IDENTITY_DATATYPES.map((d) => [`out_${d}`, d, [3, 2]]),
      );
      outputs.forEach((output, i) => {
        expect(values(output)).toEqual(values(inputs[i]));
        // By tag: BYTES arrays come from the main realm, not the sandbox's.
        expect(tag(output.data)).toBe(tag(inputs[i].data));
      });
      // Not handed over: the caller's buffers are still attached.
      expect(inputs.every((t) => t.data.length === 6)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('refuses bytes that are not a model', async () => {
    await expect(WorkerPool.start(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(ModelLoadError);
  });

  it('fails the runs a crashed worker held, replaces it, and keeps serving', async () => {
    const pool = await WorkerPool.start(creditModel(), { entry: CRASHING_WORKER });
    try {
      const crash = creditRequest(2, 1);
      (crash.find((t) => t.name === 'employment')!.data as string[])[1] = CRASH_VALUE;
      // Sent back to back: the second is queued at the worker when the first ends its thread.
      const runs = [pool.run(crash), pool.run(creditRequest(3, 2))];
      const settled = await Promise.allSettled(runs);
      for (const s of settled) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toBeInstanceOf(InferenceFailedError);
        expect((s as PromiseRejectedResult).reason.message).toMatch(/worker exited \(code 70\)/);
      }

      await waitFor('a replacement worker', () => pool.readyWorkers === 1);
      const [probabilities] = await pool.run(creditRequest(4, 3));
      expect(probabilities.shape).toEqual([4, 2]);
    } finally {
      await pool.close();
    }
  });

  it('fails runs still in flight when closed, without hanging', async () => {
    const pool = await WorkerPool.start(creditModel());
    const running = expect(pool.run(creditRequest(50_000, 4))).rejects.toThrow(
      ModelUnavailableError,
    );
    await pool.close();
    await running;
    await expect(pool.run(creditRequest(1, 5))).rejects.toThrow(ModelUnavailableError);
  });
});
