import { Type } from '@sinclair/typebox';
import {
  ConsumerRunner,
  DeadLetterPublisher,
  EventPublisher,
  openPayloadStore,
  provision,
  TerminalError,
  type HandlerBinding,
} from '@keelson/messaging';
import { CATALOGUE, defineEvent, ServiceHeartbeat, type CloudEvent } from '@keelson/schemas';
import { testStream, waitFor } from '@keelson/testing';
import { recoveryFixture, type RecoveryFixture } from './recovery-fixture';

const STATES = ['pending', 'replayed', 'resolved', 'parked', 'archived'];

/**
 * Dead letters through the real messaging lib (a consumer of a test stream failing on purpose),
 * stored, grouped and replayed by the real recovery service, on the real NATS and FerretDB.
 */
describe('dead letters: captured, grouped, replayed (real NATS and FerretDB)', () => {
  let f: RecoveryFixture;
  let runner: ConsumerRunner | undefined;
  const { stream, consumer, prefix } = testStream({ maxDeliver: 2, retryBackoffMs: [100] });
  const Order = defineEvent({
    type: 'keelson.test.order',
    subject: `${prefix}.*`,
    stream: stream.name,
    description: 'test event',
    data: Type.Object({ n: Type.Integer() }, { additionalProperties: false }),
  });
  let publisher: EventPublisher;
  const received: Array<{ id: string; replayOf?: string }> = [];

  /** Runs the test stream's consumer with `handle` (the previous one stops first). */
  async function consume(handle: (event: CloudEvent<{ n: number }>) => Promise<void> | void) {
    await runner?.stop();
    const binding: HandlerBinding = {
      subject: `${prefix}.*`,
      event: Order,
      handle: async (event, context) => {
        const e = event as unknown as CloudEvent<{ n: number }>;
        await handle(e);
        received.push({
          id: e.id,
          replayOf: context.headers?.get('x-keelson-replay-of') || undefined,
        });
      },
    };
    runner = new ConsumerRunner({
      js: f.messaging.js,
      consumer,
      handlers: [binding],
      deadLetters: new DeadLetterPublisher(publisher, await openPayloadStore(f.messaging)),
    });
    await runner.start();
  }

  const groups = async () =>
    (await f.call('GET', '/v1/dlq/groups')).body.groups as Array<{
      _id: string;
      consumer: string;
      stream: string;
      count: number;
      failure: string;
      pattern: string;
      counts: Record<string, number>;
      replay: { status: string };
      traces?: string[];
    }>;
  const groupOf = async (pattern: string) =>
    (await groups()).find((g) => g.stream === stream.name && g.pattern.includes(pattern));
  /** The test consumer's entries by state, summed over its groups as the API lists them. */
  const countsOfConsumer = async () => {
    const mine = (await groups()).filter((g) => g.stream === stream.name);
    const sum = (state: string) => mine.reduce((n, g) => n + (g.counts[state] ?? 0), 0);
    return Object.fromEntries(STATES.map((state) => [state, sum(state)]));
  };
  /** The same, as /metrics exports it. */
  const exportedCounts = async () => {
    const values = await Promise.all(
      STATES.map((state) =>
        f.metric('keelson_recovery_dlq_entries', {
          stream: stream.name,
          consumer: consumer.durable,
          state,
        }),
      ),
    );
    return Object.fromEntries(STATES.map((state, i) => [state, values[i]]));
  };

  beforeAll(async () => {
    f = await recoveryFixture();
    await provision(f.messaging.nc, f.messaging.jsm, {
      streams: [stream],
      consumers: [consumer],
      objectStores: CATALOGUE.objectStores,
    });
    publisher = new EventPublisher(f.messaging.js, 'test/producer');
  });
  afterAll(async () => {
    await runner?.stop();
    await f.messaging.jsm.streams.delete(stream.name).catch(() => undefined);
    await f?.close();
  });

  it('groups terminal failures by their error, shows them decoded, and replays them on request', async () => {
    await consume((e) => {
      throw new TerminalError(
        `order ${e.data.n} refers to customer c-${e.data.n * 7} that does not exist`,
      );
    });
    const traceIds = Array.from(
      { length: 10 },
      (_, n) => `${String(n).padStart(2, '0')}${'d'.repeat(30)}`,
    );
    const sent = await Promise.all(
      traceIds.map((traceId, n) =>
        publisher.publish(
          Order,
          { n },
          { subject: 'orders', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
        ),
      ),
    );
    const group = await waitFor('one group of ten', async () => {
      const g = await groupOf('refers to customer');
      return g?.count === 10 ? g : undefined;
    });
    expect(group).toMatchObject({
      consumer: 'worker',
      failure: 'terminal',
      counts: { pending: 10 },
    });
    expect(group.pattern).toBe('order <n> refers to customer c-<n> that does not exist');
    // The group keeps the traces of its latest three failures: the operator's way into Jaeger.
    expect(new Set(group.traces)).toHaveProperty('size', 3);
    for (const id of group.traces!) expect(traceIds).toContain(id);
    // Each one stored is counted once, and the groups' counts are exported as they stand.
    const storedByApi = (await groups())
      .filter((g) => g.stream === stream.name)
      .reduce((n, g) => n + g.count, 0);
    expect(
      await f.metric('keelson_recovery_dlq_stored_total', {
        stream: stream.name,
        consumer: consumer.durable,
      }),
    ).toBe(storedByApi);
    const exported = await exportedCounts();
    expect(exported).toEqual(await countsOfConsumer());
    expect(exported.pending).toBeGreaterThanOrEqual(10);
    // Terminal failures are never replayed on their own.
    expect(group.replay.status).toBe('idle');

    const { body: listed } = await f.call('GET', `/v1/dlq/entries?group=${group._id}&limit=3`);
    expect(listed.entries).toHaveLength(3);
    const { body: entry } = await f.call('GET', `/v1/dlq/entries/${listed.entries[0]._id}`);
    expect(entry).toMatchObject({
      failure: 'terminal',
      originalSubject: `${prefix}.orders`,
      state: 'pending',
    });
    expect(entry.payload).toMatchObject({
      type: 'keelson.test.order',
      data: { n: expect.any(Number) },
    });
    expect(entry.headers['Nats-Msg-Id']).toBeDefined();

    const dry = await f.call('POST', '/v1/dlq/replays', {
      body: { group: group._id, dryRun: true },
    });
    expect(dry.body).toEqual({ dryRun: true, count: 10 });

    await consume(() => undefined); // the bug is fixed
    const task = await f.call('POST', '/v1/dlq/replays', {
      body: { group: group._id, rate: 50, reason: 'customer sync fixed' },
    });
    expect(task.status).toBe(202);
    await waitFor(
      'the task to complete',
      async () =>
        (await f.call('GET', `/v1/dlq/replays/${task.body._id}`)).body.state === 'completed',
    );
    const replayed = received.filter((r) => r.replayOf);
    expect(new Set(replayed.map((r) => r.id))).toEqual(new Set(sent.map((s) => s.id))); // original event ids
    await waitFor(
      'every entry resolved',
      async () => (await groupOf('refers to customer'))?.counts.resolved === 10,
      { timeoutMs: 30_000 },
    );
    const { body: audit } = await f.call('GET', `/v1/audit?target=${task.body._id}`);
    expect(audit.audit[0]).toMatchObject({ action: 'dlq.replay', reason: 'customer sync fixed' });
  }, 60_000);

  it('replays exhausted failures on its own once the consumer is back, after one probe replay', async () => {
    let healthy = false;
    await consume((e) => {
      if (!healthy) throw new Error(`database at 10.0.0.${e.data.n}:27017 is unreachable`);
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        publisher.publish(Order, { n: 100 + n }, { subject: 'orders' }),
      ),
    );
    const group = await waitFor('twenty exhausted failures', async () => {
      const g = await groupOf('is unreachable');
      return g?.count === 20 ? g : undefined;
    });
    expect(group.failure).toBe('exhausted');
    // The consumer's service says nothing yet: the group waits.
    await waitFor(
      'the group to wait for its service',
      async () => (await groupOf('is unreachable'))?.replay.status === 'waiting',
    );

    healthy = true;
    const beat = new EventPublisher(f.messaging.js, 'test/worker');
    const heartbeat = setInterval(
      () =>
        void beat.publish(
          ServiceHeartbeat,
          {
            service: 'worker',
            instanceId: `${prefix}worker`,
            startedAt: new Date(0).toISOString(),
            sentAt: new Date().toISOString(),
            intervalMs: 200,
            ready: true,
            checks: { database: 'up', nats: 'up' },
            consumers: [{ stream: stream.name, durable: 'worker' }],
          },
          { subject: `${prefix}worker` },
        ),
      200,
    );
    try {
      await waitFor(
        'all twenty resolved',
        async () => (await groupOf('is unreachable'))?.counts.resolved === 20,
        { timeoutMs: 45_000, intervalMs: 250 },
      );
    } finally {
      clearInterval(heartbeat);
    }
    const { body } = await f.call('GET', '/v1/dlq/replays');
    const auto = body.replays.filter((t: { auto: boolean; reason: string }) => t.auto);
    expect(auto.map((t: { reason: string }) => t.reason)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('probe replay'),
        'the probe replay succeeded: replaying the group',
      ]),
    );
  }, 90_000);

  it('parks a message that fails again after its replays, and raises dlq.parked', async () => {
    await consume((e) => {
      throw new Error(`poison ${e.data.n}`);
    });
    await publisher.publish(Order, { n: 999 }, { subject: 'orders' });
    const group = await waitFor('the poison dead-lettered', async () => groupOf('poison'));
    for (let i = 1; i <= 3; i++) {
      const task = await f.call('POST', '/v1/dlq/replays', {
        body: { group: group._id, rate: 0, reason: `try ${i}` },
      });
      expect(task.status).toBe(202);
      await waitFor(
        `replay ${i} to come back`,
        async () => {
          const [entry] = (await f.call('GET', `/v1/dlq/entries?group=${group._id}`)).body.entries;
          return entry.returns === i ? entry : undefined;
        },
        { timeoutMs: 20_000 },
      );
    }
    const [entry] = (await f.call('GET', `/v1/dlq/entries?group=${group._id}`)).body.entries;
    expect(entry).toMatchObject({ state: 'parked', replays: 3, returns: 3 });
    await waitFor('dlq.parked', () =>
      f.alerts.find((a) => a.kind === 'dlq.parked' && a.target === group._id),
    );
    // The recount that follows the return is what /metrics shows: the parked entry among them.
    const parked = await waitFor('the parked entry exported', async () => {
      const [api, exported] = [await countsOfConsumer(), await exportedCounts()];
      return api.parked >= 1 && JSON.stringify(exported) === JSON.stringify(api) ? api : undefined;
    });
    // Archived by an operator, it is set aside.
    const archived = await f.call('POST', '/v1/dlq/archive', {
      body: { group: group._id, reason: 'known poison' },
    });
    expect(archived.body).toEqual({ archived: 1 });
    // Archiving recounts the group before it answers: the gauges have moved already.
    expect(await exportedCounts()).toEqual({
      ...parked,
      parked: parked.parked - 1,
      archived: parked.archived + 1,
    });
  }, 90_000);

  it('counts a replay that fails again before its checkpoint as returned, not as replayed', async () => {
    // At 1 message/s a checkpoint comes every 5 entries; each replay here fails at once, so
    // its return reaches recovery seconds before the checkpoint that marks it replayed.
    await consume((e) => {
      throw new TerminalError(`instant refusal ${e.data.n}`);
    });
    for (let n = 1; n <= 6; n++) await publisher.publish(Order, { n }, { subject: 'orders' });
    const group = await waitFor('the refusals dead-lettered', async () => {
      const g = await groupOf('instant refusal');
      return g?.count === 6 ? g : undefined;
    });
    const task = await f.call('POST', '/v1/dlq/replays', {
      body: { group: group._id, rate: 1, reason: 'returns before checkpoints' },
    });
    expect(task.status).toBe(202);
    const entries = await waitFor(
      'every replay back, counted',
      async () => {
        const list = (await f.call('GET', `/v1/dlq/entries?group=${group._id}`)).body
          .entries as Array<{ returns: number; replays: number; state: string }>;
        return list.length === 6 && list.every((e) => e.returns === 1) ? list : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(entries.map((e) => [e.state, e.replays])).toEqual(Array(6).fill(['pending', 1]));
  }, 60_000);

  it('answers bad requests with clear 4xx', async () => {
    const bad = await f.call('POST', '/v1/dlq/replays', {
      body: { stream: 'x y', rate: -1, colour: 'red' },
    });
    expect(bad.status).toBe(400);
    // The stream is invalid, so nothing valid is selected either: both are said.
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      '(body)',
      'colour',
      'rate',
      'reason',
      'stream',
    ]);
    expect(
      (await f.call('POST', '/v1/dlq/replays', { body: { reason: 'everything' } })).status,
    ).toBe(400);
    expect((await f.call('GET', '/v1/dlq/entries?state=lost')).status).toBe(400);
    expect((await f.call('GET', '/v1/dlq/entries/nope')).status).toBe(404);
    expect((await f.call('GET', '/v1/dlq/replays/nope')).status).toBe(404);
    const reader = await f.createKey(['dlq:read']);
    expect(
      (await f.call('POST', '/v1/dlq/replays', { key: reader, body: { stream: 'S', reason: 'r' } }))
        .status,
    ).toBe(403);
    expect((await f.call('GET', '/v1/dlq/groups', { key: null })).status).toBe(401);
    expect((await f.call('GET', '/openapi.json', { key: null })).body.openapi).toBe('3.1.0');
  });
});
