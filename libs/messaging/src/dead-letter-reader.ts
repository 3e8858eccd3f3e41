import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { deadLetterSubject, DeadLettered, type CloudEvent, type EventData } from '@keelson/schemas';
import { decodeJson } from './codec';

export type DeadLetterEntry = CloudEvent<EventData<typeof DeadLettered>> & { dlqSequence: number };

/**
 * Every JSON event stored on a subject (wildcards allowed), oldest first, with its stream sequence.
 * Reads through an ordered consumer, which leaves nothing behind on the server: for operators'
 * tools and tests, not for processing.
 */
export async function readEvents<T>(
  js: JetStreamClient,
  stream: string,
  subject: string,
): Promise<Array<{ event: CloudEvent<T>; seq: number }>> {
  const ordered = await js.consumers.get(stream, {
    filter_subjects: [subject],
    deliver_policy: DeliverPolicy.All,
  });
  const events: Array<{ event: CloudEvent<T>; seq: number }> = [];
  if ((await ordered.info(true)).num_pending === 0) return events;
  const messages = await ordered.consume();
  for await (const m of messages) {
    const decoded = decodeJson(m.data);
    if (decoded.ok) events.push({ event: decoded.value as CloudEvent<T>, seq: m.seq });
    if (m.info.pending === 0) break;
  }
  await messages.close();
  return events;
}

/** Every dead letter of one consumer, oldest first. Recovery replays from its own durable consumer. */
export async function readDeadLetters(
  js: JetStreamClient,
  stream: string,
  consumer: string,
): Promise<DeadLetterEntry[]> {
  const events = await readEvents<EventData<typeof DeadLettered>>(
    js,
    'DLQ',
    deadLetterSubject(stream, consumer),
  );
  return events.map(({ event, seq }) => ({ ...event, dlqSequence: seq }));
}
