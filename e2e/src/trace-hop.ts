// One side of the cross-service trace test, run as its own process with its own service.name:
// ROLE=producer publishes an event inside a span; ROLE=consumer handles it. Both export over OTLP.
import { role, tracing } from './trace-hop.tracing';
import { context, trace } from '@opentelemetry/api';
import {
  connectNats,
  ConsumerRunner,
  DeadLetterPublisher,
  EventPublisher,
} from '@keelson/messaging';
import type { ConsumerSpec } from '@keelson/schemas';
import { currentTraceId } from '@keelson/tracing';

async function produce(publisher: EventPublisher, subject: string) {
  const span = trace.getTracer('e2e').startSpan('producer request');
  await context.with(trace.setSpan(context.active(), span), () =>
    publisher.publishEnvelope(subject, {
      specversion: '1.0',
      id: process.env.HOP_EVENT_ID!,
      source: 'e2e-producer',
      type: 'keelson.e2e.hop',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { hop: 1 },
    }),
  );
  span.end();
  process.stdout.write(`published ${span.spanContext().traceId}\n`);
}

async function consumeOne(
  messaging: Awaited<ReturnType<typeof connectNats>>,
  publisher: EventPublisher,
) {
  const consumer = JSON.parse(process.env.HOP_CONSUMER!) as ConsumerSpec;
  let done!: () => void;
  const handled = new Promise<void>((resolve) => (done = resolve));
  const runner = new ConsumerRunner({
    js: messaging.js,
    consumer,
    deadLetters: new DeadLetterPublisher(publisher),
    handlers: [
      {
        subject: consumer.filterSubjects[0],
        handle: async () => {
          process.stdout.write(`consumed ${currentTraceId()}\n`);
          done();
        },
      },
    ],
  });
  await runner.start();
  process.stdout.write('ready\n');
  await handled;
  await runner.stop();
}

async function main() {
  const messaging = await connectNats({
    url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: `e2e-${role}`,
  });
  const publisher = new EventPublisher(messaging.js, `e2e-${role}`);
  if (role === 'producer') await produce(publisher, process.env.HOP_SUBJECT!);
  else await consumeOne(messaging, publisher);
  await messaging.drain();
  await tracing.shutdown(); // flushes the batch exporter
  process.stdout.write('flushed\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
