// A consumer process for the crash tests: it takes one message, says so on stdout, and hangs until
// the test kills it with SIGKILL, so no ack, nak or term ever reaches the server.
import type { ConsumerSpec } from '@keelson/schemas';
import { connectNats } from '../src/connection';
import { ConsumerRunner } from '../src/consumer-runner';
import { DeadLetterPublisher } from '../src/dead-letter';
import { EventPublisher } from '../src/publisher';

async function main() {
  const consumer = JSON.parse(process.env.CRASH_CONSUMER ?? '') as ConsumerSpec;
  const messaging = await connectNats({
    url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'crash-worker',
  });
  const runner = new ConsumerRunner({
    js: messaging.js,
    consumer,
    concurrency: 1,
    deadLetters: new DeadLetterPublisher(new EventPublisher(messaging.js, 'crash-worker')),
    handlers: [
      {
        subject: consumer.filterSubjects[0],
        handle: (_event, ctx) => {
          process.stdout.write(
            `handling seq=${ctx.streamSequence} delivery=${ctx.deliveryCount}\n`,
          );
          return new Promise<void>(() => undefined);
        },
      },
    ],
  });
  await runner.start();
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
