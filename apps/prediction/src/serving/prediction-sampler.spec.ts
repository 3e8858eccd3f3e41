import type { EventPublisher } from '@keelson/messaging';
import { numberToHalf } from '@keelson/inference';
import { PredictionSampler, sampledTensor, type SamplerOptions } from './prediction-sampler';

const tensor = {
  name: 'x',
  datatype: 'INT64' as const,
  shape: [2, 1],
  data: BigInt64Array.from([1n, 2n ** 60n]),
};

function publisherThat(result: () => Promise<unknown>) {
  const published: Array<{ data: unknown; options: unknown }> = [];
  const publisher = {
    publish: (_d: unknown, data: unknown, options: unknown) => {
      published.push({ data, options });
      return result();
    },
  };
  return { publisher: publisher as unknown as EventPublisher, published };
}

const options = (overrides: Partial<SamplerOptions> = {}): SamplerOptions => ({
  rate: 1,
  flushMs: 60_000,
  maxBatch: 100,
  maxPending: 100,
  ...overrides,
});

describe('sampledTensor', () => {
  it('keeps name, datatype and shape, and makes values JSON-safe', () => {
    expect(sampledTensor(tensor)).toEqual({
      name: 'x',
      datatype: 'INT64',
      shape: [2, 1],
      data: [1, '1152921504606846976'],
    });
    expect(
      sampledTensor({
        name: 'h',
        datatype: 'FP16',
        shape: [1],
        data: Uint16Array.of(numberToHalf(1.5)),
      }),
    ).toMatchObject({ datatype: 'FP16', data: [1.5] });
    expect(
      sampledTensor({ name: 'b', datatype: 'BOOL', shape: [2], data: Uint8Array.of(1, 0) }),
    ).toMatchObject({ data: [true, false] });
    expect(
      sampledTensor({
        name: 'f',
        datatype: 'FP64',
        shape: [3],
        data: Float64Array.of(1, NaN, Infinity),
      }),
    ).toMatchObject({ data: [1, null, null] });
  });
});

describe('PredictionSampler', () => {
  it('samples the configured share and sends them together per version', async () => {
    const { publisher, published } = publisherThat(() => Promise.resolve());
    const draws = [0.05, 0.5, 0.01];
    const sampler = new PredictionSampler(publisher, 'n1', options({ rate: 0.1 }), undefined, () =>
      draws.shift()!,
    );
    sampler.offer('m', 3, [tensor], [tensor], 1.5);
    sampler.offer('m', 3, [tensor], [tensor], 2);
    sampler.offer('m', 3, [tensor], [tensor], 2.5);
    await sampler.stop();
    expect(published).toHaveLength(1);
    expect(published[0].data).toMatchObject({
      model: 'm',
      version: 3,
      nodeId: 'n1',
      droppedSinceStart: 0,
      samples: [{ latencyMs: 1.5 }, { latencyMs: 2.5 }],
    });
    expect(published[0].options).toEqual({ subject: 'm' });
    expect(sampler.published).toBe(2);
  });

  it('sends a full batch at once', () => {
    const { publisher, published } = publisherThat(() => Promise.resolve());
    const sampler = new PredictionSampler(publisher, 'n1', options({ maxBatch: 2 }));
    sampler.offer('m', 1, [tensor], [tensor], 1);
    expect(published).toHaveLength(0);
    sampler.offer('m', 1, [tensor], [tensor], 1);
    expect(published).toHaveLength(1);
  });

  it('counts what it cannot send: a full buffer, or a failed publish', async () => {
    const { publisher } = publisherThat(() => Promise.reject(new Error('NATS down')));
    const counted: string[] = [];
    const sampler = new PredictionSampler(publisher, 'n1', options({ maxPending: 2 }), (r, n) =>
      counted.push(`${r}:${n}`),
    );
    for (let i = 0; i < 3; i++) sampler.offer('m', 1, [tensor], [tensor], 1);
    expect(sampler.dropped).toBe(1); // the third found the buffer full
    await sampler.stop();
    expect(sampler.dropped).toBe(3);
    expect(sampler.published).toBe(0);
    expect(counted).toEqual(['dropped:1', 'dropped:2']);
  });
});
