import type { MsgHdrs } from '@nats-io/transport-node';
import {
  DeadLettered,
  deadLetterSubject,
  deterministicUuidv7,
  type EventData,
} from '@keelson/schemas';
import { decodeJson } from './codec';
import type { EventPublisher, PublishResult } from './publisher';

/** Payload bytes copied into a dead letter; larger ones are referenced by stream and sequence. */
export const MAX_COPIED_PAYLOAD = 512 * 1024;

export type DeadLetterReason = EventData<typeof DeadLettered>['reason'];

/** Everything about a message that the DLQ keeps, whichever path found it dead. */
export interface FailedMessage {
  stream: string;
  consumer: string;
  subject: string;
  streamSequence: number;
  deliveryCount: number;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
  /** When the original message was stored; seeds the dead letter's time-ordered id. */
  storedAtMs: number;
}

export function headersToRecord(headers: MsgHdrs | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of headers?.keys() ?? []) out[key] = headers!.values(key);
  return out;
}

/**
 * Copies a failed message, whole, to `dlq.<stream>.<consumer>`. The dead letter's id is derived
 * from (stream, consumer, sequence), so the handler's last-attempt path and the crash sweeper can
 * both report the same message and JetStream keeps a single entry.
 */
export class DeadLetterPublisher {
  constructor(private readonly publisher: EventPublisher) {}

  deadLetter(
    message: FailedMessage,
    reason: DeadLetterReason,
    error: string,
  ): Promise<PublishResult> {
    const decoded = decodeJson(message.data);
    const eventId =
      decoded.ok && typeof (decoded.value as { id?: unknown })?.id === 'string'
        ? (decoded.value as { id: string }).id
        : undefined;
    const data: EventData<typeof DeadLettered> = {
      reason,
      stream: message.stream,
      consumer: message.consumer,
      originalSubject: message.subject,
      streamSequence: message.streamSequence,
      deliveryCount: message.deliveryCount,
      error: error.slice(0, 4_000),
      headers: headersToRecord(message.headers),
      // Base64 grows a payload by a third: past this, the copy would not fit NATS's default 1 MB
      // message limit, so the entry keeps the reference (stream, sequence) instead of the bytes.
      payloadBase64:
        message.data.length <= MAX_COPIED_PAYLOAD
          ? Buffer.from(message.data).toString('base64')
          : '',
      payloadBytes: message.data.length,
      ...(eventId === undefined ? {} : { eventId }),
      failedAt: new Date().toISOString(),
    };
    return this.publisher.publish(DeadLettered, data, {
      natsSubject: deadLetterSubject(message.stream, message.consumer),
      subject: message.consumer,
      id: deterministicUuidv7(
        message.storedAtMs,
        `dlq:${message.stream}:${message.consumer}:${message.streamSequence}`,
      ),
    });
  }
}
