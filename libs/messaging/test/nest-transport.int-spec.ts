import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import type { CloudEvent } from '@keelson/schemas';
import { waitFor } from '@keelson/testing';
import type { MessageContext } from '../src/handlers';
import { JetStreamTransport } from '../src/nest/jetstream.transport';
import { RpcPassThroughFilter } from '../src/nest/rpc-pass-through.filter';
import { TerminalError } from '../src/handlers';
import { messagingFixture, type MessagingFixture } from './fixture';

describe('NestJS transport over the consumer runner', () => {
  let f: MessagingFixture;
  let app: INestMicroservice | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await f?.cleanup();
  });

  async function boot(controller: new (...args: never[]) => unknown) {
    @Module({ controllers: [controller] })
    class TestModule {}
    app = await NestFactory.createMicroservice(TestModule, {
      strategy: new JetStreamTransport({
        messaging: f.messaging,
        consumers: [f.consumer],
        source: 'test/nest',
      }),
      logger: false,
    });
    app.useGlobalFilters(new RpcPassThroughFilter());
    await app.listen();
  }

  it('delivers validated events to @EventPattern handlers and retries when they throw', async () => {
    f = await messagingFixture({ retryBackoffMs: [100] });
    const received: Array<{ n: number; delivery: number }> = [];
    const subject = `${f.prefix}.*`;

    @Controller()
    class PingController {
      @EventPattern(subject)
      handle(@Payload() event: CloudEvent<{ n: number }>, @Ctx() ctx: MessageContext) {
        received.push({ n: event.data.n, delivery: ctx.deliveryCount });
        if (event.data.n === 2 && ctx.deliveryCount === 1) throw new Error('first attempt fails');
      }
    }
    await boot(PingController);
    await f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping' });
    await f.publisher.publish(f.Ping, { n: 2 }, { subject: 'ping' });

    await waitFor('both events handled, the failed one retried', () => received.length === 3);
    await waitFor('all acknowledged', async () => (await f.consumerInfo()).num_ack_pending === 0);
    expect(received).toEqual(
      expect.arrayContaining([
        { n: 1, delivery: 1 },
        { n: 2, delivery: 1 },
        { n: 2, delivery: 2 },
      ]),
    );
  });

  it('dead-letters a TerminalError thrown in a handler at once, without retries', async () => {
    f = await messagingFixture({ maxDeliver: 5, retryBackoffMs: [60_000] });
    const subject = `${f.prefix}.*`;
    let calls = 0;

    @Controller()
    class FailingController {
      @EventPattern(subject)
      handle() {
        calls++;
        throw new TerminalError('dataset is gone for good');
      }
    }
    await boot(FailingController);
    await f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping' });
    const [entry] = await waitFor('the dead letter', async () => {
      const entries = await f.deadLettersOf();
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry.data).toMatchObject({
      reason: 'handler-failed',
      deliveryCount: 1,
      error: 'dataset is gone for good',
    });
    expect(calls).toBe(1);
  });

  it('refuses to boot when a subscribed subject has no handler', async () => {
    f = await messagingFixture();

    @Controller()
    class UnrelatedController {
      @EventPattern('some.other.subject')
      handle() {
        return undefined;
      }
    }
    await expect(boot(UnrelatedController)).rejects.toThrow(
      `consumer worker receives ${f.prefix}.* but no handler serves it`,
    );
  });
});
