import { Kvm } from '@nats-io/kv';
import { CATALOGUE } from '@keelson/schemas';
import { testInfra, testStream } from '@keelson/testing';
import { connectNats, type Messaging } from '../src/connection';
import { provision } from '../src/provisioning';

describe('provisioning from the catalogue', () => {
  let messaging: Messaging;
  beforeAll(async () => {
    messaging = await connectNats({ url: testInfra.natsUrl, name: 'provisioning-int-test' });
  });
  afterAll(() => messaging.drain());

  it('creates every stream, consumer and bucket of the catalogue, and a second run changes nothing', async () => {
    await provision(messaging.nc, messaging.jsm, CATALOGUE);
    const again = await provision(messaging.nc, messaging.jsm, CATALOGUE);
    expect(again.created).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(again.unchanged).toHaveLength(
      CATALOGUE.streams.length +
        CATALOGUE.consumers.length +
        CATALOGUE.kv.length +
        CATALOGUE.objectStores.length,
    );
    for (const spec of CATALOGUE.objectStores) {
      const info = await messaging.jsm.streams.info(`OBJ_${spec.bucket}`);
      expect(info.config.max_age).toBe(spec.ttlMs * 1e6);
    }

    for (const spec of CATALOGUE.streams) {
      const info = await messaging.jsm.streams.info(spec.name);
      expect(info.config.subjects).toEqual(spec.subjects);
      expect(info.config.duplicate_window).toBe(spec.duplicateWindowMs * 1e6);
    }
    for (const spec of CATALOGUE.consumers) {
      const info = await messaging.jsm.consumers.info(spec.stream, spec.durable);
      expect({
        durable: info.config.durable_name,
        maxDeliver: info.config.max_deliver,
        ack: info.config.ack_policy,
      }).toEqual({ durable: spec.durable, maxDeliver: spec.maxDeliver, ack: 'explicit' });
    }
    const kvm = new Kvm(messaging.nc);
    for (const spec of CATALOGUE.kv) {
      const status = await (await kvm.open(spec.bucket)).status();
      expect({ bucket: status.bucket, history: status.history, ttl: status.ttl }).toEqual({
        bucket: spec.bucket,
        history: spec.history,
        ttl: spec.ttlMs,
      });
    }
  });

  it('updates the configuration of existing streams and consumers in place, keeping their messages', async () => {
    const { stream, consumer } = testStream();
    try {
      await provision(messaging.nc, messaging.jsm, { streams: [stream], consumers: [consumer] });
      await messaging.js.publish(`${stream.subjects[0].replace('>', 'kept')}`, 'x');
      const report = await provision(messaging.nc, messaging.jsm, {
        streams: [
          { ...stream, maxAgeMs: 600_000, subjects: [...stream.subjects, 'extra.subject'] },
        ],
        consumers: [{ ...consumer, maxDeliver: 9, ackWaitMs: 7_000 }],
      });
      expect(report.updated).toEqual([`stream ${stream.name}`, `consumer ${stream.name}/worker`]);
      const info = await messaging.jsm.streams.info(stream.name);
      expect(info.config.max_age).toBe(600_000 * 1e6);
      expect(info.config.subjects).toContain('extra.subject');
      expect(info.state.messages).toBe(1);
      const c = await messaging.jsm.consumers.info(stream.name, 'worker');
      expect([c.config.max_deliver, c.config.ack_wait]).toEqual([9, 7_000 * 1e6]);
    } finally {
      await messaging.jsm.streams.delete(stream.name);
    }
  });

  it('lets two services provision the same streams at the same time', async () => {
    const { stream, consumer } = testStream();
    try {
      const other = await connectNats({ url: testInfra.natsUrl, name: 'provisioning-int-test-2' });
      const reports = await Promise.all([
        provision(messaging.nc, messaging.jsm, { streams: [stream], consumers: [consumer] }),
        provision(other.nc, other.jsm, { streams: [stream], consumers: [consumer] }),
      ]);
      await other.drain();
      // Whichever loses the race sees "already in use" or an existing stream; both must succeed.
      for (const report of reports)
        expect([...report.created, ...report.unchanged]).toContain(`stream ${stream.name}`);
      expect((await messaging.jsm.streams.info(stream.name)).config.name).toBe(stream.name);
    } finally {
      await messaging.jsm.streams.delete(stream.name);
    }
  });
});
