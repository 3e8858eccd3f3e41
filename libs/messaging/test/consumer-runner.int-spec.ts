import { connectMongo, ProcessedEventRepository } from '@keelson/persistence';
import { waitFor, testInfra, uniqueId } from '@keelson/testing';
import type { CloudEvent } from '@keelson/schemas';
import { TerminalError, type MessageContext } from '../src/handlers';
import { encodeJson } from '../src/codec';
import { messagingFixture, type MessagingFixture } from './fixture';

type Ping = CloudEvent<{ n: number; note?: string }>;

describe('consumer runner against a real JetStream server', () => {
  let f: MessagingFixture;
  afterEach(() => f?.cleanup());

  it('round-trips validated events and acknowledges them', async () => {
    f = await messagingFixture();
    const seen: Ping[] = [];
    await f.runner(async (e: Ping) => void seen.push(e)).start();
    for (const n of [1, 2, 3]) await f.publisher.publish(f.Ping, { n }, { subject: 'ping' });

    await waitFor('3 events handled', () => seen.length === 3);
    expect(seen.map((e) => e.data.n).sort()).toEqual([1, 2, 3]);
    expect(seen[0]).toMatchObject({
      specversion: '1.0',
      type: 'keelson.test.ping',
      source: 'test/int',
      subject: 'ping',
    });
    await waitFor(
      'no unacknowledged messages',
      async () => (await f.consumerInfo()).num_ack_pending === 0,
    );
  });

  it('drops a duplicate publish inside the duplicate window', async () => {
    f = await messagingFixture();
    const first = await f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping' });
    const again = await f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping', id: first.id });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await f.messaging.jsm.streams.info(f.stream.name)).state.messages).toBe(1);
  });

  it('redelivers a failing handler with growing delays and applies its effect once', async () => {
    f = await messagingFixture({ maxDeliver: 5, retryBackoffMs: [300, 600] });
    const deliveries: Array<{ count: number; at: number }> = [];
    const effects = new Map<string, number>();
    await f
      .runner(async (e: Ping, ctx) => {
        deliveries.push({ count: ctx.deliveryCount, at: Date.now() });
        if (ctx.deliveryCount < 3) throw new Error(`transient failure ${ctx.deliveryCount}`);
        effects.set(e.id, (effects.get(e.id) ?? 0) + 1);
      })
      .start();
    const { id } = await f.publisher.publish(f.Ping, { n: 7 }, { subject: 'ping' });

    await waitFor('the third delivery to succeed', () => effects.size === 1);
    await waitFor(
      'the message to be acknowledged',
      async () => (await f.consumerInfo()).num_ack_pending === 0,
    );
    expect(deliveries.map((d) => d.count)).toEqual([1, 2, 3]);
    // nak(delay) holds each redelivery back at least as long as the backoff list says.
    expect(deliveries[1].at - deliveries[0].at).toBeGreaterThanOrEqual(290);
    expect(deliveries[2].at - deliveries[1].at).toBeGreaterThanOrEqual(590);
    expect([...effects]).toEqual([[id, 1]]);
    expect(await f.deadLettersOf()).toEqual([]);
  });

  it('dead-letters a message that always fails exactly once, with its error and original headers', async () => {
    f = await messagingFixture({ maxDeliver: 3, retryBackoffMs: [100] });
    let calls = 0;
    await f
      .runner(async () => {
        calls++;
        throw new Error('database said no');
      })
      .start();
    const published = await f.publisher.publish(
      f.Ping,
      { n: 42 },
      { subject: 'ping', headers: { 'x-tenant': 'acme' } },
    );

    const [entry, ...others] = await waitFor('a dead letter', async () => {
      const entries = await f.deadLettersOf();
      return entries.length > 0 ? entries : undefined;
    });
    await waitFor('the message to leave the consumer', async () => {
      const info = await f.consumerInfo();
      return info.num_ack_pending === 0 && info.num_pending === 0;
    });
    expect(others).toEqual([]);
    expect(calls).toBe(3);
    expect(entry.type).toBe('keelson.dlq.entry');
    expect(entry.data).toMatchObject({
      reason: 'handler-failed',
      failure: 'exhausted',
      stream: f.stream.name,
      consumer: 'worker',
      originalSubject: f.subject,
      streamSequence: published.seq,
      deliveryCount: 3,
      error: 'database said no',
      eventId: published.id,
    });
    expect(entry.data.headers['Nats-Msg-Id']).toEqual([published.id]);
    expect(entry.data.headers['x-tenant']).toEqual(['acme']);
    const original = JSON.parse(Buffer.from(entry.data.payloadBase64, 'base64').toString());
    expect(original).toMatchObject({ id: published.id, data: { n: 42 } });
    // Terminated, not left for redelivery: a later look finds the same single entry.
    expect(await f.deadLettersOf()).toHaveLength(1);
  });

  it('keeps a payload too large to copy in the dlq-payloads store, whole', async () => {
    f = await messagingFixture({ maxDeliver: 5 });
    await f
      .runner(async () => {
        throw new TerminalError('too big to handle');
      })
      .start();
    const published = await f.publisher.publish(
      f.Ping,
      { n: 1, note: 'x'.repeat(600_000) },
      { subject: 'ping' },
    );
    const [entry] = await waitFor('a dead letter', async () => {
      const entries = await f.deadLettersOf();
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry.data).toMatchObject({
      payloadBase64: '',
      payloadObject: entry.id,
      streamSequence: published.seq,
      stream: f.stream.name,
    });
    expect(entry.data.payloadBytes).toBeGreaterThan(600_000);
    // Replayable for as long as the DLQ keeps the entry, whatever the source stream forgets.
    const stored = await f.payloads.getBlob(entry.id);
    expect(stored?.length).toBe(entry.data.payloadBytes);
    expect(JSON.parse(new TextDecoder().decode(stored!))).toMatchObject({ id: published.id });
  });

  it('dead-letters at once on a TerminalError', async () => {
    f = await messagingFixture({ maxDeliver: 5 });
    let calls = 0;
    await f
      .runner(async () => {
        calls++;
        throw new TerminalError('model 9 does not exist');
      })
      .start();
    await f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping' });
    const entries = await waitFor('a dead letter', async () =>
      (await f.deadLettersOf()).length === 1 ? f.deadLettersOf() : undefined,
    );
    expect(calls).toBe(1);
    expect(entries[0].data).toMatchObject({
      reason: 'handler-failed',
      failure: 'terminal',
      deliveryCount: 1,
      error: 'model 9 does not exist',
    });
  });

  it('rejects invalid events with their reasons and keeps serving', async () => {
    f = await messagingFixture();
    const seen: Ping[] = [];
    await f.runner(async (e: Ping) => void seen.push(e)).start();
    await f.publisher.publishRaw(
      f.subject,
      new TextEncoder().encode('{not json'),
      'raw-1',
      'garbage',
    );
    const badEnvelope = {
      specversion: '1.0',
      id: '0193b3c2-7a5e-7c3d-8f00-1234567890ab',
      source: 's',
      type: 'keelson.test.ping',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { n: 'seven' },
    };
    await f.publisher.publishRaw(
      f.subject,
      encodeJson(badEnvelope),
      badEnvelope.id,
      badEnvelope.type,
    );
    await f.publisher.publish(f.Ping, { n: 8 }, { subject: 'ping' });

    await waitFor('the valid event to be handled', () => seen.length === 1);
    const entries = await waitFor('two rejections', async () => {
      const e = await f.deadLettersOf();
      return e.length === 2 ? e : undefined;
    });
    expect(seen[0].data.n).toBe(8);
    expect(entries.map((e) => e.data.reason)).toEqual(['invalid-event', 'invalid-event']);
    expect(entries[0].data.error).toMatch(/payload is not JSON/);
    expect(entries[1].data.error).toMatch(/\/data\/n: Expected integer/);
    expect(entries[1].data.deliveryCount).toBe(1);
  });

  it('keeps a slow handler alive with working() past its ack wait, so it runs once', async () => {
    f = await messagingFixture({ ackWaitMs: 1_000 });
    const deliveries: number[] = [];
    let done = false;
    await f
      .runner(async (_e: Ping, ctx) => {
        deliveries.push(ctx.deliveryCount);
        // Three ack waits long: without heartbeats JetStream would redeliver twice meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        done = true;
      })
      .start();
    await f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping' });
    await waitFor('the slow handler to finish', () => done);
    await waitFor('the ack', async () => (await f.consumerInfo()).num_ack_pending === 0);
    expect(deliveries).toEqual([1]);
    expect((await f.consumerInfo()).num_redelivered).toBe(0);
  });

  it('loses nothing and doubles nothing across a consumer restart mid-stream (unique index)', async () => {
    f = await messagingFixture({ maxDeliver: 5, retryBackoffMs: [100] });
    const connection = await connectMongo({ url: testInfra.mongoUrl });
    const ledger = new ProcessedEventRepository(connection);
    await ledger.ensureIndexes();
    const consumerKey = `restart-${uniqueId()}`;
    try {
      const ids: string[] = [];
      for (let n = 0; n < 300; n++)
        ids.push((await f.publisher.publish(f.Ping, { n }, { subject: 'ping' })).id);

      let handled = 0;
      const handler = async (e: Ping, ctx: MessageContext) => {
        await ledger.markProcessed(consumerKey, e.id);
        handled++;
        // Every 25th event "crashes" after its write but before its ack, once: the redelivery
        // must not produce a second row.
        if (e.data.n % 25 === 0 && ctx.deliveryCount === 1) throw new Error('lost the ack');
      };
      const first = f.runner(handler, 4);
      await first.start();
      await waitFor('the first runner to make progress', () => handled >= 100);
      await first.stop();

      await f.runner(handler, 4).start();
      await waitFor(
        'all 300 events stored',
        async () => (await ledger.countFor(consumerKey)) === 300,
        { timeoutMs: 40_000 },
      );
      await waitFor('everything acknowledged', async () => {
        const info = await f.consumerInfo();
        return info.num_ack_pending === 0 && info.num_pending === 0;
      });
      expect(await ledger.countFor(consumerKey)).toBe(300);
      expect(handled).toBeGreaterThan(300); // the lost acks really were redelivered and re-written
      for (const id of [ids[0], ids[150], ids[299]])
        expect(await ledger.wasProcessed(consumerKey, id)).toBe(true);
      expect(await f.deadLettersOf()).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
