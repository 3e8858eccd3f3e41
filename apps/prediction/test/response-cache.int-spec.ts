import { churnInputsOf, waitFor } from '@keelson/testing';
import { nodeProcessFixture, type NodeProcessFixture } from './node-process';

// The response cache on a node process, promoted under load with the same request over and over:
// every answer must be the one its version computes, so a promotion never serves a stale answer.

const body = { inputs: churnInputsOf([{ tenure: 12.5, spend: 30, plan: 'pro' }]) };

interface Answer {
  sentAt: number;
  answeredAt: number;
  version: string;
  score: number;
}

const lookups = async (node: NodeProcessFixture) => {
  const text = String((await node.call('GET', '/metrics')).body);
  const count = (result: string) =>
    Number(
      new RegExp(
        `^keelson_inference_cache_lookups_total\\{model="${node.model}",result="${result}"\\} (\\d+)`,
        'm',
      ).exec(text)?.[1] ?? 0,
    );
  return { hits: count('hit'), misses: count('miss') };
};

describe('a prediction node with its response cache on, promoted under load', () => {
  let node: NodeProcessFixture;
  beforeAll(async () => {
    node = await nodeProcessFixture({ PREDICTION_CACHE_MODELS: '*' });
  });
  afterAll(() => node?.close());

  it('answers repeats from memory and never serves the old version after a promotion', async () => {
    const answers: Answer[] = [];
    const failures: string[] = [];
    let running = true;
    const clients = Array.from({ length: 6 }, async () => {
      while (running) {
        const sentAt = performance.now();
        const r = await node.call('POST', `/v2/models/${node.model}/infer`, { body });
        if (r.status !== 200) {
          failures.push(`HTTP ${r.status}: ${JSON.stringify(r.body)}`);
          if (failures.length >= 20) running = false;
          continue;
        }
        const score = Number(r.body.outputs[0].data[0]);
        answers.push({
          sentAt,
          answeredAt: performance.now(),
          version: r.body.model_version,
          score,
        });
      }
    });
    let promotedAt = 0;
    try {
      await waitFor('200 answers from version 1', () => answers.length >= 200);
      const before = await lookups(node);
      promotedAt = performance.now();
      await node.promote(2);
      await waitFor('version 2 to answer', () => answers.some((a) => a.version === '2'), {
        timeoutMs: 60_000,
      });
      const atSwap = answers.length;
      await waitFor('200 more answers after the swap', () => answers.length >= atSwap + 200, {
        timeoutMs: 60_000,
      });
      running = false;
      await Promise.all(clients);
      const after = await lookups(node);

      expect(failures).toEqual([]);
      // Repeats came from memory: one inference per version, every other call a hit.
      expect(before.hits).toBeGreaterThanOrEqual(150);
      expect(after.misses).toBeLessThanOrEqual(before.misses + 12);
      expect(after.hits - before.hits).toBeGreaterThanOrEqual(150);
    } finally {
      running = false;
      await Promise.all(clients);
    }

    // One answer per version, whatever served it: the first of each was inferred, the rest hits.
    const scoreOf = (version: string) =>
      new Set(answers.filter((a) => a.version === version).map((a) => a.score));
    expect([...scoreOf('1')]).toHaveLength(1);
    expect([...scoreOf('2')]).toHaveLength(1);
    expect([...scoreOf('1')][0]).not.toBeCloseTo([...scoreOf('2')][0], 6); // so staleness would show
    expect(answers.filter((a) => a.sentAt < promotedAt && a.version !== '1')).toEqual([]);
    // Once version 2 answered, a request sent after it never gets version 1's answer.
    const firstFromTwo = Math.min(
      ...answers.filter((a) => a.version === '2').map((a) => a.answeredAt),
    );
    const late = answers.filter((a) => a.sentAt > firstFromTwo);
    expect(late.length).toBeGreaterThanOrEqual(100);
    expect(late.filter((a) => a.version !== '2' || !scoreOf('2').has(a.score))).toEqual([]);
  });
});
