import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { consumerSpec, type ConsumerSpec } from '@keelson/schemas';
import type { Logger } from '@keelson/tracing';
import { ConsumerRunner } from './consumer-runner';
import type { DeadLetterPublisher } from './dead-letter';

/** JetStream's advisory when a message used up max_deliver without an ack or term. */
interface MaxDeliveriesAdvisory {
  type: string;
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

/**
 * Dead-letters messages that ran out of deliveries with no handler verdict: the process handling
 * them died (or hung past its ack wait) on the last attempt, so no handler could copy them to the
 * DLQ. JetStream's max-deliveries advisory (captured in the ADVISORIES stream) names the stream and
 * sequence; the sweeper fetches the message and writes the same DLQ entry a handler would have.
 */
export class DeadLetterSweeper {
  private readonly runner: ConsumerRunner;

  constructor(options: {
    js: JetStreamClient;
    jsm: JetStreamManager;
    deadLetters: DeadLetterPublisher;
    logger?: Logger;
    consumer?: ConsumerSpec;
  }) {
    const spec = options.consumer ?? consumerSpec('dead-letter-sweeper');
    this.runner = new ConsumerRunner({
      js: options.js,
      consumer: spec,
      deadLetters: options.deadLetters,
      logger: options.logger,
      format: 'json',
      concurrency: 4,
      handlers: [
        {
          subject: '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>',
          handle: async (payload: unknown) => {
            const advisory = payload as MaxDeliveriesAdvisory;
            const stored = await options.jsm.streams
              .getMessage(advisory.stream, { seq: advisory.stream_seq })
              .catch((error: Error) => {
                // The whole stream is gone: record what the advisory says rather than retry forever.
                if (/stream not found/i.test(error.message)) return null;
                throw error;
              });
            options.logger?.warn(
              {
                stream: advisory.stream,
                consumer: advisory.consumer,
                seq: advisory.stream_seq,
                deliveries: advisory.deliveries,
                found: stored !== null,
              },
              'message ran out of deliveries without a verdict',
            );
            await options.deadLetters.deadLetter(
              {
                stream: advisory.stream,
                consumer: advisory.consumer,
                subject: stored?.subject ?? '',
                streamSequence: advisory.stream_seq,
                deliveryCount: advisory.deliveries,
                headers: stored?.header,
                data: stored?.data ?? new Uint8Array(),
                storedAtMs: stored ? stored.time.getTime() : Date.now(),
              },
              'max-deliveries',
              stored
                ? `no verdict after ${advisory.deliveries} deliveries: the handling process died or exceeded its ack wait`
                : `no verdict after ${advisory.deliveries} deliveries, and the message has since left stream ${advisory.stream}`,
              'exhausted',
            );
          },
        },
      ],
    });
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }
}
