import type { Tensor } from '@keelson/inference';
import { waitFor } from '@keelson/testing';
import { churnInputsOf as churnInputs } from '@keelson/testing';
import { nodeProcessFixture, type NodeProcessFixture } from './node-process';

const rows = [
  { tenure: -2, spend: 1, plan: 'basic' },
  { tenure: null, spend: 0, plan: 'never-seen' },
  { tenure: 1.5, spend: -1, plan: null },
];
const tensors: Tensor[] = [
  { name: 'tenure', datatype: 'FP64', shape: [3, 1], data: Float64Array.from([-2, NaN, 1.5]) },
  { name: 'spend', datatype: 'FP64', shape: [3, 1], data: Float64Array.from([1, 0, -1]) },
  { name: 'plan', datatype: 'BYTES', shape: [3, 1], data: ['basic', 'never-seen', ''] },
];

interface Answer {
  /** When the request went out and when its answer came back (performance.now()). */
  sentAt: number;
  answeredAt: number;
  version: string;
}

describe('a prediction node process promoted to a new version under load', () => {
  let node: NodeProcessFixture;
  beforeAll(async () => {
    node = await nodeProcessFixture();
  });
  afterAll(() => node?.close());

  it('swaps without failing a request, over REST and gRPC, and never answers from the old version again', async () => {
    const answers: Answer[] = [];
    const failures: string[] = [];
    let running = true;
    const grpc = node.grpc();
    const infer = async (client: number): Promise<string> => {
      if (client % 4 === 3)
        return (await grpc.infer({ model: node.model, inputs: tensors })).version ?? '';
      const r = await node.call('POST', `/v2/models/${node.model}/infer`, {
        body: { inputs: churnInputs(rows) },
      });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body.model_version;
    };
    // Eight callers in a closed loop, two of them over gRPC.
    const clients = Array.from({ length: 8 }, async (_, c) => {
      while (running) {
        const sentAt = performance.now();
        try {
          const version = await infer(c);
          answers.push({ sentAt, answeredAt: performance.now(), version });
        } catch (error) {
          failures.push(`client ${c}: ${(error as Error).message}`);
          if (failures.length >= 20) running = false; // enough to see what went wrong
        }
      }
    });
    let promotedAt = 0;
    try {
      await waitFor('100 answers from version 1', () => answers.length >= 100);
      promotedAt = performance.now();
      await node.promote(2);
      await waitFor('version 2 to answer', () => answers.some((a) => a.version === '2'), {
        timeoutMs: 60_000,
      });
      const atSwap = answers.length;
      await waitFor('200 more answers after the swap', () => answers.length >= atSwap + 200, {
        timeoutMs: 60_000,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; failures: ${failures.join('\n')}`);
    } finally {
      running = false;
      await Promise.all(clients);
    }

    expect(failures).toEqual([]);
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(['1', '2']));
    expect(answers.filter((a) => a.sentAt < promotedAt && a.version !== '1')).toEqual([]);
    // Once one answer came from 2, the node had switched: a request sent after it must not get 1
    // (a request in flight at the switch may still finish on 1; that is the drain, not a flip).
    const firstFromTwo = Math.min(
      ...answers.filter((a) => a.version === '2').map((a) => a.answeredAt),
    );
    const late = answers.filter((a) => a.sentAt > firstFromTwo);
    expect(late.length).toBeGreaterThanOrEqual(100);
    expect(late.filter((a) => a.version !== '2')).toEqual([]);
    expect((await node.call('GET', `/v2/models/${node.model}`)).body.versions).toEqual(['2']);
  });
});
