import { buildDriftReference } from '@keelson/detection';
import { EventPublisher } from '@keelson/messaging';
import { createRandom } from '@keelson/ml';
import { ModelRegistered, PredictionSampled, type PredictionSample } from '@keelson/schemas';
import { monitoringFixture, type MonitoringFixture } from './monitoring-fixture';
import { SimulatedPool, waitFor } from '@keelson/testing';

/** Rows like the credit data's: a skewed income, an age, a purpose. */
function rows(count: number, seed: number, incomeFactor = 1) {
  const random = createRandom(seed);
  const purposes = ['car', 'home', 'education', 'business'];
  return Array.from({ length: count }, () => ({
    income: Math.exp(10 + 0.5 * random.normal()) * incomeFactor,
    age: 40 + 10 * random.normal(),
    purpose: purposes[random.below(4)],
  }));
}

function sample(batch: ReturnType<typeof rows>): PredictionSample {
  const n = batch.length;
  return {
    at: new Date().toISOString(),
    latencyMs: 1,
    inputs: [
      { name: 'income', datatype: 'FP64', shape: [n, 1], data: batch.map((r) => r.income) },
      { name: 'age', datatype: 'FP64', shape: [n, 1], data: batch.map((r) => r.age) },
      { name: 'purpose', datatype: 'BYTES', shape: [n, 1], data: batch.map((r) => r.purpose) },
    ],
    outputs: [
      {
        name: 'probabilities',
        datatype: 'FP32',
        shape: [n, 2],
        data: batch.flatMap((r) => [1 - r.age / 100, r.age / 100]),
      },
    ],
  };
}

describe('drift and SLO burn (real NATS and FerretDB)', () => {
  let f: MonitoringFixture;
  let publisher: EventPublisher;
  beforeAll(async () => {
    f = await monitoringFixture();
    publisher = new EventPublisher(f.messaging.js, 'test/drift');
  });
  afterAll(() => f?.close());

  it("names the shifted feature when live inputs leave the training data's distribution", async () => {
    const model = `${f.prefix}credit`;
    const training = rows(5_000, 1);
    const reference = buildDriftReference({
      features: {
        income: { kind: 'number', values: training.map((r) => r.income) },
        age: { kind: 'number', values: training.map((r) => r.age) },
        purpose: { kind: 'category', values: training.map((r) => r.purpose) },
      },
      scores: { output: 'probabilities', column: 1, values: training.map((r) => r.age / 100) },
    });
    await publisher.publish(ModelRegistered, {
      model,
      version: 1,
      metrics: { auc: 0.8 },
      artifact: { sha256: 'a'.repeat(64), sizeBytes: 100 },
      stage: 'registered',
      reference,
    });
    await waitFor(
      'monitoring to learn the reference',
      async () => (await f.call('GET', `/v1/drift/${model}`)).status === 200,
    );

    const send = async (batch: ReturnType<typeof rows>) => {
      for (let i = 0; i < batch.length; i += 20)
        await publisher.publish(
          PredictionSampled,
          {
            model,
            version: 1,
            nodeId: 'n1',
            samples: [sample(batch.slice(i, i + 20))],
            droppedSinceStart: 0,
          },
          { subject: model },
        );
    };
    await send(rows(300, 2));
    const clean = await waitFor('an in-distribution verdict', async () => {
      const { body } = await f.call('GET', `/v1/drift/${model}`);
      return body.versions[0].latest;
    });
    expect(clean.verdict).toBe('ok');
    expect(clean.features.every((x: { psi: number }) => x.psi < 0.1)).toBe(true);

    await send(rows(300, 3, 1.6));
    const alert = await f.waitForEvent(
      'alert.drift',
      (e) => e.kind === 'drift' && e.target === `${model}@1`,
    );
    expect(alert).toMatchObject({ state: 'firing', severity: 'critical' });
    expect(alert.message).toContain('income');
    expect(alert.message).not.toContain('purpose');
    const { body } = await f.call('GET', `/v1/drift/${model}`);
    const latest = body.versions[0].latest;
    expect(latest.drifted.map((d: { feature: string }) => d.feature)).toEqual(['income']);
    expect(latest.datasetDrift).toBe(false);
    expect(
      await f.metric('keelson_monitoring_drift_psi', { model, feature: 'income' }),
    ).toBeGreaterThan(0.25);
  });

  it('pages when the gateway burns the availability budget, and clears when it stops', async () => {
    const pool = new SimulatedPool(
      new EventPublisher(f.messaging.js, 'test/pool'),
      [`${f.prefix}n1`],
      `${f.prefix}m`,
    );
    pool.start();
    try {
      const target = `${f.prefix}m:availability`;
      await waitFor('the SLO to be tracked', async () =>
        ((await f.call('GET', '/v1/slos')).body.slos as Array<{ model: string }>).some(
          (s) => s.model === `${f.prefix}m`,
        ),
      );
      expect(f.events.some((e) => e.kind === 'slo.burn')).toBe(false);
      pool.gatewayErrorRate = 0.5;
      const page = await f.waitForEvent(
        'slo.burn',
        (e) => e.kind === 'slo.burn' && e.target === target,
      );
      expect(page).toMatchObject({ state: 'firing', severity: 'critical' });
      expect(page.reasons[0]).toContain('14.4x over 1h and 5m');
      pool.gatewayErrorRate = 0;
      // The pages' short windows clear first; the ticket (1x over 3 d and 6 h, scaled to 259 s and
      // 22 s) keeps the alert open, at warning, until its 6 h window has forgotten the errors.
      await f.waitForEvent(
        'the alert to resolve',
        (e) => e.target === target && e.state === 'resolved',
        60_000,
      );
      expect(
        f.events.filter((e) => e.target === target).map((e) => `${e.state}:${e.severity}`),
      ).toEqual(['firing:critical', 'firing:warning', 'resolved:warning']);
      const latency = (
        (await f.call('GET', '/v1/slos')).body.slos as Array<{
          model: string;
          slo: string;
          firing: unknown[];
        }>
      ).find((s) => s.model === `${f.prefix}m` && s.slo === 'latency');
      expect(latency?.firing).toEqual([]);
    } finally {
      pool.stop();
    }
  });
});
