import { churnInputsOf as churnInputs } from '@keelson/testing';
import { nodeProcessFixture, type NodeProcessFixture } from './node-process';

describe('a prediction node process past its queue', () => {
  let node: NodeProcessFixture;
  beforeAll(async () => {
    // One worker, one row per batch and two waiting requests at most: a burst must overflow.
    node = await nodeProcessFixture({
      PREDICTION_WORKERS: '1',
      PREDICTION_MAX_BATCH_SIZE: '1',
      PREDICTION_MAX_QUEUE_SIZE: '2',
    });
  });
  afterAll(() => node?.close());

  it('answers 429 with the protocol error at once instead of queueing without bound, then serves normally', async () => {
    const body = { inputs: churnInputs([{ tenure: 1, spend: 2, plan: 'pro' }]) };
    const infer = () => node.call('POST', `/v2/models/${node.model}/infer`, { body });
    const started = performance.now();
    const burst = await Promise.all(Array.from({ length: 300 }, infer));
    const elapsed = performance.now() - started;

    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const refused = burst.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(burst.length); // it served what fitted, too
    for (const r of refused)
      expect(r.body).toEqual({ error: expect.stringMatching(/queue is full/) });
    // The burst is over in bounded time: no request waited on an unbounded queue.
    expect(elapsed).toBeLessThan(20_000);

    // The node recovers by itself: alive, ready and answering every request again.
    expect(node.running()).toBe(true);
    expect((await node.call('GET', '/v2/health/ready')).status).toBe(200);
    const after: number[] = [];
    for (let i = 0; i < 20; i++) after.push((await infer()).status);
    expect(after).toEqual(Array(20).fill(200));
  });
});
