import { EventPublisher } from '@keelson/messaging';
import { CATALOGUE } from '@keelson/schemas';
import { SimulatedPool, waitFor } from '@keelson/testing';
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

  it("exports each durable consumer's pending and ack-pending counts as JetStream has them", async () => {
    /** `stream/consumer` -> [pending, ack pending], from one scrape of /metrics. */
    const scrape = async () => {
      const text = (await f.call('GET', '/metrics', { key: null })).body as string;
      const exported = new Map<string, number[]>();
      const series =
        /^keelson_monitoring_consumer_(pending|ack_pending)\{stream="([^"]+)",consumer="([^"]+)"\} (\S+)$/gm;
      for (const [, kind, stream, consumer, value] of text.matchAll(series)) {
        const pair = exported.get(`${stream}/${consumer}`) ?? [NaN, NaN];
        pair[kind === 'pending' ? 0 : 1] = Number(value);
        exported.set(`${stream}/${consumer}`, pair);
      }
      return exported;
    };
    // Other suites share this NATS server and move the counts: a scrape is compared with the
    // consumer info read right after it until the two agree (the gauges lag by one poll).
    await waitFor(
      'the backlog gauges to show what JetStream says',
      async () => {
        const exported = await scrape();
        for (const c of CATALOGUE.consumers) {
          const info = await f.messaging.jsm.consumers.info(c.stream, c.durable);
          const [pending, ackPending] = exported.get(`${c.stream}/${c.durable}`) ?? [];
          if (pending !== info.num_pending || ackPending !== info.num_ack_pending)
            throw new Error(
              `${c.stream}/${c.durable}: exported ${pending}/${ackPending}, JetStream ${info.num_pending}/${info.num_ack_pending}`,
            );
        }
        return exported.size === CATALOGUE.consumers.length;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  });
});
