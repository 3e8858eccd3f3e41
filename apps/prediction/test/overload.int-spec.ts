/**
 * @jest-environment <rootDir>/../../tools/test/onnxruntime-environment.js
 */
import { connectNats } from '@keelson/messaging';
import { publishTestModel, testInfra, uniqueId } from '@keelson/testing';
import { churnInputs, predictionFixture, type PredictionFixture } from './prediction-fixture';

describe('a prediction node past its queue', () => {
  let f: PredictionFixture;
  const model = `m_${uniqueId()}`;
  beforeAll(async () => {
    const setup = await connectNats({ url: testInfra.natsUrl, name: 'overload-setup' });
    await publishTestModel(setup.js, model, { production: 1 });
    await setup.drain();
    // One row per batch and two waiting requests at most: a burst must overflow.
    f = await predictionFixture({
      PREDICTION_MODELS: model,
      PREDICTION_MAX_BATCH_SIZE: '1',
      PREDICTION_MAX_QUEUE_SIZE: '2',
    });
  });
  afterAll(() => f?.close());

  it('answers 429 at once instead of queueing without bound, and serves normally afterwards', async () => {
    const body = { inputs: churnInputs([{ tenure: 1, spend: 2, plan: 'pro' }]) };
    const started = performance.now();
    const burst = await Promise.all(
      Array.from({ length: 300 }, () => f.call('POST', `/v2/models/${model}/infer`, { body })),
    );
    const statuses = burst.map((r) => r.status);
    const refused = burst.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(refused[0].body.error).toMatch(/queue is full/);
    expect(performance.now() - started).toBeLessThan(20_000);

    const after = await f.call('POST', `/v2/models/${model}/infer`, { body });
    expect(after.status).toBe(200);
    expect((await f.call('GET', '/v2/health/ready')).status).toBe(200);
  });
});
