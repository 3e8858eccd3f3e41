import { Objm } from '@nats-io/obj';
import { Type } from '@sinclair/typebox';
import { CATALOGUE, defineEvent, type ConsumerSpec } from '@keelson/schemas';
import { testInfra, testStream } from '@keelson/testing';
import { connectNats, type Messaging } from '../src/connection';
import { ConsumerRunner } from '../src/consumer-runner';
import { DeadLetterPublisher } from '../src/dead-letter';
import { readDeadLetters } from '../src/dead-letter-reader';
import type { HandlerBinding } from '../src/handlers';
import { provision } from '../src/provisioning';
import { EventPublisher } from '../src/publisher';

const platformStreams = (...names: string[]) =>
  CATALOGUE.streams.filter((s) => names.includes(s.name));

/**
 * A private stream + durable consumer on the real NATS server, with the platform's DLQ and
 * ADVISORIES streams provisioned from the catalogue, and a test event type on the stream's subjects.
 */
export async function messagingFixture(consumerOverrides: Partial<ConsumerSpec> = {}) {
  const messaging: Messaging = await connectNats({
    url: testInfra.natsUrl,
    name: 'messaging-int-test',
  });
  const { stream, consumer, prefix } = testStream(consumerOverrides);
  await provision(messaging.nc, messaging.jsm, {
    streams: [stream, ...platformStreams('DLQ', 'ADVISORIES')],
    consumers: [consumer],
    objectStores: CATALOGUE.objectStores,
  });
  const payloads = await new Objm(messaging.js).open('dlq-payloads');

  const Ping = defineEvent({
    type: 'keelson.test.ping',
    subject: `${prefix}.*`,
    stream: stream.name,
    description: 'test event',
    data: Type.Object(
      { n: Type.Integer(), note: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
  });
  const publisher = new EventPublisher(messaging.js, 'test/int');
  const deadLetters = new DeadLetterPublisher(publisher, payloads);
  const runners: ConsumerRunner[] = [];

  return {
    messaging,
    stream,
    consumer,
    prefix,
    Ping,
    publisher,
    deadLetters,
    payloads,
    subject: `${prefix}.ping`,
    runner(handle: HandlerBinding['handle'], concurrency = 8): ConsumerRunner {
      const runner = new ConsumerRunner({
        js: messaging.js,
        consumer,
        handlers: [{ subject: `${prefix}.*`, handle, event: Ping }],
        deadLetters,
        concurrency,
      });
      runners.push(runner);
      return runner;
    },
    deadLettersOf: () => readDeadLetters(messaging.js, stream.name, consumer.durable),
    consumerInfo: () => messaging.jsm.consumers.info(stream.name, consumer.durable),
    async cleanup() {
      await Promise.all(runners.map((r) => r.stop()));
      await messaging.jsm.streams
        .purge('DLQ', { filter: `dlq.${stream.name}.>` })
        .catch(() => undefined);
      await messaging.jsm.streams.delete(stream.name).catch(() => undefined);
      await messaging.drain();
    },
  };
}

export type MessagingFixture = Awaited<ReturnType<typeof messagingFixture>>;
