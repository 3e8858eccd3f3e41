import type { Connection } from 'mongoose';
import { connectMongo, ProcessedEventRepository } from '@keelson/persistence';
import type { CloudEvent } from '@keelson/schemas';
import { uniqueId, waitFor } from '@keelson/testing';
import { MicroBatcher } from '../src/micro-batcher';
import { freezableDatabase } from './frozen-database';
import { messagingFixture, type MessagingFixture } from './fixture';

type Ping = CloudEvent<{ n: number }>;

// The handlers below write through a micro-batch to a database the test freezes with SIGSTOP.
describe('a handler stuck on a hung database (SIGSTOP)', () => {
  let db: Awaited<ReturnType<typeof freezableDatabase>>;
  let f: MessagingFixture;
  const connections: Connection[] = [];

  beforeAll(async () => {
    db = await freezableDatabase();
  });
  afterEach(async () => {
    db?.thaw();
    await f?.cleanup();
    await Promise.all(connections.splice(0).map((c) => c.close(true)));
  });
  afterAll(async () => {
    await db?.stop();
  });

  /**
   * A handler that records each delivery and stores the event id through a micro-batch, on a
   * connection whose driver waits two minutes before giving up: only the handler deadline can
   * free the message in these tests.
   */
  async function storingHandler() {
    const connection = await connectMongo({
      url: db.url('deadline'),
      timeouts: { socketMs: 120_000, connectMs: 120_000, waitQueueMs: 120_000 },
    });
    connections.push(connection);
    const ledger = new ProcessedEventRepository(connection);
    await ledger.ensureIndexes();
    const key = `deadline-${uniqueId()}`;
    const batcher = new MicroBatcher<string>(
      async (_key, ids) => void (await Promise.all(ids.map((id) => ledger.markProcessed(key, id)))),
      10,
      5,
    );
    const deliveries: number[] = [];
    const settled: number[] = [];
    const handle = async (e: Ping, ctx: { deliveryCount: number }) => {
      deliveries.push(ctx.deliveryCount);
      try {
        await batcher.add(key, e.id);
      } finally {
        settled.push(ctx.deliveryCount);
      }
    };
    return { handle, deliveries, settled, stored: () => ledger.countFor(key) };
  }

  it('redelivers the message at each deadline and dead-letters it as timed out at the last', async () => {
    f = await messagingFixture({
      maxDeliver: 3,
      ackWaitMs: 1_000,
      retryBackoffMs: [200, 400],
      handlerDeadlineMs: 2_000,
    });
    const h = await storingHandler();
    const runner = f.runner(h.handle);
    await runner.start();
    db.freeze();
    const published = await f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping' });

    // Three 2 s deadlines and the backoff: well inside 20 s. Without a deadline the working()
    // heartbeats would hold the first delivery for as long as the database stays frozen.
    const [entry, ...others] = await waitFor(
      'the dead letter',
      async () => {
        const entries = await f.deadLettersOf();
        return entries.length > 0 ? entries : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(others).toEqual([]);
    expect(h.deliveries).toEqual([1, 2, 3]);
    expect(h.settled).toEqual([]); // the database was frozen throughout
    expect(entry.data).toMatchObject({
      reason: 'handler-timeout',
      failure: 'exhausted',
      streamSequence: published.seq,
      deliveryCount: 3,
      eventId: published.id,
      error: 'handler still running after its 2000 ms deadline',
    });
    expect(runner.stats).toMatchObject({ acked: 0, retried: 2, timedOut: 3, deadLettered: 1 });

    // Thawed, the three abandoned handlers finish; none of them may ack or nak the message.
    db.thaw();
    await waitFor('the abandoned handlers to finish', () => h.settled.length === 3, {
      timeoutMs: 20_000,
    });
    expect(runner.stats).toMatchObject({ acked: 0, retried: 2, deadLettered: 1 });
    const info = await f.consumerInfo();
    expect(info.num_ack_pending + info.num_pending).toBe(0);
    expect(await f.deadLettersOf()).toHaveLength(1);
  });

  it('processes the message exactly once when the database comes back before deliveries run out', async () => {
    f = await messagingFixture({
      maxDeliver: 20,
      ackWaitMs: 1_000,
      retryBackoffMs: [200, 400],
      handlerDeadlineMs: 2_000,
    });
    const h = await storingHandler();
    const runner = f.runner(h.handle);
    await runner.start();
    db.freeze();
    await f.publisher.publish(f.Ping, { n: 2 }, { subject: 'ping' });

    await waitFor('a redelivery while the database is frozen', () => h.deliveries.length >= 2, {
      timeoutMs: 15_000,
    });
    expect(runner.stats.retried).toBeGreaterThanOrEqual(1);
    db.thaw();

    await waitFor('the message to be acknowledged', async () => {
      const info = await f.consumerInfo();
      return runner.stats.acked === 1 && info.num_ack_pending + info.num_pending === 0;
    });
    // Every delivery's handler finishes in the end, the abandoned ones too: one ack, one row.
    await waitFor('every delivery to finish', () => h.settled.length === h.deliveries.length, {
      timeoutMs: 20_000,
    });
    expect(h.settled.length).toBeGreaterThanOrEqual(2);
    expect(runner.stats.acked).toBe(1);
    expect(await h.stored()).toBe(1);
    expect(await f.deadLettersOf()).toEqual([]);
  });

  it('fails a database call within the driver timeouts instead of waiting for the database', async () => {
    const connection = await connectMongo({
      url: db.url('bounded'),
      timeouts: { socketMs: 1_000, connectMs: 2_000, waitQueueMs: 1_000 },
    });
    connections.push(connection);
    const ledger = new ProcessedEventRepository(connection);
    await ledger.ensureIndexes();
    expect(await ledger.markProcessed('bounded', 'before')).toBe(true);

    db.freeze();
    const started = Date.now();
    await expect(ledger.markProcessed('bounded', 'frozen')).rejects.toThrow();
    // The driver's own fallback, its heartbeat timeout, would take 30 s by default.
    expect(Date.now() - started).toBeLessThan(10_000);

    db.thaw();
    await waitFor('the connection to recover', () => ledger.markProcessed('bounded', 'after'), {
      timeoutMs: 30_000,
    });
  });
});
