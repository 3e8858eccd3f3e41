import { join } from 'node:path';
import type { CloudEvent, ConsumerSpec } from '@keelson/schemas';
import { runTsProcess, uniqueId, waitFor, type TsProcess } from '@keelson/testing';
import { DeadLetterSweeper } from '../src/dead-letter-sweeper';
import { provision } from '../src/provisioning';
import { messagingFixture, type MessagingFixture } from './fixture';

const worker = join(__dirname, 'crash-worker.ts');

describe('a consumer process killed mid-handling (SIGKILL)', () => {
  let f: MessagingFixture;
  const children: TsProcess[] = [];
  afterEach(async () => {
    await Promise.all(children.map((c) => c.kill()));
    children.length = 0;
    await f?.cleanup();
  });

  async function crashWhileHandling(consumer: ConsumerSpec, delivery: number) {
    const child = runTsProcess(worker, { CRASH_CONSUMER: JSON.stringify(consumer) });
    children.push(child);
    await child.waitForOutput(`delivery=${delivery}`);
    await child.kill('SIGKILL');
  }

  it('gets its message redelivered to a healthy consumer, which applies it once', async () => {
    f = await messagingFixture({ maxDeliver: 3, ackWaitMs: 1_000 });
    const published = await f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping' });
    await crashWhileHandling(f.consumer, 1);

    const handled: Array<{ id: string; delivery: number }> = [];
    await f
      .runner(
        async (e: CloudEvent<unknown>, ctx) =>
          void handled.push({ id: e.id, delivery: ctx.deliveryCount }),
      )
      .start();
    await waitFor('the redelivery to be handled', () => handled.length === 1);
    await waitFor('the ack', async () => (await f.consumerInfo()).num_ack_pending === 0);
    expect(handled).toEqual([{ id: published.id, delivery: 2 }]);
    expect(await f.deadLettersOf()).toEqual([]);
  });

  it('dead-letters the message once max_deliver is spent without a verdict', async () => {
    f = await messagingFixture({ maxDeliver: 2, ackWaitMs: 1_000 });
    // A sweeper of this test's own, reading only this stream's advisories.
    const sweeperSpec: ConsumerSpec = {
      stream: 'ADVISORIES',
      durable: `sweeper-${uniqueId()}`,
      filterSubjects: [`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${f.stream.name}.>`],
      description: 'crash test sweeper',
      maxDeliver: 5,
      ackWaitMs: 5_000,
      retryBackoffMs: [200],
      maxAckPending: 100,
    };
    await provision(f.messaging.nc, f.messaging.jsm, { consumers: [sweeperSpec] });
    const sweeper = new DeadLetterSweeper({
      js: f.messaging.js,
      jsm: f.messaging.jsm,
      deadLetters: f.deadLetters,
      consumer: sweeperSpec,
    });
    await sweeper.start();
    try {
      const published = await f.publisher.publish(
        f.Ping,
        { n: 99 },
        { subject: 'ping', headers: { 'x-origin': 'crash-test' } },
      );
      await crashWhileHandling(f.consumer, 1);
      await crashWhileHandling(f.consumer, 2);

      const [entry, ...others] = await waitFor(
        'the sweeper to dead-letter the message',
        async () => {
          const entries = await f.deadLettersOf();
          return entries.length > 0 ? entries : undefined;
        },
      );
      expect(others).toEqual([]);
      expect(entry.data).toMatchObject({
        reason: 'max-deliveries',
        stream: f.stream.name,
        consumer: 'worker',
        originalSubject: f.subject,
        streamSequence: published.seq,
        deliveryCount: 2,
        eventId: published.id,
      });
      expect(entry.data.error).toMatch(/no verdict after 2 deliveries/);
      expect(entry.data.headers['x-origin']).toEqual(['crash-test']);
      expect(JSON.parse(Buffer.from(entry.data.payloadBase64, 'base64').toString()).data).toEqual({
        n: 99,
      });
      const info = await f.consumerInfo();
      expect(info.num_ack_pending + info.num_pending).toBe(0);
    } finally {
      await sweeper.stop();
      await f.messaging.jsm.consumers.delete('ADVISORIES', sweeperSpec.durable);
    }
  });
});
