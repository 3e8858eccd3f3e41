import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { deadLetterSubject, DeadLettered, type CloudEvent, type EventData } from '@keelson/schemas';
import { decodeJson } from './codec';

export type DeadLetterEntry = CloudEvent<EventData<typeof DeadLettered>> & { dlqSequence: number };

/**
 * Reads every dead letter of one consumer, oldest first, without a durable consumer (an ordered
 * consumer leaves nothing behind). For operators' tools and tests; recovery replays from its own
 * durable consumer.
 */
export async function readDeadLetters(
  js: JetStreamClient,
  stream: string,
  consumer: string,
): Promise<DeadLetterEntry[]> {
  const ordered = await js.consumers.get('DLQ', {
    filter_subjects: [deadLetterSubject(stream, consumer)],
    deliver_policy: DeliverPolicy.All,
  });
  const entries: DeadLetterEntry[] = [];
  const info = await ordered.info(true);
  if (info.num_pending === 0) return entries;
  const messages = await ordered.consume();
  for await (const m of messages) {
    const decoded = decodeJson(m.data);
    if (decoded.ok)
      entries.push({
        ...(decoded.value as CloudEvent<EventData<typeof DeadLettered>>),
        dlqSequence: m.seq,
      });
    if (m.info.pending === 0) break;
  }
  await messages.close();
  return entries;
}
