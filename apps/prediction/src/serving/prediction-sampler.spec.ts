import type { EventPublisher } from '@keelson/messaging';
import { PredictionSampler } from './prediction-sampler';

describe('PredictionSampler', () => {
  const tensor = {
    name: 'x',
    datatype: 'INT64' as const,
    shape: [2],
    data: BigInt64Array.from([1n, 2n ** 60n]),
  };

  it('publishes the sampled share, with bigints made JSON-safe', () => {
    const published: unknown[] = [];
    const publisher = {
      publish: (_d: unknown, data: unknown) => (published.push(data), Promise.resolve()),
    };
    const draws = [0.05, 0.5];
    const sampler = new PredictionSampler(publisher as unknown as EventPublisher, 'n1', 0.1, () =>
      draws.shift()!,
    );
    sampler.offer('m', 3, [tensor], [tensor], 1.5);
    sampler.offer('m', 3, [tensor], [tensor], 1.5);
    expect(published).toEqual([
      {
        model: 'm',
        version: 3,
        nodeId: 'n1',
        inputs: { x: [1, '1152921504606846976'] },
        outputs: { x: [1, '1152921504606846976'] },
        latencyMs: 1.5,
      },
    ]);
  });

  it('never fails the answer when publishing fails', async () => {
    const publisher = { publish: () => Promise.reject(new Error('NATS down')) };
    const sampler = new PredictionSampler(publisher as unknown as EventPublisher, 'n1', 1, () => 0);
    expect(() => sampler.offer('m', 1, [tensor], [tensor], 1)).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
  });
});
