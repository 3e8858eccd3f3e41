import { EventPublisher } from '@keelson/messaging';
import { SimulatedPool } from '@keelson/testing';
import { monitoringFixture, type MonitoringFixture } from './monitoring-fixture';

describe('capacity forecasts (real NATS and FerretDB, simulated nodes)', () => {
  let f: MonitoringFixture;
  let pool: SimulatedPool;
  let ramp: NodeJS.Timeout | undefined;
  beforeAll(async () => {
    f = await monitoringFixture({
      MONITORING_CAPACITY_HORIZON: '20s',
      MONITORING_BACKLOG_POLL: '200ms',
    });
    pool = new SimulatedPool(
      new EventPublisher(f.messaging.js, 'test/pool'),
      ['a', 'b'].map((n) => `${f.prefix}${n}`),
      `${f.prefix}model`,
    );
    pool.start();
  });
  afterAll(async () => {
    clearInterval(ramp);
    pool?.stop();
    await f?.close();
  });

  it('raises capacity.forecast before a filling queue overflows, with the forecast', async () => {
    const [a] = pool.nodeIds;
    // The queue fills at 10 requests a second: 512 would be reached in about 50 s.
    const started = Date.now();
    ramp = setInterval(
      () => pool.set(a, { queueDepth: Math.min(512, Math.round((Date.now() - started) / 100)) }),
      100,
    );
    const alert = await f.waitForEvent(
      'capacity.forecast',
      (e) => e.kind === 'capacity.forecast' && e.target === `node:${a}:queue`,
      45_000,
    );
    const depthAtAlert = Math.round((Date.now() - started) / 100);
    expect(depthAtAlert).toBeLessThan(512); // forecast, not observed
    expect(alert.evidence).toMatchObject({
      limit: 1,
      horizonMs: 20_000,
      etaMs: expect.any(Number),
      points: expect.any(Array),
    });
    expect(alert.evidence.etaMs as number).toBeLessThanOrEqual(20_000);
    expect(f.events.some((e) => e.target === `node:${pool.nodeIds[1]}:queue`)).toBe(false);
  }, 60_000);
});
